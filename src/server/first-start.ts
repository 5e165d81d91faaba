import { join } from 'node:path';
import type { Core } from '../core/index.ts';
import { SYSTEM_CALLER } from '../core/index.ts';
import { writeFileAtomic } from '../datastore/index.ts';

export interface FirstStartResult {
  /** Set only on the start that created the account: print it once. */
  readonly adminPassword: string | null;
  readonly passwordFile: string | null;
}

/**
 * No default passwords: the first start creates `administrator` with a random password
 * (or VMGATE_ADMIN_PASSWORD), grants it the Administrator role on the root, and writes
 * the password to `<dataDir>/initial-admin-password` (mode 0600).
 */
export async function ensureAdministrator(core: Core, dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<FirstStartResult> {
  const existing = await core.ctx.store.users.getByName('administrator');
  if (existing) return { adminPassword: null, passwordFile: null };
  const given = env.VMGATE_ADMIN_PASSWORD;
  const { user, password } = await core.identity.createUser(SYSTEM_CALLER, { name: 'administrator', fullName: 'vmgate administrator', ...(given ? { password: given } : {}) });
  await core.identity.setPermission(SYSTEM_CALLER, { principal: `user:${user.id}`, entityId: 'root', roleId: 'administrator', propagate: true });
  const passwordFile = join(dataDir, 'initial-admin-password');
  await writeFileAtomic(passwordFile, password + '\n', { mode: 0o600 });
  return { adminPassword: given ? null : password, passwordFile };
}

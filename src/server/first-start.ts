import { join } from 'node:path';
import type { Core } from '../core/index.ts';
import { SYSTEM_CALLER } from '../core/index.ts';
import { writeFileAtomic } from '../datastore/index.ts';

/** Where the first start writes the password it generated (in the data directory). */
export const INITIAL_ADMIN_PASSWORD_FILE = 'initial-admin-password';

export interface FirstStartResult {
  /** Set only on the start that created the account with a generated password: print it once. */
  readonly adminPassword: string | null;
  /** The file the generated password was written to; null when none was written. */
  readonly passwordFile: string | null;
}

/**
 * No default passwords: the first start creates `administrator` with a random password
 * (or VMGATE_ADMIN_PASSWORD), grants it the Administrator role on the root, and writes a
 * generated password to `<dataDir>/initial-admin-password` (mode 0600). A password the
 * operator chose is not copied to disk.
 */
export async function ensureAdministrator(core: Core, dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<FirstStartResult> {
  const existing = await core.ctx.store.users.getByName('administrator');
  if (existing) return { adminPassword: null, passwordFile: null };
  const given = env.VMGATE_ADMIN_PASSWORD;
  const { user, password } = await core.identity.createUser(SYSTEM_CALLER, { name: 'administrator', fullName: 'vmgate administrator', ...(given ? { password: given } : {}) });
  await core.identity.setPermission(SYSTEM_CALLER, { principal: `user:${user.id}`, entityId: 'root', roleId: 'administrator', propagate: true });
  if (given) return { adminPassword: null, passwordFile: null };
  const passwordFile = join(dataDir, INITIAL_ADMIN_PASSWORD_FILE);
  await writeFileAtomic(passwordFile, password + '\n', { mode: 0o600 });
  return { adminPassword: password, passwordFile };
}

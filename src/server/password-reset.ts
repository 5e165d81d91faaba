/**
 * `vmgate user set-password NAME --data-dir DIR`: a password set on the data directory
 * itself, without a session (the way back in when the administrator's password is
 * forgotten). It opens the database as the server does and changes the password through
 * core's identity service (policy, unlock, event); no drivers, no listeners. SQLite's WAL
 * lets it run beside a running server, which reads users from the database at every login,
 * so the new password works there at once.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Core, SYSTEM_CALLER } from '../core/index.ts';
import { invalidArgument } from '../core/errors.ts';
import { openStore } from '../store/open-store.ts';
import { datastoreFiles } from '../datastore/index.ts';
import { INITIAL_ADMIN_PASSWORD_FILE } from './first-start.ts';

export interface PasswordResetResult {
  /** The user's id and name. */
  readonly userId: string;
  readonly userName: string;
  /** `initial-admin-password` held the old (generated) password and was removed. */
  readonly removedInitialPasswordFile: string | null;
}

export async function setPasswordOffline(dataDir: string, userName: string, password: string): Promise<PasswordResetResult> {
  const dbPath = join(dataDir, 'vmgate.db');
  if (!existsSync(dbPath)) throw invalidArgument(`${dataDir} holds no vmgate database (${dbPath}): give the server's --data-dir`, { module: 'server.password-reset' });
  const store = await openStore({ kind: 'sqlite', path: dbPath });
  try {
    const core = new Core({ store, files: datastoreFiles, drivers: new Map(), config: { datastoreRoot: join(dataDir, 'datastores') } });
    const user = await core.identity.resolveUser(userName);
    await core.identity.setPassword(SYSTEM_CALLER, user.id, password);
    // The first start's file would now hold a password that no longer works.
    let removed: string | null = null;
    const initial = join(dataDir, INITIAL_ADMIN_PASSWORD_FILE);
    if (user.name === 'administrator' && existsSync(initial)) {
      await rm(initial, { force: true });
      removed = initial;
    }
    return { userId: user.id, userName: user.name, removedInitialPasswordFile: removed };
  } finally {
    await store.close();
  }
}

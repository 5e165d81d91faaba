/**
 * Administration on the server itself, without a session: the store alone, opened from the
 * data directory (the running server, if any, sees the change at its next login attempt).
 *
 * - `vmgate user unlock NAME --data-dir DIR` lifts every lock of an account.
 * - `vmgate user set-password NAME --data-dir DIR` (the way back in when the administrator's
 *   password is forgotten) changes a password through core's identity service (policy,
 *   unlock, event); no drivers, no listeners. SQLite's WAL lets both run beside a running
 *   server, which reads users from the database at every login.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Core, SYSTEM_CALLER } from '../core/index.ts';
import { datastoreFiles } from '../datastore/index.ts';
import { INITIAL_ADMIN_PASSWORD_FILE } from './first-start.ts';
import { invalidArgument } from '../core/errors.ts';
import { unlockAccount } from '../core/identity.ts';
import type { User } from '../core/model/index.ts';
import type { Store } from '../core/ports/store.ts';
import { openStore } from '../store/open-store.ts';

async function withStore<T>(dataDir: string, fn: (store: Store) => Promise<T>): Promise<T> {
  const path = join(dataDir, 'vmgate.db');
  if (!existsSync(path)) throw invalidArgument(`${dataDir} holds no vmgate database (${path}): give the server's --data-dir`, { module: 'server' });
  const store = await openStore({ kind: 'sqlite', path });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** `vmgate user unlock NAME --data-dir DIR`: lifts every lock of the account, from every address. */
export function unlockUserOffline(dataDir: string, idOrName: string): Promise<User> {
  return withStore(dataDir, async (store) => {
    const user = await unlockAccount(store, idOrName);
    await store.events.append({ objectId: user.id, type: 'user.unlocked', severity: 'info', message: `account '${user.name}' unlocked on the server (vmgate user unlock --data-dir)`, userName: null, taskId: null });
    return user;
  });
}

export interface PasswordResetResult {
  /** The user's id and name. */
  readonly userId: string;
  readonly userName: string;
  /** `initial-admin-password` held the old (generated) password and was removed. */
  readonly removedInitialPasswordFile: string | null;
}

export function setPasswordOffline(dataDir: string, userName: string, password: string): Promise<PasswordResetResult> {
  return withStore(dataDir, async (store) => {
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
  });
}

/**
 * Administration on the server itself, without a session: the store alone, opened from the
 * data directory (the running server, if any, sees the change at its next login attempt).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { notFound } from '../core/errors.ts';
import { unlockAccount } from '../core/identity.ts';
import type { User } from '../core/model/index.ts';
import type { Store } from '../core/ports/store.ts';
import { openStore } from '../store/open-store.ts';

async function withStore<T>(dataDir: string, fn: (store: Store) => Promise<T>): Promise<T> {
  const path = join(dataDir, 'vmgate.db');
  if (!existsSync(path)) throw notFound(`there is no vmgate database in ${dataDir} (no ${path})`, { module: 'server' });
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

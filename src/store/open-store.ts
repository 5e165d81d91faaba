import { unsupported } from '../core/errors.ts';
import type { Store } from '../core/ports/store.ts';
import { restrictDatabaseFiles } from './sqlite/file-modes.ts';
import { openSqliteStore } from './sqlite/sqlite-store.ts';

export type StoreConfig =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly url: string };

/** Opens the store the configuration names. */
export async function openStore(config: StoreConfig): Promise<Store> {
  switch (config.kind) {
    case 'sqlite':
      await restrictDatabaseFiles(config.path);
      return openSqliteStore({ path: config.path });
    case 'postgres':
      throw unsupported('the PostgreSQL store is planned; use sqlite', { module: 'store' });
  }
}

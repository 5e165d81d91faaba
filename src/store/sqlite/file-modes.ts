/**
 * The SQLite files hold password hashes: they are private to vmgate's user (0600).
 * SQLite creates the `-wal` and `-shm` files with the mode of the database file, so the
 * database is created 0600 before SQLite opens it; files left by an older vmgate with a
 * wider mode are narrowed.
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export const DATABASE_FILE_MODE = 0o600;

/** Creates `path` empty with mode 0600 when missing, and narrows it and its -wal/-shm to 0600. */
export async function restrictDatabaseFiles(path: string): Promise<void> {
  if (path === '' || path === ':memory:' || path.startsWith('file:')) return;
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(path, '', { flag: 'wx', mode: DATABASE_FILE_MODE }).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'EEXIST') throw e;
  });
  for (const p of [path, `${path}-wal`, `${path}-shm`]) {
    await chmod(p, DATABASE_FILE_MODE).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
  }
}

/**
 * The data directory's permissions. It holds password hashes (vmgate.db), session and
 * transfer material (logs) and the TLS key, so vmgate keeps what it makes private to its
 * own user whatever the umask: the directory 0700 when vmgate creates it, `logs/` 0700,
 * the log file 0600 (the database files: src/store/sqlite/file-modes.ts). An existing data
 * directory is the operator's: vmgate does not change its mode but warns at start when
 * its group or others may read or enter it.
 */
import { chmod, mkdir, open, stat } from 'node:fs/promises';
import { join } from 'node:path';

export const DATA_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

export interface PreparedDataDir {
  /** `<dataDir>/logs/vmgate.log`, created 0600. */
  readonly logFile: string;
  /** Things to tell the operator once the logger exists. */
  readonly warnings: readonly string[];
}

/** Creates or checks the data directory, its `logs/` folder and the log file. */
export async function prepareDataDir(dataDir: string): Promise<PreparedDataDir> {
  const warnings: string[] = [];
  const existing = await stat(dataDir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return null;
    throw e;
  });
  if (existing === null) {
    await mkdir(dataDir, { recursive: true, mode: DATA_DIR_MODE });
    await chmod(dataDir, DATA_DIR_MODE);
  } else if ((existing.mode & 0o077) !== 0) {
    const mode = (existing.mode & 0o777).toString(8).padStart(4, '0');
    warnings.push(`the data directory ${dataDir} is open to its group or to others (mode ${mode}); it holds password hashes and the TLS key: chmod 700 ${dataDir}`);
  }
  const logs = join(dataDir, 'logs');
  await mkdir(logs, { recursive: true, mode: DATA_DIR_MODE });
  await chmod(logs, DATA_DIR_MODE);
  const logFile = join(logs, 'vmgate.log');
  await (await open(logFile, 'a', PRIVATE_FILE_MODE)).close();
  await chmod(logFile, PRIVATE_FILE_MODE);
  return { logFile, warnings };
}

/** Small file helpers of the QEMU driver. */
import { access, readFile, stat } from 'node:fs/promises';

export async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

/** The parsed JSON file, or null when it is missing or unreadable. */
export async function readJson<T>(file: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

/** The last lines QEMU wrote to its log, for error messages. */
export async function logTail(file: string): Promise<string> {
  try {
    const s = await stat(file);
    const text = await readFile(file, 'utf8');
    const lines = text.slice(Math.max(0, s.size - 2000)).trim().split('\n');
    return lines.filter((l) => !l.startsWith('--- ')).slice(-3).join(' | ') || 'no output';
  } catch {
    return 'no log';
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

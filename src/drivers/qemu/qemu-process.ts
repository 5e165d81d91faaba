/** The QEMU process seen from outside: its pidfile, whether it lives. */
import { readFile } from 'node:fs/promises';

/** The pid QEMU wrote with -pidfile, or null. */
export async function readPidFile(path: string): Promise<number | null> {
  try {
    const pid = Number.parseInt((await readFile(path, 'utf8')).trim(), 10);
    return Number.isSafeInteger(pid) && pid > 1 ? pid : null;
  } catch {
    return null;
  }
}

/** True while the process exists and is not a zombie. */
export async function isProcessAlive(pid: number): Promise<boolean> {
  if (!Number.isSafeInteger(pid) || pid <= 1) return false;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    try {
      process.kill(pid, 0);
      return true;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'EPERM';
    }
  }
}

/** The process's argv (empty when it is gone or unreadable). */
export async function processArgv(pid: number): Promise<string[]> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').filter((s) => s !== '');
  } catch {
    return [];
  }
}

/** True when `pid` is a live QEMU started with this pidfile (guards against pid reuse). */
export async function isQemuOf(pid: number, pidFile: string): Promise<boolean> {
  if (!(await isProcessAlive(pid))) return false;
  const argv = await processArgv(pid);
  if (argv.length === 0) return true; // no /proc: trust the pidfile
  const i = argv.indexOf('-pidfile');
  return i >= 0 && argv[i + 1] === pidFile;
}

/** Resolves true once the process is gone, false after `timeoutMs`. */
export async function waitForProcessExit(pid: number, timeoutMs: number, pollMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!(await isProcessAlive(pid))) return true;
    await new Promise((r) => setTimeout(r, pollMs));
  }
  return !(await isProcessAlive(pid));
}

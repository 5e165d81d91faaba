import { readFile } from 'node:fs/promises';
import { cpus, freemem, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { HostMachineStatistics, VmStatistics } from '../../core/ports/driver.ts';
import type { QemuInstance } from './qemu-instance.ts';

/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ: 100 on every Linux this runs on). */
const USER_HZ = 100;

/**
 * A running guest's use, from its QEMU process: CPU time from `/proc/<pid>/stat` (utime +
 * stime, fields 14 and 15), memory from `/proc/<pid>/status` (VmRSS), and the balloon's
 * size from QMP `query-balloon` when the VM has a balloon device (null otherwise).
 */
export async function statisticsOf(inst: QemuInstance): Promise<VmStatistics> {
  const [stat, status] = await Promise.all([readFile(`/proc/${inst.pid}/stat`, 'utf8'), readFile(`/proc/${inst.pid}/status`, 'utf8')]);
  const atMs = performance.now();
  return { cpuTimeMs: cpuTimeMsOf(stat), atMs, memoryUsedMiB: rssMiBOf(status), balloonMiB: await balloonMiB(inst) };
}

/** utime + stime of a `/proc/<pid>/stat` line, in ms. The command name (field 2) may hold spaces and parentheses: fields are counted after its last `)`. */
export function cpuTimeMsOf(stat: string): number {
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state): utime is field 14, stime field 15.
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`unexpected /proc stat line: ${stat.slice(0, 200)}`);
  return ((utime + stime) * 1000) / USER_HZ;
}

/** VmRSS of a `/proc/<pid>/status` text, in MiB. */
export function rssMiBOf(status: string): number {
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!m) throw new Error('no VmRSS line in /proc status');
  return Math.round((Number(m[1]) / 1024) * 10) / 10;
}

async function balloonMiB(inst: QemuInstance): Promise<number | null> {
  try {
    const info = await inst.qmp.execute<{ actual?: number }>('query-balloon');
    return typeof info.actual === 'number' ? Math.round(info.actual / (1024 * 1024)) : null;
  } catch {
    // "No balloon device has been activated": this VM has none.
    return null;
  }
}

/** This machine's load: busy and total CPU time over all processors (os.cpus), memory in use (os.totalmem − os.freemem). */
export function machineStatistics(): HostMachineStatistics {
  let busy = 0;
  let total = 0;
  for (const c of cpus()) {
    const t = c.times.user + c.times.nice + c.times.sys + c.times.irq + c.times.idle;
    total += t;
    busy += t - c.times.idle;
  }
  const totalMiB = totalmem() / (1024 * 1024);
  return { cpuBusyMs: busy, cpuTotalMs: total, memoryUsedMiB: totalMiB - freemem() / (1024 * 1024), memoryTotalMiB: totalMiB };
}

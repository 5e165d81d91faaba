/**
 * qemu-img: create disks and manage internal snapshots of disks that no QEMU has open
 * (QEMU locks open images, so these fail on a running VM's disks, as they should).
 */
import { execFile } from 'node:child_process';
import { qemuError } from './qemu-error.ts';

export interface QemuImgOptions {
  readonly binary: string;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface QemuImgSnapshot {
  readonly id: string;
  readonly name: string;
  readonly vmStateSize: number;
}

export interface QemuImgInfo {
  readonly format: string;
  readonly virtualSize: number;
  readonly snapshots: readonly QemuImgSnapshot[];
}

/** Runs qemu-img; resolves with stdout, throws VmgateError (internal) with stderr. */
export function runQemuImg(args: readonly string[], opts: QemuImgOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(opts.binary, [...args], { timeout: opts.timeoutMs ?? 120_000, signal: opts.signal, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) {
        resolve(stdout);
        return;
      }
      const e = err as NodeJS.ErrnoException & { killed?: boolean };
      if (e.code === 'ENOENT') {
        reject(qemuError('unsupported', `qemu-img not found (${opts.binary}); install qemu-utils`, { cause: err }));
        return;
      }
      if (e.name === 'AbortError') {
        reject(qemuError('cancelled', `qemu-img ${args[0]} was cancelled`, { cause: err }));
        return;
      }
      const msg = String(stderr).trim() || e.message;
      reject(qemuError(e.killed ? 'timed_out' : 'internal', `qemu-img ${args.join(' ')}: ${msg}`, { details: { stderr: String(stderr) }, cause: err }));
    });
  });
}

export async function createQcow2(file: string, capacityMiB: number, opts: QemuImgOptions): Promise<void> {
  await runQemuImg(['create', '-q', '-f', 'qcow2', file, `${Math.max(1, Math.ceil(capacityMiB))}M`], opts);
}

export async function imageInfo(file: string, opts: QemuImgOptions): Promise<QemuImgInfo> {
  const out = await runQemuImg(['info', '--output=json', '-U', file], opts);
  const j = JSON.parse(out) as { format: string; 'virtual-size': number; snapshots?: { id: string; name: string; 'vm-state-size': number }[] };
  return {
    format: j.format,
    virtualSize: j['virtual-size'],
    snapshots: (j.snapshots ?? []).map((s) => ({ id: s.id, name: s.name, vmStateSize: s['vm-state-size'] })),
  };
}

export async function snapshotCreateOffline(file: string, tag: string, opts: QemuImgOptions): Promise<void> {
  await runQemuImg(['snapshot', '-c', tag, file], opts);
}

export async function snapshotApplyOffline(file: string, tag: string, opts: QemuImgOptions): Promise<void> {
  await runQemuImg(['snapshot', '-a', tag, file], opts);
}

export async function snapshotDeleteOffline(file: string, tag: string, opts: QemuImgOptions): Promise<void> {
  await runQemuImg(['snapshot', '-d', tag, file], opts);
}

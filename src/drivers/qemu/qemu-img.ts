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

/** Formats `importImage` reads. */
const IMPORT_FORMATS = new Set(['qcow2', 'raw', 'vmdk']);

/**
 * Converts an uploaded disk image (qcow2, raw or vmdk) to a new qcow2 file and returns its
 * capacity in bytes. Only self-contained images are read: one with a backing file, an
 * external data file or (vmdk) an extent in another file is refused, since converting it
 * would read whatever file it names on this machine into the new disk.
 */
export async function importImage(source: string, target: string, opts: QemuImgOptions): Promise<number> {
  const out = await runQemuImg(['info', '--output=json', '-U', source], opts);
  const j = JSON.parse(out) as {
    format: string;
    'backing-filename'?: string;
    'full-backing-filename'?: string;
    'format-specific'?: { type?: string; data?: { 'data-file'?: string; extents?: { filename?: string }[] } };
  };
  const name = source.split('/').pop() ?? source;
  if (!IMPORT_FORMATS.has(j.format)) throw qemuError('invalid_argument', `${name} is a ${j.format} image; vmgate imports qcow2, raw and vmdk disks`);
  if (j['backing-filename'] !== undefined || j['full-backing-filename'] !== undefined) throw qemuError('invalid_argument', `${name} refers to a backing file (${j['backing-filename'] ?? j['full-backing-filename']}): import a self-contained image (qemu-img convert -O qcow2 it first)`);
  const data = j['format-specific']?.data;
  if (data?.['data-file'] !== undefined) throw qemuError('invalid_argument', `${name} keeps its data in another file (${data['data-file']}): import a self-contained image`);
  const foreign = (data?.extents ?? []).find((e) => e.filename !== undefined && e.filename !== source);
  if (foreign) throw qemuError('invalid_argument', `${name} is a vmdk whose data is in another file (${foreign.filename}): import a monolithic vmdk (one file), or convert it first`);
  await runQemuImg(['convert', '-q', '-f', j.format, '-O', 'qcow2', source, target], { ...opts, timeoutMs: opts.timeoutMs ?? 3_600_000 });
  return (await imageInfo(target, opts)).virtualSize;
}

import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GuestFs } from './guest-fs.ts';
import type { GuestFsImage } from './guest-fs.ts';
import { simError } from './sim-error.ts';

/** The guest's disk as a file in the VM's folder, so it outlives the control plane. */
export const SIM_DISK_FILE = 'sim-disk.json';

/** A snapshot's disk as kept on the datastore (its memory part lives only in process). */
export interface SimSnapshotFile {
  readonly format: 'vmgate-sim-snapshot';
  readonly version: 1;
  readonly snapshotId: string;
  readonly includeMemory: boolean;
  readonly disk: GuestFsImage;
}

export function simDiskPath(vmDir: string): string {
  return join(vmDir, SIM_DISK_FILE);
}

export function simSnapshotPath(vmDir: string, snapshotId: string): string {
  return join(vmDir, `sim-snapshot-${snapshotId.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`);
}

/** The disk saved in `file`, or null when there is none. Throws internal for a damaged file. */
export async function loadGuestDisk(file: string): Promise<GuestFs | null> {
  const json = await readJson(file);
  if (json === null) return null;
  try {
    return GuestFs.fromImage(json as GuestFsImage);
  } catch (e) {
    throw simError('internal', `the sim disk image ${file} is damaged: ${(e as Error).message}`);
  }
}

export async function saveGuestDisk(file: string, fs: GuestFs): Promise<void> {
  await writeJsonAtomic(file, fs.toImage());
}

export async function loadSnapshotFile(file: string): Promise<SimSnapshotFile | null> {
  const json = (await readJson(file)) as SimSnapshotFile | null;
  if (json === null) return null;
  if (json.format !== 'vmgate-sim-snapshot' || json.version !== 1) throw simError('internal', `${file} is not a vmgate sim snapshot`);
  return json;
}

export async function saveSnapshotFile(file: string, snap: SimSnapshotFile): Promise<void> {
  await writeJsonAtomic(file, snap);
}

export async function removeFileIfPresent(file: string): Promise<void> {
  await rm(file, { force: true });
}

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw simError('internal', `cannot read ${file}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw simError('internal', `${file} is not valid JSON: ${(e as Error).message}`);
  }
}

async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await mkdir(join(file, '..'), { recursive: true });
  try {
    await writeFile(tmp, JSON.stringify(value));
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
}

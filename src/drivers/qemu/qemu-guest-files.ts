/**
 * Guest file system operations of the QEMU driver: helper scripts (stat, ls, mkdir, rm,
 * mv, mktemp) run as the logged-in user, so the guest's own permissions apply.
 */
import { posix } from 'node:path';
import type { DriverVm, GuestCredentials, GuestFileInfo } from '../../core/ports/driver.ts';
import { LIST_SCRIPT, MKDIR_SCRIPT, MKTEMP_SCRIPT, MV_SCRIPT, RM_SCRIPT, RMDIR_SCRIPT, STAT_SCRIPT } from './guest-scripts.ts';
import type { QemuGuestRunner } from './qemu-guest-runner.ts';

export async function stat(g: QemuGuestRunner, vm: DriverVm, creds: GuestCredentials, path: string): Promise<GuestFileInfo> {
  const r = await g.runChecked(vm, creds, { verb: 'stat', path }, STAT_SCRIPT, [path]);
  return parseStat(r.stdout.toString().replace(/\n$/, ''), null);
}

export async function listDirectory(g: QemuGuestRunner, vm: DriverVm, creds: GuestCredentials, path: string): Promise<GuestFileInfo[]> {
  const r = await g.runChecked(vm, creds, { verb: 'list', path, wrongType: 'not_a_directory' }, LIST_SCRIPT, [path]);
  return r.stdout
    .toString()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => parseStat(l, path));
}

export async function makeDirectory(g: QemuGuestRunner, vm: DriverVm, creds: GuestCredentials, path: string, parents: boolean): Promise<void> {
  await g.runChecked(vm, creds, { verb: 'create', path }, MKDIR_SCRIPT, [path, parents ? '1' : '0']);
}

export async function removeDirectory(g: QemuGuestRunner, vm: DriverVm, creds: GuestCredentials, path: string, recursive: boolean): Promise<void> {
  const { state } = await g.authenticate(vm, creds);
  await g.runChecked(vm, creds, { verb: 'remove', path, wrongType: 'not_a_directory' }, RMDIR_SCRIPT, [path, recursive ? '1' : '0']);
  state.forgetAccess();
}

export async function removeFile(g: QemuGuestRunner, vm: DriverVm, creds: GuestCredentials, path: string): Promise<void> {
  const { state } = await g.authenticate(vm, creds);
  await g.runChecked(vm, creds, { verb: 'remove', path }, RM_SCRIPT, [path]);
  state.forgetAccess();
}

export async function move(g: QemuGuestRunner, vm: DriverVm, creds: GuestCredentials, from: string, to: string, overwrite: boolean): Promise<void> {
  const { state } = await g.authenticate(vm, creds);
  await g.runChecked(vm, creds, { verb: 'move', path: from }, MV_SCRIPT, [from, to, overwrite ? '1' : '0']);
  state.forgetAccess();
}

export async function createTempFile(
  g: QemuGuestRunner,
  vm: DriverVm,
  creds: GuestCredentials,
  o: { prefix: string; suffix: string; directory?: string; directoryOnly?: boolean },
): Promise<string> {
  const r = await g.runChecked(vm, creds, { verb: 'create a file in', path: o.directory ?? '$TMPDIR' }, MKTEMP_SCRIPT, [o.prefix, o.suffix, o.directory ?? '', o.directoryOnly ? '1' : '0']);
  return r.stdout.toString();
}

/** One line of STAT_SCRIPT / LIST_SCRIPT: type, size, mtime, mode, owner, name (tab-separated). */
function parseStat(line: string, dir: string | null): GuestFileInfo {
  const [type, size, mtime, mode, owner, ...rest] = line.split('\t');
  const name = rest.join('\t');
  const path = dir === null ? name : posix.join(dir, name);
  return {
    name: posix.basename(path) || path,
    path,
    type: /directory/.test(type) ? 'directory' : /symbolic link/.test(type) ? 'symlink' : 'file',
    size: Number(size) || 0,
    modifiedAt: new Date((Number(mtime) || 0) * 1000).toISOString(),
    mode: Number.parseInt(mode, 8) || 0,
    owner: owner ?? '',
  };
}

/**
 * Where a QEMU guest's runtime files live. Everything sits in the VM's folder, except the
 * two unix sockets when that folder's path is too long for one: a unix socket path holds at
 * most 107 bytes, so then they go to a short directory derived from the folder's path
 * (`/tmp/vmgate-<hash>/`), which a restarted control plane computes the same way.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { DriverVm } from '../../core/ports/driver.ts';

/** sun_path is 108 bytes including the terminating NUL. */
export const MAX_UNIX_SOCKET_PATH_BYTES = 107;

export interface QemuRuntimePaths {
  /** The VM's folder. */
  readonly vmDir: string;
  /** Where the sockets are: the VM's folder, or a short directory under `runtimeDir`. */
  readonly socketDir: string;
  readonly qmpSocket: string;
  readonly agentSocket: string;
  /** Written by QEMU (-pidfile), removed by QEMU on a clean exit. */
  readonly pidFile: string;
  /** QEMU's own stdout/stderr. */
  readonly qemuLog: string;
  /** The guest's serial console. */
  readonly serialLog: string;
  /** JSON record of the running process (pid, sockets, VNC port, accelerator). */
  readonly runtimeRecord: string;
  /** Memory and device state of a suspended guest. */
  readonly suspendFile: string;
  /** Facts the resume needs (accelerator, machine) next to the suspend file. */
  readonly suspendInfo: string;
  /** UEFI variable store of an EFI guest. */
  readonly efiVars: string;
}

export function qemuRuntimePaths(vm: Pick<DriverVm, 'dir' | 'name'>, runtimeDir = '/tmp'): QemuRuntimePaths {
  const fits = (p: string): boolean => Buffer.byteLength(p) <= MAX_UNIX_SOCKET_PATH_BYTES;
  const direct = join(vm.dir, 'qmp.sock');
  const socketDir = fits(direct) && fits(join(vm.dir, 'qga.sock')) ? vm.dir : join(runtimeDir, `vmgate-${createHash('sha256').update(vm.dir).digest('hex').slice(0, 16)}`);
  const base = safeFileName(vm.name);
  return {
    vmDir: vm.dir,
    socketDir,
    qmpSocket: join(socketDir, 'qmp.sock'),
    agentSocket: join(socketDir, 'qga.sock'),
    pidFile: join(vm.dir, 'qemu.pid'),
    qemuLog: join(vm.dir, 'qemu.log'),
    serialLog: join(vm.dir, 'serial.log'),
    runtimeRecord: join(vm.dir, 'qemu-runtime.json'),
    suspendFile: join(vm.dir, `${base}.vmss`),
    suspendInfo: join(vm.dir, `${base}.vmss.json`),
    efiVars: join(vm.dir, `${base}-efivars.fd`),
  };
}

/** A VM name as a file name: no path separators, no leading dots, never empty. */
export function safeFileName(name: string): string {
  const s = name.replace(/[/\\\0]/g, '_').replace(/^\.+/, '').trim();
  return s === '' ? 'vm' : s;
}

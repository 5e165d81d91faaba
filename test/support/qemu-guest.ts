/**
 * The QEMU test guest (built by scripts/build-test-guest.sh) and whether the tests that
 * boot it can run here. Locally they skip with a one-line reason when QEMU or the guest is
 * missing; in CI (`CI` set) a missing piece is a failure, not a skip.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DriverVm } from '../../src/drivers/driver.ts';
import type { VmHardware } from '../../src/core/model/index.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface QemuTestGuest {
  readonly dir: string;
  readonly kernel: string;
  readonly initrd: string;
  readonly cmdline: string;
  /** Accounts of the test guest (scripts/build-test-guest.sh). */
  readonly users: { readonly root: string; readonly user: string };
  readonly qemuBinary: string;
  readonly qemuImg: string;
}

export interface QemuTestAvailability {
  readonly guest: QemuTestGuest;
  /** null when everything is there. */
  readonly missing: string | null;
}

export function qemuTestGuest(): QemuTestAvailability {
  const dir = process.env.VMGATE_TEST_GUEST_DIR ?? join(REPO_ROOT, '.cache/test-guest');
  const guest: QemuTestGuest = {
    dir,
    kernel: join(dir, 'vmlinuz'),
    initrd: join(dir, 'initrd.img'),
    cmdline: 'console=ttyS0 quiet',
    users: { root: 'vmware', user: 'vmware' },
    qemuBinary: process.env.VMGATE_QEMU_BINARY ?? 'qemu-system-x86_64',
    qemuImg: process.env.VMGATE_QEMU_IMG ?? 'qemu-img',
  };
  let missing: string | null = null;
  if (!runs(guest.qemuBinary)) missing = `${guest.qemuBinary} not found (apt-get install qemu-system-x86)`;
  else if (!runs(guest.qemuImg)) missing = `${guest.qemuImg} not found (apt-get install qemu-utils)`;
  else if (!existsSync(guest.kernel) || !existsSync(guest.initrd)) missing = `no test guest in ${dir} (run scripts/build-test-guest.sh)`;
  return { guest, missing };
}

/**
 * The `skip` option for node:test: false when the guest tests can run, the reason when they
 * cannot. Throws in CI instead of skipping.
 */
export function qemuTestSkip(): string | false {
  const { missing } = qemuTestGuest();
  if (missing === null) return false;
  if (process.env.CI) throw new Error(`QEMU guest tests cannot run in CI: ${missing}`);
  return missing;
}

/** Hardware of a small test VM: kernel boot of the test guest, one qcow2 disk, one NIC. */
export function testGuestHardware(guest: QemuTestGuest, over: Partial<VmHardware> = {}): VmHardware {
  return {
    cpuCount: 1,
    coresPerSocket: 1,
    memoryMiB: 256,
    guestOs: 'otherlinux-64',
    version: 19,
    firmware: 'bios',
    disks: [{ device: 'scsi0:0', fileName: 'disk0.qcow2', capacityMiB: 64 }],
    nics: [{ device: 'ethernet0', macAddress: '00:50:56:00:00:01', network: 'VM Network', connected: true, model: 'virtio' }],
    cdroms: [],
    kernelBoot: { kernel: guest.kernel, initrd: guest.initrd, cmdline: guest.cmdline },
    ...over,
  };
}

export function testGuestVm(dir: string, guest: QemuTestGuest, id = 'vm-1', over: Partial<VmHardware> = {}): DriverVm {
  return {
    id,
    uuid: '564d0000-1111-2222-3333-444455556666',
    name: `test-${id}`,
    dir,
    vmxPath: join(dir, `test-${id}.vmx`),
    hardware: testGuestHardware(guest, over),
  };
}

function runs(binary: string): boolean {
  const r = spawnSync(binary, ['--version'], { stdio: 'ignore' });
  return r.status === 0;
}

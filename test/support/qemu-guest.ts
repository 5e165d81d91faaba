/**
 * The QEMU test guest (built by scripts/build-test-guest.sh) and whether the tests that
 * boot it can run here. Locally they skip with a one-line reason when QEMU or the guest is
 * missing; in CI (`CI=true` or `CI=1`, see ./ci.ts) a missing piece is a failure, not a skip.
 *
 * Test files that boot guests take {@link acquireQemuTestLock} so that, across the test
 * runner's parallel files, one guest runs at a time, and clean up with
 * {@link killQemuUnder} whatever failed.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DriverVm } from '../../src/core/ports/driver.ts';
import type { VmHardware } from '../../src/core/model/index.ts';
import { skipUnlessAvailable } from './ci.ts';

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

/** The same kernel and initramfs on a bootable ISO (isolinux, the same command line). */
export function testGuestIso(guest: Pick<QemuTestGuest, 'dir'>): string {
  return join(guest.dir, 'test-guest.iso');
}

/**
 * The `skip` option for node:test: false when the guest tests can run, the reason when they
 * cannot. Throws in CI instead of skipping. `iso`: the test needs test-guest.iso too.
 */
export function qemuTestSkip(opts: { readonly iso?: boolean } = {}): string | false {
  const found = qemuTestGuest();
  let missing = found.missing;
  if (missing === null && opts.iso && !existsSync(testGuestIso(found.guest))) missing = `no test-guest.iso in ${found.guest.dir} (run scripts/build-test-guest.sh)`;
  return skipUnlessAvailable('QEMU guest tests', missing);
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

const LOCK_FILE = join(tmpdir(), 'vmgate-qemu-tests.lock');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One QEMU guest at a time across test files (the runner runs files in parallel): waits
 * for the lock file in the temporary directory, taken over when its holder has died.
 * Returns the release function (idempotent). Gives up with an error after `timeoutMs`.
 */
export async function acquireQemuTestLock(timeoutMs = 30 * 60_000): Promise<() => void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fd = openSync(LOCK_FILE, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        try {
          if (readFileSync(LOCK_FILE, 'utf8') === String(process.pid)) rmSync(LOCK_FILE, { force: true });
        } catch {
          // already gone
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let holder = NaN;
    try {
      holder = Number(readFileSync(LOCK_FILE, 'utf8'));
    } catch {
      continue; // released between open and read
    }
    if (!Number.isInteger(holder) || holder <= 0 || !alive(holder)) {
      rmSync(LOCK_FILE, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`another test process (pid ${holder}) has held ${LOCK_FILE} for more than ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * SIGKILLs every QEMU whose pidfile (`qemu.pid`) is somewhere under `dir` and still names a
 * live QEMU started with that pidfile: the clean-up of test data directories, whatever
 * failed. Returns the pids.
 */
export function killQemuUnder(dir: string): number[] {
  const killed: number[] = [];
  const walk = (d: string, depth: number): void => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory() && depth < 6) walk(p, depth + 1);
      else if (e.name === 'qemu.pid') {
        const pid = Number(readFileSync(p, 'utf8').trim());
        if (!Number.isInteger(pid) || pid <= 0) continue;
        try {
          // Only the QEMU of this pidfile (never a process that reused the pid).
          if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(p)) continue;
          process.kill(pid, 'SIGKILL');
          killed.push(pid);
        } catch {
          // gone
        }
      }
    }
  };
  walk(dir, 0);
  return killed;
}

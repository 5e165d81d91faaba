/**
 * QEMU driver behaviour that needs no guest: state from files, errors when QEMU cannot
 * start, the KVM probe's answers. Stand-in "QEMU" binaries are tiny shell scripts.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createQemuDriver } from '../../src/drivers/qemu/qemu-driver.ts';
import { probeExitCode, probeImage, probeKvm, runProbe } from '../../src/drivers/qemu/accel-probe.ts';
import { describeExit } from '../../src/drivers/qemu/qemu-instance.ts';
import type { DriverVm } from '../../src/core/ports/driver.ts';
import { VmgateError } from '../../src/core/errors.ts';
import { testGuestVm } from '../support/qemu-guest.ts';
import type { QemuTestGuest } from '../support/qemu-guest.ts';
import { skipUnlessAvailable } from '../support/ci.ts';
import { spawnSync } from 'node:child_process';

/** Skip (locally) or fail (CI) when qemu-system-x86_64 is not installed. */
const qemuMissing = () => skipUnlessAvailable('QEMU', spawnSync('qemu-system-x86_64', ['--version']).status === 0 ? null : 'qemu-system-x86_64 not found (apt-get install qemu-system-x86)');

const silent = { info: () => undefined, warn: () => undefined };
let root: string;
const guest: QemuTestGuest = {
  dir: '/nonexistent',
  kernel: '/nonexistent/vmlinuz',
  initrd: '/nonexistent/initrd.img',
  cmdline: 'console=ttyS0',
  users: { root: 'vmware', user: 'vmware' },
  qemuBinary: 'qemu-system-x86_64',
  qemuImg: 'qemu-img',
};

function script(name: string, body: string): string {
  const p = join(root, name);
  writeFileSync(p, `#!/bin/sh\n${body}\n`);
  chmodSync(p, 0o755);
  return p;
}

function vmIn(name: string): DriverVm {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  // No disks and a kernel that exists, so only QEMU itself can fail.
  const kernel = join(root, 'vmlinuz');
  writeFileSync(kernel, '');
  return testGuestVm(dir, guest, `vm-${name}`, { disks: [], kernelBoot: { kernel, initrd: null, cmdline: '' } });
}

const isError = (kind: string, reason?: string) => (e: unknown) => e instanceof VmgateError && e.kind === kind && (reason === undefined || e.reason === reason);

before(() => {
  root = mkdtempSync(join(tmpdir(), 'vmgate-qemu-unit-'));
});
after(() => rmSync(root, { recursive: true, force: true }));

test('a VM without a process is poweredOff, or suspended when its .vmss exists', async () => {
  const d = createQemuDriver({ accel: 'tcg', log: silent });
  const vm = vmIn('state');
  assert.deepEqual(await d.getRuntime(vm), { powerState: 'poweredOff', toolsState: 'unknown' });
  writeFileSync(join(vm.dir, `${vm.name}.vmss`), 'saved');
  assert.deepEqual(await d.reattach(vm, { powerState: 'poweredOn', toolsState: 'running' }), { powerState: 'suspended', toolsState: 'unknown' });
  await d.discardSuspendState!(vm);
  assert.equal((await d.getRuntime(vm)).powerState, 'poweredOff');
  await assert.rejects(d.powerOff(vm, { soft: false }), isError('not_allowed_in_current_state', 'vm_not_running'));
  await assert.rejects(d.resume!(vm), isError('not_allowed_in_current_state'));
  await assert.rejects(d.console!(vm), isError('not_allowed_in_current_state', 'vm_not_running'));
  await d.close();
});

test('a stale pidfile (no such process) is not a running VM', async () => {
  const d = createQemuDriver({ accel: 'tcg', log: silent });
  const vm = vmIn('stale');
  writeFileSync(join(vm.dir, 'qemu.pid'), '999999\n');
  assert.equal((await d.getRuntime(vm)).powerState, 'poweredOff');
  await d.close();
});

test('a missing QEMU binary is reported as unsupported', async () => {
  const d = createQemuDriver({ accel: 'tcg', qemuBinary: join(root, 'no-such-qemu'), log: silent });
  await assert.rejects(d.powerOn(vmIn('nobinary')), (e: unknown) => isError('unsupported')(e) && /install qemu-system-x86/.test((e as Error).message));
  await d.close();
});

test('QEMU that fails at start up: the error quotes its output', async () => {
  const fake = script('failing-qemu', 'echo "qemu-system-x86_64: -machine q35: unsupported machine type" >&2\nexit 1');
  const d = createQemuDriver({ accel: 'tcg', qemuBinary: fake, log: silent });
  const vm = vmIn('failing');
  await assert.rejects(d.powerOn(vm), (e: unknown) => isError('internal')(e) && /unsupported machine type/.test((e as Error).message));
  assert.equal((await d.getRuntime(vm)).powerState, 'poweredOff');
  await d.close();
});

test('missing disks are named before QEMU starts', async () => {
  const d = createQemuDriver({ accel: 'tcg', qemuBinary: script('never-run', 'exit 99'), log: silent });
  const vm = { ...vmIn('nodisk'), hardware: { ...vmIn('nodisk').hardware, disks: [{ device: 'scsi0:0', fileName: 'missing.qcow2', capacityMiB: 8 }] } };
  await assert.rejects(d.powerOn(vm), (e: unknown) => isError('not_found')(e) && /missing\.qcow2/.test((e as Error).message));
  await d.close();
});

test('snapshots need qcow2 disks', async () => {
  const d = createQemuDriver({ accel: 'tcg', log: silent });
  const base = vmIn('vmdk');
  const vm = { ...base, hardware: { ...base.hardware, disks: [{ device: 'scsi0:0', fileName: 'old.vmdk', capacityMiB: 8 }] } };
  await assert.rejects(d.createSnapshot!(vm, { id: 'snapshot-1', includeMemory: false }, false), (e: unknown) => isError('unsupported')(e) && /qemu-img convert -O qcow2/.test((e as Error).message));
  const none = vmIn('nodisks');
  await assert.rejects(d.createSnapshot!(none, { id: 'snapshot-1', includeMemory: false }, false), isError('unsupported'));
  await d.close();
});

test('exit reasons name what happened', () => {
  assert.equal(describeExit(null, 'SIGKILL', null).reason, 'QEMU process exited (signal SIGKILL)');
  assert.equal(describeExit(null, 'SIGKILL', null).severity, 'error');
  assert.equal(describeExit(0, null, { guest: true, reason: 'guest-shutdown' }).reason, 'guest shut down');
  assert.equal(describeExit(null, null, null).reason, 'QEMU process exited');
  assert.match(describeExit(0, null, { guest: false, reason: 'host-signal' }).reason, /after a signal/);
});

test('KVM probe image: its reset vector writes the byte to isa-debug-exit (QEMU exits with byte*2+1)', { skip: qemuMissing() }, async () => {
  const image = probeImage(0x31);
  assert.equal(image.length, 65536);
  // mov al, 0x31; out 0xf4, al; hlt; jmp $-1 at F000:FFF0
  assert.deepEqual([...image.subarray(0xfff0, 0xfff7)], [0xb0, 0x31, 0xe6, 0xf4, 0xf4, 0xeb, 0xfd]);
  assert.equal(probeExitCode(0x31), 99);
  // Under TCG the same image proves the code itself (what KVM would run).
  const run = await runProbe('qemu-system-x86_64', 'tcg', 20_000);
  assert.equal(run.ok, true, run.detail);
});

test('KVM probe: a QEMU that hangs, dies or exits with another code means TCG, with the reason', async () => {
  const hanging = await probeKvm({ qemuBinary: script('hanging-qemu', 'exec sleep 30'), deadlineMs: 1_500 });
  assert.equal(hanging.accel, 'tcg');
  const dying = await probeKvm({ qemuBinary: script('dying-qemu', 'echo "kvm: failed to set MSR" >&2; exit 1'), deadlineMs: 5_000 });
  assert.equal(dying.accel, 'tcg');
  // An even code: the probe's own success code is byte*2+1 for a random byte (exit 3 was success for byte 1).
  const wrong = await probeKvm({ qemuBinary: script('wrong-qemu', 'exit 4'), deadlineMs: 5_000 });
  assert.equal(wrong.accel, 'tcg');
  const missing = await probeKvm({ qemuBinary: join(root, 'no-such-qemu'), deadlineMs: 5_000 });
  assert.equal(missing.accel, 'tcg');
  if (/\/dev\/kvm/.test(hanging.reason)) {
    // No usable /dev/kvm here: that is the reason every time, before QEMU is asked.
    for (const d of [dying, wrong, missing]) assert.equal(d.reason, '/dev/kvm is missing or not accessible to vmgate');
  } else {
    assert.equal(hanging.reason, 'KVM does not work here: the probe did not finish within 1.5 s');
    assert.equal(dying.reason, 'KVM does not work here: QEMU ended (exit code 1): kvm: failed to set MSR');
    assert.equal(wrong.reason, 'KVM does not work here: QEMU ended (exit code 4)');
    assert.match(missing.reason, /^KVM does not work here: QEMU could not be started \(spawn .*no-such-qemu ENOENT\)$/);
  }
});

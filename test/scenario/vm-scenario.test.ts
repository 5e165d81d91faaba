/**
 * One VM's life through the vSphere Automation API face, the same scenario on both drivers
 * and both wire flavours (REST and JSON-RPC), through VapiClient against a real vmgate over
 * HTTPS in this process:
 *
 *   VM.create (1 vCPU, 256 MiB, one small blank disk, a CD-ROM on `[ds] iso/test-guest.iso`)
 *   → power on → tools ready → run a program and read its output → copy 1 MiB in and out
 *   → snapshot with memory → change a file → revert → the file is back → `sleep 600`
 *   → suspend → resume (power start) → the process still runs → power off → delete
 *   → the VM's folder is gone from the datastore.
 *
 * On QEMU the VM boots the test guest's ISO the way an installer boots (the blank disk
 * first, then the CD-ROM). QEMU guests run one at a time (all of them in this file, and
 * acquireQemuTestLock across files); locally the QEMU part skips when QEMU or the test
 * guest is missing, in CI it fails.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, posix } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import { VapiClient } from '../../src/clients/vapi/index.ts';
import type { VapiFlavour, VmGuestCredentials } from '../../src/clients/vapi/index.ts';
import { SYSTEM_CALLER } from '../../src/core/index.ts';
import type { DriverKind } from '../../src/core/model/index.ts';
import { acquireQemuTestLock, killQemuUnder, qemuTestGuest, qemuTestSkip, testGuestIso } from '../support/qemu-guest.ts';
import { skippable } from '../support/ci.ts';
import { ADMIN_PASSWORD, startTestServer } from '../support/test-server.ts';
import type { TestServer } from '../support/test-server.ts';
import { until } from '../support/until.ts';

const ROOT: VmGuestCredentials = { interactive_session: false, type: 'USERNAME_PASSWORD', user_name: 'root', password: 'vmware' };
const DATASTORE = 'scenario-ds';
const ISO_PATH = `[${DATASTORE}] iso/test-guest.iso`;
const MiB = 1024 * 1024;

interface ScenarioWorld {
  readonly driver: DriverKind;
  readonly server: TestServer;
  readonly hostId: string;
  readonly datastoreId: string;
  readonly datastorePath: string;
  /** How long the guest may take to boot to its tools (TCG on a busy machine is slow). */
  readonly toolsDeadlineMs: number;
}

/** Datacenter, datastore (with the ISO in `iso/`) and a host of the given driver, through core. */
async function setUpWorld(server: TestServer, driver: DriverKind, toolsDeadlineMs: number): Promise<ScenarioWorld> {
  const core = server.server.core;
  const dc = await core.inventory.createDatacenter(SYSTEM_CALLER, 'scenario-dc');
  const ds = await core.inventory.createDatastore(SYSTEM_CALLER, { name: DATASTORE, datacenterId: dc.id });
  const host = await core.inventory.createHost(SYSTEM_CALLER, { name: `${driver}-host`, datacenterId: dc.id, driver, cpuCount: 2, memoryMiB: 2048, datastoreIds: [ds.id] });
  await mkdir(join(ds.path, 'iso'), { recursive: true });
  const iso = testGuestIso(qemuTestGuest().guest);
  // The simulator never reads the ISO; without a built guest it gets a stand-in file.
  if (existsSync(iso)) await copyFile(iso, join(ds.path, 'iso', 'test-guest.iso'));
  else await writeFile(join(ds.path, 'iso', 'test-guest.iso'), 'not a real ISO: the simulator does not read it\n');
  return { driver, server, hostId: host.id, datastoreId: ds.id, datastorePath: ds.path, toolsDeadlineMs };
}

/** The scenario itself: the same calls, the same checks, whatever the driver and the wire. */
async function vmScenario(t: TestContext, w: ScenarioWorld, flavour: VapiFlavour): Promise<void> {
  const client = new VapiClient({ server: w.server.baseUrl, flavour, ca: w.server.ca, timeoutMs: 300_000 });
  const t0 = Date.now();
  let stepStart = t0;
  const step = (name: string): void => {
    const now = Date.now();
    t.diagnostic(`${name}: ${now - stepStart} ms`);
    stepStart = now;
  };
  const waitForTools = (why: string) =>
    until(`${w.driver}/${flavour}: guest tools ${why} (guest.power.get operations_ready)`, w.toolsDeadlineMs, async () => ((await client.guest.power.get(vm)).operations_ready ? true : undefined), 500);
  const sh = (script: string) => client.vmgate.guest.run(vm, ROOT, { path: '/bin/sh', arguments: ['-c', script] });

  let vm = '';
  try {
    await client.login('administrator@vsphere.local', ADMIN_PASSWORD);

    // Create: 1 vCPU, 256 MiB, one small blank disk, the test guest's ISO in the CD-ROM.
    const name = `scenario-${flavour}`;
    vm = await client.vm.create({
      name,
      guest_OS: 'OTHER_LINUX_64',
      placement: { host: w.hostId, datastore: w.datastoreId },
      cpu: { count: 1 },
      memory: { size_MiB: 256 },
      disks: [{ new_vmdk: { capacity: 64 * MiB } }],
      cdroms: [{ type: 'IDE', backing: { type: 'ISO_FILE', iso_file: ISO_PATH }, start_connected: true }],
    });
    const info = await client.vm.get(vm);
    assert.equal(info.name, name);
    assert.equal(info.power_state, 'POWERED_OFF');
    assert.equal(info.cpu.count, 1);
    assert.equal(info.memory.size_MiB, 256);
    assert.equal(Object.keys(info.disks).length, 1);
    const cdroms = Object.values(info.cdroms);
    assert.equal(cdroms.length, 1);
    assert.equal(cdroms[0]?.backing.iso_file, ISO_PATH);
    const core = w.server.server.core;
    const folder = join(w.datastorePath, ...posix.dirname((await core.vms.get(SYSTEM_CALLER, vm)).vmxRel).split('/'));
    assert.ok(existsSync(folder), `the VM's folder ${folder} exists`);
    step('create');

    // Power on; the guest boots (QEMU: from the ISO) and its tools come up.
    await client.power.start(vm);
    assert.equal((await client.power.get(vm)).state, 'POWERED_ON');
    await waitForTools('after power on');
    if (w.driver === 'qemu') {
      // isolinux passes BOOT_IMAGE: the guest came from the CD-ROM, past the blank disk.
      assert.match((await sh('cat /proc/cmdline')).stdout, /^BOOT_IMAGE=\/vmlinuz .*console=ttyS0 quiet/);
    }
    step('power on → tools ready');

    // A program with its output.
    const hello = await sh('echo hello from $(hostname)');
    assert.equal(hello.exit_code, 0, `stderr: ${hello.stderr}`);
    assert.match(hello.stdout, /^hello from \S+\n$/);
    const hostname = (await sh('hostname')).stdout.trim();
    assert.equal(hello.stdout, `hello from ${hostname}\n`);
    step(`guest run (${JSON.stringify(hello.stdout.trim())})`);

    // 1 MiB of random bytes in and out through guest transfers.
    const blob = randomBytes(MiB);
    await client.guest.transfers.uploadFile(vm, ROOT, '/root/blob.bin', blob, { overwrite: true });
    const back = await client.guest.transfers.downloadFile(vm, ROOT, '/root/blob.bin');
    assert.equal(back.length, blob.length);
    assert.ok(back.equals(blob), 'the downloaded bytes are the uploaded ones');
    step('1 MiB upload + download');

    // Snapshot with memory, change a file, revert: the file is as it was.
    assert.equal((await sh('echo before the snapshot > /root/state.txt')).exit_code, 0);
    const snap = await client.vmgate.snapshots.create(vm, { name: 'scenario', memory: true });
    assert.ok(snap);
    assert.equal((await sh('echo changed afterwards > /root/state.txt')).exit_code, 0);
    assert.equal((await sh('cat /root/state.txt')).stdout, 'changed afterwards\n');
    await client.vmgate.snapshots.revert(vm, snap);
    assert.equal((await client.power.get(vm)).state, 'POWERED_ON', 'a memory snapshot reverts to a running VM');
    await waitForTools('after the revert');
    assert.equal((await sh('cat /root/state.txt')).stdout, 'before the snapshot\n');
    step('snapshot with memory, change, revert');

    // A long process survives suspend and resume.
    const sleeper = await client.guest.processes.create(vm, ROOT, { path: '/bin/sleep', arguments: '600' });
    const running = await client.guest.processes.get(vm, ROOT, sleeper);
    assert.equal(running.exit_code, undefined, 'sleep 600 runs');
    await client.power.suspend(vm);
    assert.equal((await client.power.get(vm)).state, 'SUSPENDED');
    await client.power.start(vm);
    assert.equal((await client.power.get(vm)).state, 'POWERED_ON');
    await waitForTools('after resume');
    const still = await client.guest.processes.get(vm, ROOT, sleeper);
    assert.equal(still.exit_code, undefined, `sleep 600 (pid ${sleeper}) still runs after suspend and resume: ${JSON.stringify(still)}`);
    assert.equal(still.finished, undefined);
    assert.match(still.command, /sleep 600/);
    step('sleep 600, suspend, resume');

    // Power off and delete: the VM and its folder are gone.
    await client.power.stop(vm);
    assert.equal((await client.power.get(vm)).state, 'POWERED_OFF');
    await client.vm.delete(vm);
    const left = await client.vm.list({ vms: [vm] });
    assert.deepEqual(left, []);
    vm = '';
    assert.equal(existsSync(folder), false, `the VM's folder ${folder} is gone from the datastore`);
    step('power off, delete');
    t.diagnostic(`${w.driver}/${flavour} scenario: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  } finally {
    if (vm) {
      await client.power.stop(vm).catch(() => undefined);
      await client.vm.delete(vm).catch(() => undefined);
    }
    await client.logout().catch(() => undefined);
    client.close();
  }
}

describe('VM scenario on the simulator (vSphere API)', () => {
  let world: ScenarioWorld;
  before(async () => {
    const server = await startTestServer({ driver: 'sim', demo: false, simSpeed: 50 });
    world = await setUpWorld(server, 'sim', 30_000);
  });
  after(async () => world?.server.close());

  for (const flavour of ['rest', 'jsonrpc'] as const) {
    it(`${flavour}: create, boot, run, copy, snapshot, suspend, resume, delete`, { timeout: 120_000 }, async (t) => vmScenario(t, world, flavour));
  }
});

// Without QEMU (locally only) every test is registered as skipped, so the summary counts them.
const onQemu = skippable(qemuTestSkip({ iso: true }));
onQemu.describe('VM scenario on QEMU (vSphere API, TCG, booting the test guest ISO)', { timeout: 1_800_000 }, () => {
  let world: ScenarioWorld | undefined;
  let release: (() => void) | undefined;
  onQemu.before(async () => {
    release = await acquireQemuTestLock();
    const server = await startTestServer({ driver: 'qemu', demo: false, qemuAccel: 'tcg' });
    world = await setUpWorld(server, 'qemu', 300_000);
  });
  onQemu.after(async () => {
    if (world) {
      killQemuUnder(world.server.dataDir);
      await world.server.close();
    }
    release?.();
  });

  for (const flavour of ['rest', 'jsonrpc'] as const) {
    onQemu.it(`${flavour}: create, boot from ISO, run, copy, snapshot, suspend, resume, delete`, { timeout: 900_000 }, async (t) => vmScenario(t, world!, flavour));
  }
});

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { VmgateError } from '../../src/core/errors.ts';
import { chooseHost } from '../../src/core/placement.ts';
import type { Host } from '../../src/core/model/index.ts';
import { createTestCore, type TestCore } from '../support/core-harness.ts';

const isKind = (kind: string, re?: RegExp) => (e: unknown) => e instanceof VmgateError && e.kind === kind && (!re || re.test(e.message));
const creds = { username: 'root', password: 'vmware' };

describe('VM lifecycle through core (files on the datastore)', () => {
  let t: TestCore;
  before(async () => {
    t = await createTestCore();
  });
  after(async () => t.close());

  it('create writes a .vmx and disks; unregister keeps files; register brings it back; delete removes files', async () => {
    const { core, admin } = t;
    const vm = await core.vms.create(admin, { name: 'web01', cpuCount: 2, memoryMiB: 1024, disks: [{ capacityMiB: 64 }], placement: { clusterId: t.cluster.id } });
    const vmx = join(t.datastore.path, vm.vmxRel);
    const text = await readFile(vmx, 'utf8');
    assert.match(text, /displayName = "web01"/);
    assert.match(text, /numvcpus = "2"/);
    assert.match(text, /memsize = "1024"/);
    assert.ok(existsSync(join(t.datastore.path, 'web01', vm.hardware.disks[0]!.fileName)));
    assert.equal(await core.vms.vmxPath(vm), '[ds0] web01/web01.vmx');
    assert.equal((await core.vms.get(admin, '[ds0] web01/web01.vmx')).id, vm.id);
    assert.equal((await core.vms.get(admin, vm.uuid)).id, vm.id);

    await core.vms.unregister(admin, vm.id);
    await assert.rejects(core.vms.get(admin, vm.id), isKind('not_found'));
    assert.ok(existsSync(vmx), 'unregister leaves the files');
    const back = await core.vms.register(admin, { path: '[ds0] web01/web01.vmx', placement: { hostId: t.hosts[0]!.id } });
    assert.equal(back.name, 'web01');
    assert.equal(back.uuid, vm.uuid, 'the uuid comes from the .vmx');
    assert.equal(back.hardware.cpuCount, 2);
    await assert.rejects(core.vms.register(admin, { path: '[ds0] web01/web01.vmx' }), isKind('already_exists'));
    await assert.rejects(core.vms.register(admin, { path: '[ds0] ../../etc/passwd.vmx' }), isKind('unauthorized', /escapes the datastore/));

    await core.tasks.result(admin, await core.power.run(admin, back.id, 'powerOn'));
    await assert.rejects(core.vms.delete(admin, back.id), isKind('not_allowed_in_current_state', /power it off/));
    await core.tasks.result(admin, await core.power.run(admin, back.id, 'powerOff'));
    await core.vms.delete(admin, back.id);
    assert.ok(!existsSync(join(t.datastore.path, 'web01')), 'delete removes the folder');
    const events = await core.events.list(admin, back.id, 20);
    assert.deepEqual(events.map((e) => e.type).slice(0, 1), ['vm.deleted']);
  });

  it('hardware changes rewrite the .vmx and are refused while running; upgrade is a task', async () => {
    const { core, admin } = t;
    const vm = await core.vms.create(admin, { name: 'hw', hardwareVersion: 14, placement: { hostId: t.hosts[0]!.id } });
    await core.vms.updateHardware(admin, vm.id, { cpuCount: 4, memoryMiB: 2048 });
    const text = await readFile(join(t.datastore.path, vm.vmxRel), 'utf8');
    assert.match(text, /numvcpus = "4"/);
    assert.match(text, /memsize = "2048"/);
    await assert.rejects(core.vms.updateHardware(admin, vm.id, { cpuCount: 3, coresPerSocket: 2 }), isKind('invalid_argument'));
    await core.tasks.result(admin, await core.vms.upgradeHardware(admin, vm.id));
    assert.equal((await core.vms.get(admin, vm.id)).hardware.version, 19);
    assert.match(await readFile(join(t.datastore.path, vm.vmxRel), 'utf8'), /virtualHW.version = "19"/);
    await assert.rejects(core.vms.upgradeHardware(admin, vm.id), (e: unknown) => e instanceof VmgateError && e.reason === 'already_in_state');
    await core.tasks.result(admin, await core.power.run(admin, vm.id, 'powerOn'));
    await assert.rejects(core.vms.updateHardware(admin, vm.id, { memoryMiB: 4096 }), isKind('not_allowed_in_current_state'));
  });

  it('clone copies the VM with a new identity; relocate moves it between hosts and datastores', async () => {
    const { core, admin } = t;
    const src = await core.vms.create(admin, { name: 'golden', placement: { hostId: t.hosts[0]!.id } });
    const cloneId = await core.tasks.result<string>(admin, await core.vms.clone(admin, src.id, { name: 'golden-copy', placement: { hostId: t.hosts[1]!.id } }));
    const copy = await core.vms.get(admin, cloneId);
    assert.notEqual(copy.uuid, src.uuid);
    assert.notEqual(copy.hardware.nics[0]!.macAddress, src.hardware.nics[0]!.macAddress);
    assert.equal(copy.hostId, t.hosts[1]!.id);
    assert.match(await readFile(join(t.datastore.path, copy.vmxRel), 'utf8'), /displayName = "golden-copy"/);
    const ds2 = await core.inventory.createDatastore(admin, { name: 'ds2', datacenterId: t.dc.id });
    await core.tasks.result(admin, await core.vms.relocate(admin, copy.id, { library: true, datastoreId: ds2.id }));
    const moved = await core.vms.get(admin, copy.id);
    assert.equal(moved.hostId, null);
    assert.equal(moved.datastoreId, ds2.id);
    assert.ok(existsSync(join(ds2.path, moved.vmxRel)));
    assert.ok(!existsSync(join(t.datastore.path, copy.vmxRel)));
  });

  it('clone copies disk images attached from elsewhere on a datastore into its folder: no image is shared', async () => {
    const { core, admin } = t;
    const ds = t.datastore;
    await mkdir(join(ds.path, 'images', 'a'), { recursive: true });
    await mkdir(join(ds.path, 'images', 'b'), { recursive: true });
    await writeFile(join(ds.path, 'images', 'a', 'data.img'), Buffer.alloc(3 * 1024 * 1024, 0xa1));
    await writeFile(join(ds.path, 'images', 'b', 'data.img'), Buffer.alloc(2 * 1024 * 1024, 0xb2));
    const src = await core.vms.create(admin, { name: 'ext-src', disks: [{ capacityMiB: 8 }], placement: { hostId: t.hosts[0]!.id } });
    await core.devices.addDisk(admin, src.id, { attach: `[${ds.name}] images/a/data.img` });
    await core.devices.addDisk(admin, src.id, { attach: `[${ds.name}] images/b/data.img` });
    const before = (await core.vms.get(admin, src.id)).hardware.disks.map((x) => [x.device, x.fileName]);
    assert.deepEqual(before, [
      ['scsi0:0', 'ext-src.vmdk'],
      ['scsi0:1', join(ds.path, 'images', 'a', 'data.img')],
      ['scsi0:2', join(ds.path, 'images', 'b', 'data.img')],
    ]);

    const task = await core.vms.clone(admin, src.id, { name: 'ext-copy' });
    const copy = await core.vms.get(admin, await core.tasks.result<string>(admin, task));
    // Both images are copied into the clone's folder; the second, whose name is taken, is named after its device.
    assert.deepEqual(
      copy.hardware.disks.map((x) => [x.device, x.fileName]),
      [
        ['scsi0:0', 'ext-src.vmdk'],
        ['scsi0:1', 'data.img'],
        ['scsi0:2', 'data-scsi0-2.img'],
      ],
    );
    const folder = join(ds.path, copy.vmxRel, '..');
    assert.deepEqual(await readFile(join(folder, 'data.img')), Buffer.alloc(3 * 1024 * 1024, 0xa1));
    assert.deepEqual(await readFile(join(folder, 'data-scsi0-2.img')), Buffer.alloc(2 * 1024 * 1024, 0xb2));
    const vmx = await readFile(join(ds.path, copy.vmxRel), 'utf8');
    assert.match(vmx, /^scsi0:1\.fileName = "data\.img"$/m);
    assert.match(vmx, /^scsi0:2\.fileName = "data-scsi0-2\.img"$/m);
    // The source still uses its own images, which are where they were.
    assert.deepEqual((await core.vms.get(admin, src.id)).hardware.disks.map((x) => [x.device, x.fileName]), before);
    assert.ok(existsSync(join(ds.path, 'images', 'a', 'data.img')));
  });

  it('a clone’s serial ports on loopback TCP move to the next free port; file ones stay', async () => {
    const { core, admin } = t;
    const src = await core.vms.create(admin, { name: 'com-src', placement: { hostId: t.hosts[0]!.id } });
    const other = await core.vms.create(admin, { name: 'com-other', placement: { hostId: t.hosts[0]!.id } });
    await core.devices.addSerial(admin, src.id, { backing: { kind: 'tcpServer', port: 47101 } });
    await core.devices.addSerial(admin, src.id, { backing: { kind: 'file', file: 'com2.log' } });
    await core.devices.addSerial(admin, other.id, { backing: { kind: 'tcpServer', port: 47102 } });
    const copy = await core.vms.get(admin, await core.tasks.result<string>(admin, await core.vms.clone(admin, src.id, { name: 'com-copy' })));
    assert.deepEqual(
      copy.hardware.serials?.map((x) => [x.device, x.backing]),
      [
        ['serial0', { kind: 'tcpServer', port: 47103 }],
        ['serial1', { kind: 'file', file: 'com2.log' }],
      ],
    );
    assert.match(await readFile(join(t.datastore.path, copy.vmxRel), 'utf8'), /^serial0\.fileName = "tcp:\/\/127\.0\.0\.1:47103"$/m);
    assert.deepEqual((await core.vms.get(admin, src.id)).hardware.serials?.map((x) => x.backing), [{ kind: 'tcpServer', port: 47101 }, { kind: 'file', file: 'com2.log' }]);
    // A second clone takes the next one.
    const again = await core.vms.get(admin, await core.tasks.result<string>(admin, await core.vms.clone(admin, src.id, { name: 'com-copy2' })));
    assert.deepEqual(again.hardware.serials?.[0]?.backing, { kind: 'tcpServer', port: 47104 });
  });

  it('entering maintenance mode while a VM of the host powers on: exactly one of the two is refused, every time', async () => {
    const { core, admin } = t;
    const host = t.hosts[1]!;
    const vm = await core.vms.create(admin, { name: 'maint-race', placement: { hostId: host.id } });
    const outcomes = new Set<string>();
    // The power-on starts 0, 1, 2 … turns of the event loop after the maintenance request, so
    // that some round lands between its check and its write.
    const turns = async (n: number) => {
      for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
    };
    for (let round = 0; round < 16; round++) {
      const [enter, power] = await Promise.allSettled([
        core.inventory.setHostMaintenance(admin, host.id, true),
        turns(round % 8).then(async () => core.tasks.result(admin, await core.power.run(admin, vm.id, 'powerOn'))),
      ]);
      const won = [enter.status === 'fulfilled' ? 'maintenance' : null, power.status === 'fulfilled' ? 'power-on' : null].filter((x) => x !== null);
      assert.equal(won.length, 1, `round ${round}: ${JSON.stringify([enter, power].map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok')))}`);
      outcomes.add(won[0]!);
      if (enter.status === 'rejected') {
        assert.match(String(enter.reason), new RegExp(`host ${host.name} still runs 1 VMs: move or power them off first`));
        await core.tasks.result(admin, await core.power.run(admin, vm.id, 'powerOff'));
      } else {
        assert.match(String((power as PromiseRejectedResult).reason), new RegExp(`host ${host.name} is in maintenance mode`));
        assert.equal((await core.vms.get(admin, vm.id)).powerState, 'poweredOff');
        await core.inventory.setHostMaintenance(admin, host.id, false);
      }
    }
    assert.deepEqual([...outcomes].sort(), ['maintenance', 'power-on'], 'both orders happened');
  });

  it('clone refuses a source that is not powered off (suspended, paused, on), as docs/cli.md says', async () => {
    const { core, admin } = t;
    const src = await core.vms.create(admin, { name: 'clone-src', placement: { hostId: t.hosts[0]!.id } });
    const count = await core.vms.count(admin);
    const run = async (op: 'powerOn' | 'suspend' | 'pause' | 'unpause' | 'resume') => core.tasks.result(admin, await core.power.run(admin, src.id, op));
    await run('powerOn');
    await core.tasks.result(admin, await core.power.waitForTools(admin, src.id, 5000));
    const refused = (words: string) => isKind('not_allowed_in_current_state', new RegExp(`^cannot clone ${src.id} \\(clone-src\\) while it is ${words}: power it off first$`));
    await assert.rejects(core.vms.clone(admin, src.id, { name: 'c-on' }), refused('powered on'));
    await run('suspend');
    await assert.rejects(core.vms.clone(admin, src.id, { name: 'c-suspended' }), refused('suspended'));
    await run('resume');
    await run('pause');
    await assert.rejects(core.vms.clone(admin, src.id, { name: 'c-paused' }), refused('paused'));
    assert.equal(await core.vms.count(admin), count, 'no clone was made');
  });

  it('bad input is refused with invalid_argument and nothing is written', async () => {
    const { core, admin } = t;
    const before = await core.vms.count(admin);
    for (const spec of [{ name: '../evil' }, { name: 'x', cpuCount: 0 }, { name: 'y', memoryMiB: 3 }, { name: 'z', disks: [{ capacityMiB: -1 }] }, { name: '' }]) {
      await assert.rejects(core.vms.create(admin, spec), isKind('invalid_argument'), JSON.stringify(spec));
    }
    assert.equal(await core.vms.count(admin), before);
  });
});

describe('snapshots and guest operations through core', () => {
  let t: TestCore;
  let vmId: string;
  before(async () => {
    t = await createTestCore();
    const vm = await t.core.vms.create(t.admin, { name: 'g1', placement: { hostId: t.hosts[0]!.id } });
    vmId = vm.id;
    await t.core.tasks.result(t.admin, await t.core.power.run(t.admin, vmId, 'powerOn'));
    await t.core.tasks.result(t.admin, await t.core.power.waitForTools(t.admin, vmId, 5000));
  });
  after(async () => t.close());

  it('runs programs as the guest user with output and exit codes; wrong password is guest_auth_failed', async () => {
    const { core, admin } = t;
    const r = await core.tasks.result<{ exitCode: number; stdout: string }>(admin, await core.guest.runProgram(admin, vmId, creds, { path: '/bin/sh', args: ['-c', 'echo hello $USER; exit 3'], captureOutput: true }));
    assert.equal(r.exitCode, 3);
    assert.match(r.stdout, /hello/);
    await assert.rejects(core.guest.runProgram(admin, vmId, { username: 'root', password: 'bad' }, { path: 'true', args: [], captureOutput: true }).then((task) => core.tasks.result(admin, task)), (e: unknown) => e instanceof VmgateError && e.reason === 'guest_auth_failed');
  });

  it('snapshot tree: take, change a file, revert restores it; remove re-parents children', async () => {
    const { core, admin } = t;
    await core.guest.writeFile(admin, vmId, creds, '/root/a.txt', Buffer.from('one'));
    const s1 = await core.tasks.result<string>(admin, await core.snapshots.create(admin, vmId, { name: 'base', includeMemory: true }));
    await core.guest.writeFile(admin, vmId, creds, '/root/a.txt', Buffer.from('two'));
    const s2 = await core.tasks.result<string>(admin, await core.snapshots.create(admin, vmId, { name: 'second', includeMemory: true }));
    const tree = await core.snapshots.tree(admin, vmId);
    assert.equal(tree.length, 1);
    assert.equal(tree[0]!.id, s1);
    assert.equal(tree[0]!.children[0]!.id, s2);
    await core.tasks.result(admin, await core.snapshots.revert(admin, vmId, 'base'));
    assert.equal((await core.guest.readFile(admin, vmId, creds, '/root/a.txt', 0, 100)).toString(), 'one');
    assert.equal((await core.vms.get(admin, vmId)).currentSnapshotId, s1);
    await core.tasks.result(admin, await core.snapshots.remove(admin, vmId, s1));
    const after1 = await core.snapshots.list(admin, vmId);
    assert.deepEqual(after1.map((s) => [s.id, s.parentId]), [[s2, null]]);
    await assert.rejects(core.snapshots.revert(admin, vmId, 'nope'), (e: unknown) => e instanceof VmgateError && e.reason === 'snapshot_not_found');
  });

  it('guest operations on a powered-off VM say the VM is not running', async () => {
    const { core, admin } = t;
    const off = await core.vms.create(admin, { name: 'off', placement: { hostId: t.hosts[1]!.id } });
    await assert.rejects(core.guest.listProcesses(admin, off.id, creds), (e: unknown) => e instanceof VmgateError && e.reason === 'vm_not_running');
  });

  it('a guest-initiated shutdown is noticed and recorded as an event', async () => {
    const { core, admin } = t;
    const vm = await core.vms.create(admin, { name: 'selfstop', placement: { hostId: t.hosts[1]!.id } });
    await core.tasks.result(admin, await core.power.run(admin, vm.id, 'powerOn'));
    await core.tasks.result(admin, await core.power.waitForTools(admin, vm.id, 5000));
    await core.guest.startProgram(admin, vm.id, creds, { path: 'poweroff', args: [], captureOutput: false });
    const deadline = Date.now() + 5000;
    while ((await core.vms.get(admin, vm.id)).powerState !== 'poweredOff') {
      if (Date.now() > deadline) assert.fail('the VM did not power off');
      await new Promise((r) => setTimeout(r, 20));
    }
    const events = await core.events.list(admin, vm.id, 5);
    assert.ok(events.some((e) => e.type === 'vm.poweredOff'), JSON.stringify(events.map((e) => e.type)));
  });
});

describe('placement', () => {
  const host = (id: string, mem: number, extra: Partial<Host> = {}): Host => ({ id, name: id, datacenterId: 'dc', clusterId: null, driver: 'sim', connectionState: 'connected', maintenanceMode: false, cpuCount: 4, memoryMiB: mem, datastoreIds: ['ds'], createdAt: '', ...extra });
  const vm = { id: 'vm-1', name: 'v', hardware: { cpuCount: 2, memoryMiB: 1024 } } as never;
  it('picks the host with the most free memory', () => {
    const r = chooseHost(vm, [{ host: host('h1', 4096), usedCpu: 0, usedMemoryMiB: 3000 }, { host: host('h2', 4096), usedCpu: 0, usedMemoryMiB: 1000 }]);
    assert.equal(r.host.id, 'h2');
  });
  it('explains for every host why none fits', () => {
    assert.throws(
      () => chooseHost(vm, [{ host: host('h1', 4096), usedCpu: 0, usedMemoryMiB: 3500 }, { host: host('h2', 8192, { maintenanceMode: true }), usedCpu: 0, usedMemoryMiB: 0 }, { host: host('h3', 8192, { connectionState: 'disconnected' }), usedCpu: 0, usedMemoryMiB: 0 }, { host: host('h4', 8192), usedCpu: 15, usedMemoryMiB: 0 }]),
      (e: unknown) => e instanceof VmgateError && e.kind === 'resource_exhausted' && /h1 has 596 MiB free/.test(e.message) && /h2 is in maintenance/.test(e.message) && /h3 is disconnected/.test(e.message) && /h4 has 1 vCPUs free/.test(e.message),
    );
  });
});

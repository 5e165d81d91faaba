import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { VmgateError } from '../../src/core/index.ts';
import { createTestCore, type TestCore } from '../support/core-harness.ts';

/**
 * core.devices over a real SQLite store, the real sim driver and real datastore files:
 * what the faces cannot show on their own — files confined to the datastores, MACs unique
 * when two VMs ask for the same one at once, the event, an operator without
 * VirtualMachine.Config refused, the .vmx left alone by a refused change.
 */
describe('core.devices', () => {
  let t: TestCore;
  let a: string;
  let b: string;
  const vmx = async (id: string): Promise<string> => {
    const vm = await t.core.vms.get(t.admin, id);
    return readFile(join(t.datastore.path, vm.vmxRel), 'utf8');
  };
  const kind = (k: string, text?: RegExp) => (e: unknown) => {
    assert.equal((e as VmgateError).kind, k, String(e));
    if (text) assert.match((e as Error).message, text);
    return true;
  };

  before(async () => {
    t = await createTestCore();
    a = (await t.core.vms.create(t.admin, { name: 'dev-a', nics: [], placement: { hostId: t.hosts[0]!.id } })).id;
    b = (await t.core.vms.create(t.admin, { name: 'dev-b', nics: [], placement: { hostId: t.hosts[0]!.id } })).id;
  });
  after(async () => t?.close());

  it('port and floppy files must be on a datastore; a refused change writes nothing', async () => {
    const before = await vmx(a);
    await assert.rejects(t.core.devices.addSerial(t.admin, a, { backing: { kind: 'file', file: '/etc/passwd' } }), kind('invalid_argument', /serial0 of vm-\d+ \(dev-a\), "\/etc\/passwd", is not on one of vmgate's datastores/));
    await assert.rejects(t.core.devices.addParallel(t.admin, a, { file: '../../../escape.out' }), kind('invalid_argument', /parallel0 .* is not on one of vmgate's datastores/));
    await assert.rejects(t.core.devices.addFloppy(t.admin, a, { imageFile: '/tmp/boot.flp' }), kind('invalid_argument', /floppy0/));
    assert.equal(await vmx(a), before);
    assert.equal((await t.core.vms.get(t.admin, a)).hardware.serials, undefined);
    // Inside the datastore (absolute) and in the VM's folder (relative) are fine.
    const { device } = await t.core.devices.addSerial(t.admin, a, { backing: { kind: 'file', file: join(t.datastore.path, 'logs', 'com.log') } });
    assert.equal(device, 'serial0');
    assert.equal((await t.core.devices.addParallel(t.admin, a, { file: 'lpt.out' })).device, 'parallel0');
    assert.match(await vmx(a), /^parallel0\.fileName = "lpt\.out"$/m);
  });

  it('two VMs asking for the same MAC at once: one gets it, the other already_exists', async () => {
    const mac = '00:50:56:2b:00:01';
    const results = await Promise.allSettled([t.core.devices.addNic(t.admin, a, { macAddress: mac }), t.core.devices.addNic(t.admin, b, { macAddress: mac.toUpperCase() })]);
    assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
    const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    assert.equal((failed.reason as VmgateError).kind, 'already_exists');
    const holders = [await t.core.vms.get(t.admin, a), await t.core.vms.get(t.admin, b)].filter((v) => v.hardware.nics.some((n) => n.macAddress === mac));
    assert.equal(holders.length, 1);
    assert.deepEqual(holders[0]!.hardware.nics.map((n) => [n.device, n.macAddress, n.staticMac]), [['ethernet0', mac, true]]);
  });

  it('a clone of a VM with a given MAC gets a generated one', async () => {
    const c = (await t.core.vms.create(t.admin, { name: 'dev-c', nics: [], placement: { hostId: t.hosts[1]!.id } })).id;
    await t.core.devices.addNic(t.admin, c, { macAddress: '00:50:56:2b:00:07' });
    const task = await t.core.vms.clone(t.admin, c, { name: 'dev-c2' });
    const done = await t.core.tasks.wait(t.admin, task.id);
    assert.equal(done.state, 'success');
    const clone = (await t.core.vms.find('dev-c2'))!;
    const nic = clone.hardware.nics[0]!;
    assert.notEqual(nic.macAddress, '00:50:56:2b:00:07');
    assert.match(nic.macAddress, /^00:50:56:/);
    assert.equal(nic.staticMac, false);
    const text = await vmx(clone.id);
    assert.match(text, /^ethernet0\.addressType = "generated"$/m);
    assert.doesNotMatch(text, /^ethernet0\.address =/m);
  });

  it('records a vm.reconfigured event; an operator without VirtualMachine.Config is refused', async () => {
    const { device } = await t.core.devices.addController(t.admin, a, { bus: 'scsi', model: 'pvscsi' });
    assert.equal(device, 'scsi1');
    const events = await t.core.events.list(t.admin, a, 1);
    assert.deepEqual(events.map((e) => [e.type, e.message]), [['vm.reconfigured', 'SCSI controller scsi1 added (pvscsi)']]);
    const viewer = await t.user('devviewer', 'read-only');
    await assert.rejects(t.core.devices.addNic(viewer, a, {}), kind('unauthorized'));
    await assert.rejects(t.core.devices.remove(viewer, a, 'scsi1'), kind('unauthorized'));
    await assert.rejects(t.core.devices.remove(t.admin, a, 'scsi7'), kind('not_found', /has no controller 'scsi7'/));
    await assert.rejects(t.core.devices.remove(t.admin, a, 'usb0'), kind('not_found', /has no device 'usb0'/));
  });
});

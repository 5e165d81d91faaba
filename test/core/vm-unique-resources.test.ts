import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { VmgateError } from '../../src/core/index.ts';
import { createTestCore, type TestCore } from '../support/core-harness.ts';

/**
 * What must stay unique among all VMs, over a real SQLite store and the sim driver: a MAC
 * given to `vms.create` (as `devices.addNic` already insists), and the loopback TCP port of
 * a serial port's network backing (two guests cannot both listen on it). Concurrent
 * requests for the same one: exactly one gets it.
 */
describe('core: MACs given at create and serial TCP ports are unique among VMs', () => {
  let t: TestCore;
  let host = '';
  const kind = (k: string, text?: RegExp) => (e: unknown) => {
    assert.equal((e as VmgateError).kind, k, String(e));
    if (text) assert.match((e as Error).message, text);
    return true;
  };

  before(async () => {
    t = await createTestCore();
    host = t.hosts[0]!.id;
  });
  after(async () => t?.close());

  it('vms.create refuses a given MAC another VM has (any case), and a MAC given twice in one spec; nothing is created', async () => {
    const mac = '00:50:56:2c:00:01';
    const first = await t.core.vms.create(t.admin, { name: 'mac-a', nics: [{ macAddress: mac }], placement: { hostId: host } });
    assert.equal(first.hardware.nics[0]!.macAddress, mac);
    const count = (await t.core.vms.list(t.admin)).length;
    await assert.rejects(t.core.vms.create(t.admin, { name: 'mac-b', nics: [{ macAddress: mac.toUpperCase() }], placement: { hostId: host } }), kind('already_exists', /MAC address 00:50:56:2c:00:01 is already used/));
    await assert.rejects(t.core.vms.create(t.admin, { name: 'mac-c', nics: [{ macAddress: '00:50:56:2c:00:02' }, { macAddress: '00:50:56:2C:00:02' }], placement: { hostId: host } }), kind('already_exists', /MAC address 00:50:56:2c:00:02 is already used/));
    assert.equal((await t.core.vms.list(t.admin)).length, count, 'no VM was created');
    // A NIC added later cannot take it either, and a create cannot take one a NIC has.
    await assert.rejects(t.core.devices.addNic(t.admin, first.id, { macAddress: mac }), kind('already_exists'));
  });

  it('two creates with the same MAC at once: one VM gets it', async () => {
    const mac = '00:50:56:2c:00:03';
    const results = await Promise.allSettled(['race-a', 'race-b'].map((name) => t.core.vms.create(t.admin, { name, nics: [{ macAddress: mac }], placement: { hostId: host } })));
    assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
    const holders = (await t.core.vms.list(t.admin)).filter((v) => v.hardware.nics.some((n) => n.macAddress === mac));
    assert.equal(holders.length, 1);
  });

  it('a serial port’s TCP port is refused when another VM’s serial port has it; the same VM may move its own', async () => {
    const a = (await t.core.vms.create(t.admin, { name: 'com-a', nics: [], placement: { hostId: host } })).id;
    const b = (await t.core.vms.create(t.admin, { name: 'com-b', nics: [], placement: { hostId: host } })).id;
    const { device } = await t.core.devices.addSerial(t.admin, a, { backing: { kind: 'tcpServer', port: 47101 } });
    await assert.rejects(t.core.devices.addSerial(t.admin, b, { backing: { kind: 'tcpServer', port: 47101 } }), kind('already_exists', /TCP port 47101 is already used by serial0 of vm-\d+ \(com-a\)/));
    await assert.rejects(t.core.devices.addSerial(t.admin, a, { backing: { kind: 'tcpServer', port: 47101 } }), kind('already_exists', /TCP port 47101 is already used by serial0 of vm-\d+ \(com-a\)/));
    const other = await t.core.devices.addSerial(t.admin, b, { backing: { kind: 'tcpServer', port: 47102 } });
    await assert.rejects(t.core.devices.updateSerial(t.admin, b, other.device, { backing: { kind: 'tcpServer', port: 47101 } }), kind('already_exists'));
    // Changing its own port's other settings, or keeping its port, is fine.
    await t.core.devices.updateSerial(t.admin, a, device, { backing: { kind: 'tcpServer', port: 47101 }, connected: false });
    assert.deepEqual((await t.core.vms.get(t.admin, b)).hardware.serials?.map((p) => p.backing), [{ kind: 'tcpServer', port: 47102 }]);
    // Freed, it can be taken.
    await t.core.devices.remove(t.admin, a, device);
    assert.equal((await t.core.devices.updateSerial(t.admin, b, other.device, { backing: { kind: 'tcpServer', port: 47101 } })).hardware.serials?.[0]?.backing.kind, 'tcpServer');
  });

  it('two VMs asking for the same serial TCP port at once: one gets it', async () => {
    const ids = [];
    for (const name of ['com-c', 'com-d']) ids.push((await t.core.vms.create(t.admin, { name, nics: [], placement: { hostId: host } })).id);
    const results = await Promise.allSettled(ids.map((id) => t.core.devices.addSerial(t.admin, id, { backing: { kind: 'tcpServer', port: 47200 } })));
    assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
  });
});

import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { VmgateError } from '../../src/core/index.ts';
import { createTestCore, type TestCore } from '../support/core-harness.ts';

/**
 * What must stay unique among all VMs, over a real SQLite store and the sim driver: a MAC
 * given to `vms.create` (as `devices.addNic` already insists), and the loopback TCP port of
 * a serial port's network backing (two guests cannot both listen on it), on add, update and
 * register (a .vmx whose serial port has another VM's port is refused, nothing written).
 * Concurrent requests for the same one: exactly one gets it.
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

  it('register refuses a .vmx whose serial port listens on a TCP port another VM’s serial port has (or that uses one port twice); nothing is registered or written', async () => {
    const a = await t.core.vms.create(t.admin, { name: 'reg-a', nics: [], placement: { hostId: host } });
    await t.core.devices.addSerial(t.admin, a.id, { backing: { kind: 'tcpServer', port: 47301 } });
    // A second VM with a port of its own, unregistered, its .vmx then edited to take reg-a's port.
    const b = await t.core.vms.create(t.admin, { name: 'reg-b', nics: [], placement: { hostId: host } });
    await t.core.devices.addSerial(t.admin, b.id, { backing: { kind: 'tcpServer', port: 47302 } });
    await t.core.devices.addSerial(t.admin, b.id, { backing: { kind: 'file', file: 'com2.log' } });
    await t.core.vms.unregister(t.admin, b.id);
    const vmx = join(t.datastore.path, 'reg-b', 'reg-b.vmx');
    const original = await readFile(vmx, 'utf8');
    assert.match(original, /^serial0\.fileName = "tcp:\/\/127\.0\.0\.1:47302"$/m);
    const clashing = original.replace('tcp://127.0.0.1:47302', 'tcp://127.0.0.1:47301');
    await writeFile(vmx, clashing);
    const count = (await t.core.vms.list(t.admin)).length;
    await assert.rejects(
      t.core.vms.register(t.admin, { path: '[ds0] reg-b/reg-b.vmx', placement: { hostId: host } }),
      kind('already_exists', /^'\[ds0\] reg-b\/reg-b\.vmx' cannot be registered: its serial0's TCP port 47301 is already used by serial0 of vm-\d+ \(reg-a\): pick another port$/),
    );
    assert.equal((await t.core.vms.list(t.admin)).length, count, 'nothing was registered');
    assert.equal(await readFile(vmx, 'utf8'), clashing, 'the .vmx was not rewritten');
    // The same port on two serial ports of the .vmx itself.
    const twice = original.replace('serial1.fileType = "file"', 'serial1.fileType = "network"').replace('serial1.fileName = "com2.log"', 'serial1.fileName = "tcp://127.0.0.1:47302"\nserial1.network.endPoint = "server"');
    assert.notEqual(twice, original);
    await writeFile(vmx, twice);
    await assert.rejects(
      t.core.vms.register(t.admin, { path: '[ds0] reg-b/reg-b.vmx', placement: { hostId: host } }),
      kind('already_exists', /^'\[ds0\] reg-b\/reg-b\.vmx' cannot be registered: its serial0 and serial1 both use TCP port 47302: give one another port$/),
    );
    assert.equal((await t.core.vms.list(t.admin)).length, count, 'nothing was registered');
    // Its own port again: registered, with both serial ports as the .vmx has them.
    await writeFile(vmx, original);
    const back = await t.core.vms.register(t.admin, { path: '[ds0] reg-b/reg-b.vmx', placement: { hostId: host } });
    assert.deepEqual(back.hardware.serials?.map((p) => [p.device, p.backing]), [
      ['serial0', { kind: 'tcpServer', port: 47302 }],
      ['serial1', { kind: 'file', file: 'com2.log' }],
    ]);
    // Registered, its port is taken like any other.
    await assert.rejects(t.core.devices.addSerial(t.admin, a.id, { backing: { kind: 'tcpServer', port: 47302 } }), kind('already_exists', /TCP port 47302 is already used by serial0 of vm-\d+ \(reg-b\)/));
  });

  it('a register and a serial port add asking for the same TCP port at once: one gets it', async () => {
    const c = await t.core.vms.create(t.admin, { name: 'reg-c', nics: [], placement: { hostId: host } });
    await t.core.devices.addSerial(t.admin, c.id, { backing: { kind: 'tcpServer', port: 47401 } });
    await t.core.vms.unregister(t.admin, c.id);
    const d = (await t.core.vms.create(t.admin, { name: 'reg-d', nics: [], placement: { hostId: host } })).id;
    const results = await Promise.allSettled([t.core.vms.register(t.admin, { path: '[ds0] reg-c/reg-c.vmx', placement: { hostId: host } }), t.core.devices.addSerial(t.admin, d, { backing: { kind: 'tcpServer', port: 47401 } })]);
    assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
    const holders = (await t.core.vms.list(t.admin)).filter((v) => (v.hardware.serials ?? []).some((p) => p.backing.kind === 'tcpServer' && p.backing.port === 47401));
    assert.equal(holders.length, 1);
  });

  it('two VMs asking for the same serial TCP port at once: one gets it', async () => {
    const ids = [];
    for (const name of ['com-c', 'com-d']) ids.push((await t.core.vms.create(t.admin, { name, nics: [], placement: { hostId: host } })).id);
    const results = await Promise.allSettled(ids.map((id) => t.core.devices.addSerial(t.admin, id, { backing: { kind: 'tcpServer', port: 47200 } })));
    assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
  });
});

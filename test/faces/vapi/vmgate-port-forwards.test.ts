/**
 * com.vmgate.vm.port_forwards on the simulator, over real HTTPS in both flavours: a
 * forward is created (127.0.0.1 unless 0.0.0.0 is asked for), listed, kept in the VM's
 * `.vmx`, and deleted; a host port another VM forwards is refused, and so are bad ports,
 * a bad address and an unknown id; a running VM's change is marked pending until its next
 * power-on; a read-only user may list but not change; a clone does not inherit forwards.
 * (The sim forwards nothing for real; test/server/qemu-port-forwards.test.ts reaches a
 * guest through one on QEMU.)
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { VapiClient, VapiError } from '../../../src/clients/vapi/index.ts';
import { SYSTEM_CALLER } from '../../../src/core/index.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../support/test-server.ts';

async function refused(p: Promise<unknown>): Promise<[string, string]> {
  try {
    await p;
  } catch (e) {
    if (e instanceof VapiError) return [e.errorType, e.messages.map((m) => m.default_message).join(' / ')];
    throw e;
  }
  assert.fail('expected an error');
}

describe('vAPI face: com.vmgate.vm.port_forwards (sim)', () => {
  let s: TestServer;
  let rest: VapiClient;
  let rpc: VapiClient;
  let reader: VapiClient;
  let off: { id: string; name: string; vmx: string };
  let on: { id: string; name: string };

  before(async () => {
    s = await startTestServer({ demoHosts: 1, demoVms: 2 });
    const core = s.server.core;
    const [a, b] = await core.vms.list(SYSTEM_CALLER, { inLibrary: false });
    if (a!.powerState !== 'poweredOff') await core.power.runAndWait(SYSTEM_CALLER, a!.id, 'powerOff', { hard: true });
    if (b!.powerState !== 'poweredOn') await core.power.runAndWait(SYSTEM_CALLER, b!.id, 'powerOn');
    const ds = (await core.inventory.listDatastores(SYSTEM_CALLER)).find((d) => d.id === a!.datastoreId)!;
    off = { id: a!.id, name: a!.name, vmx: join(ds.path, a!.vmxRel) };
    on = { id: b!.id, name: b!.name };
    await core.identity.createUser(SYSTEM_CALLER, { name: 'reader', password: 'reader-password-1' });
    const r = await core.identity.resolveUser('reader');
    await core.identity.setPermission(SYSTEM_CALLER, { principal: `user:${r.id}`, entityId: 'root', roleId: 'read-only', propagate: true });
    rest = new VapiClient({ server: s.baseUrl, flavour: 'rest', ca: s.ca });
    rpc = new VapiClient({ server: s.baseUrl, flavour: 'jsonrpc', ca: s.ca });
    reader = new VapiClient({ server: s.baseUrl, flavour: 'rest', ca: s.ca });
    await rest.login('administrator', ADMIN_PASSWORD);
    await rpc.login('administrator', ADMIN_PASSWORD);
    await reader.login('reader', 'reader-password-1');
  });
  after(async () => {
    for (const c of [rest, rpc, reader]) c?.close();
    await s?.close();
  });

  it('create, list, .vmx, delete; 127.0.0.1 unless asked; pending only for a running VM', async () => {
    assert.deepEqual(await rest.vmgate.portForwards.list(off.id), []);
    assert.deepEqual(await rest.vmgate.portForwards.create(off.id, { host_port: 42022, guest_port: 22 }), { port_forward: 'tcp-42022', pending_until_power_on: false });
    assert.deepEqual(await rpc.vmgate.portForwards.create(off.id, { protocol: 'UDP', host_port: 42053, guest_port: 53, host_address: '0.0.0.0' }), { port_forward: 'udp-42053', pending_until_power_on: false });
    const want = [
      { port_forward: 'tcp-42022', protocol: 'TCP', host_address: '127.0.0.1', host_port: 42022, guest_port: 22 },
      { port_forward: 'udp-42053', protocol: 'UDP', host_address: '0.0.0.0', host_port: 42053, guest_port: 53 },
    ];
    assert.deepEqual(await rest.vmgate.portForwards.list(off.id), want);
    assert.deepEqual(await rpc.vmgate.portForwards.list(off.id), want);
    assert.deepEqual(await reader.vmgate.portForwards.list(off.id), want);
    const vmx = await readFile(off.vmx, 'utf8');
    assert.deepEqual(
      vmx.split('\n').filter((l) => l.startsWith('vmgate.portForward')),
      [
        'vmgate.portForward0.protocol = "tcp"',
        'vmgate.portForward0.hostAddress = "127.0.0.1"',
        'vmgate.portForward0.hostPort = "42022"',
        'vmgate.portForward0.guestPort = "22"',
        'vmgate.portForward1.protocol = "udp"',
        'vmgate.portForward1.hostAddress = "0.0.0.0"',
        'vmgate.portForward1.hostPort = "42053"',
        'vmgate.portForward1.guestPort = "53"',
      ],
    );
    // The same port number with the other protocol is another forward.
    assert.deepEqual(await rest.vmgate.portForwards.create(on.id, { protocol: 'UDP', host_port: 42022, guest_port: 22 }), { port_forward: 'udp-42022', pending_until_power_on: true });
    assert.deepEqual(await rest.vmgate.portForwards.delete(on.id, 'udp-42022'), { port_forward: 'udp-42022', pending_until_power_on: true });
    assert.deepEqual(await rest.vmgate.portForwards.delete(off.id, 'tcp-42022'), { port_forward: 'tcp-42022', pending_until_power_on: false });
    assert.deepEqual(await rest.vmgate.portForwards.list(off.id), [want[1]]);
    assert.deepEqual(await rpc.vmgate.portForwards.delete(off.id, 'udp-42053'), { port_forward: 'udp-42053', pending_until_power_on: false });
    assert.deepEqual(await rest.vmgate.portForwards.list(off.id), []);
    assert.doesNotMatch(await readFile(off.vmx, 'utf8'), /portForward/);
  });

  it('refuses a port another VM forwards, bad input, unknown ids and users without VirtualMachine.Config', async () => {
    await rest.vmgate.portForwards.create(on.id, { host_port: 42080, guest_port: 80 });
    assert.deepEqual(await refused(rest.vmgate.portForwards.create(off.id, { host_port: 42080, guest_port: 8080 })), ['ALREADY_EXISTS', `tcp port 42080 of this host is already forwarded to ${on.id} (${on.name}), port 80`]);
    assert.deepEqual(await refused(rest.vmgate.portForwards.create(on.id, { host_port: 42080, guest_port: 81, host_address: '0.0.0.0' })), ['ALREADY_EXISTS', `tcp port 42080 of this host is already forwarded to ${on.id} (${on.name}), port 80`]);
    assert.deepEqual(await refused(rest.vmgate.portForwards.create(off.id, { host_port: 0, guest_port: 22 })), ['INVALID_ARGUMENT', 'host port 0 of a port forward: use a port number from 1 to 65535']);
    assert.deepEqual(await refused(rest.vmgate.portForwards.create(off.id, { host_port: 42081, guest_port: 70000 })), ['INVALID_ARGUMENT', 'guest port 70000 of a port forward: use a port number from 1 to 65535']);
    assert.deepEqual(await refused(rest.vmgate.portForwards.create(off.id, { host_port: 42081, guest_port: 22, host_address: 'localhost' })), [
      'INVALID_ARGUMENT',
      "host address 'localhost' of a port forward: use an IPv4 or IPv6 address of this host (127.0.0.1, 0.0.0.0 for every address)",
    ]);
    assert.deepEqual(await refused(rest.vmgate.portForwards.delete(off.id, 'tcp-42080')), ['NOT_FOUND', `${off.id} (${off.name}) has no port forward tcp-42080`]);
    assert.deepEqual(await refused(rest.vmgate.portForwards.delete(on.id, '__proto__')), ['NOT_FOUND', `${on.id} (${on.name}) has no port forward __proto__ (it has tcp-42080)`]);
    assert.equal((await refused(reader.vmgate.portForwards.create(off.id, { host_port: 42082, guest_port: 22 })))[0], 'UNAUTHORIZED');
    assert.equal((await refused(reader.vmgate.portForwards.delete(on.id, 'tcp-42080')))[0], 'UNAUTHORIZED');
    assert.equal((await refused(rest.vmgate.portForwards.list('vm-999')))[0], 'NOT_FOUND');
    assert.deepEqual(await rest.vmgate.portForwards.list(on.id), [{ port_forward: 'tcp-42080', protocol: 'TCP', host_address: '127.0.0.1', host_port: 42080, guest_port: 80 }]);
  });

  it('a clone starts without the source’s forwards', async () => {
    await rest.vmgate.portForwards.create(off.id, { host_port: 42090, guest_port: 90 });
    const clone = await rest.vm.clone({ source: off.id, name: 'pf-clone' });
    assert.deepEqual(await rest.vmgate.portForwards.list(clone), []);
    assert.equal((await rest.vmgate.portForwards.list(off.id)).length, 1);
  });
});

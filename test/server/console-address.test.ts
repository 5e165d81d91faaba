/**
 * --console-address: the consoles listen on it and the addresses handed out name it; the
 * WebSocket proxy reaches them there. A value that is not an IP address is refused.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { SYSTEM_CALLER } from '../../src/core/index.ts';
import { resolveServeConfig } from '../../src/server/config.ts';
import { vncHandshake } from '../faces/view/vnc-handshake.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { wsRfbSession } from '../support/ws-rfb-client.ts';

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

describe('--console-address', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ demoHosts: 1, demoVms: 1, consoleAddress: '127.0.0.2' });
  });
  after(async () => s?.close());

  it('consoles listen on it (not on 127.0.0.1) and the one-time address names it; the proxy reaches them', async () => {
    const core = s.server.core;
    const vm = (await core.vms.list(SYSTEM_CALLER, { inLibrary: false }))[0]!;
    if (vm.powerState !== 'poweredOn') await core.power.runAndWait(SYSTEM_CALLER, vm.id, 'powerOn');
    const { endpoint } = await core.consoles.open(SYSTEM_CALLER, vm.id);
    assert.equal(endpoint.host, '127.0.0.2');
    // Not on 127.0.0.1 (a console bound to every address would take the password there;
    // another process may own that port number on 127.0.0.1, so only "not our console" is checked).
    await assert.rejects(vncHandshake('127.0.0.1', endpoint.port, endpoint.password));
    assert.equal(await accepts('127.0.0.2', endpoint.port), true);
    assert.equal((await vncHandshake('127.0.0.2', endpoint.port, endpoint.password)).name, vm.name);
    const { ticket } = await core.consoles.issueProxyTicket(SYSTEM_CALLER, vm.id);
    assert.equal((await wsRfbSession(`wss://127.0.0.1:${s.port}/console/vnc/${ticket}`, s.ca)).name, vm.name);
  });

  it('a value that is not an IP address is refused with the flag named', () => {
    assert.throws(() => resolveServeConfig({ consoleAddress: 'consoles.example.com' }, {}), /'consoles\.example\.com' is not a valid value for --console-address \(address\)/);
    assert.throws(() => resolveServeConfig({}, { VMGATE_CONSOLE_ADDRESS: '0.0.0.0:5900' }), /--console-address/);
    assert.equal(resolveServeConfig({}, {}).consoleAddress, '127.0.0.1');
    assert.equal(resolveServeConfig({}, { VMGATE_CONSOLE_ADDRESS: '::1' }).consoleAddress, '::1');
  });
});

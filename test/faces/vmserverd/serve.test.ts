import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { VmserverdClient } from '../../../src/clients/vmserverd/index.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../support/test-server.ts';

// The face as `vmgate serve` runs it (the demo inventory, the server's own certificate).
describe('vmserverd in a running vmgate', () => {
  let s: TestServer | undefined;
  let closed = false;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    if (!closed) await s?.close();
  });

  it('the authd port takes a login and exec requests on the demo inventory; close ends open connections (not after the idle timeout)', { timeout: 60_000 }, async () => {
    const srv = s!;
    const port = srv.server.ports.authd!;
    const c = await VmserverdClient.connect({ host: '127.0.0.1', port, ca: srv.ca });
    await c.login('administrator', ADMIN_PASSWORD);
    assert.equal(await c.inc(42), 43);
    const { caller } = await srv.server.core.identity.login('administrator', ADMIN_PASSWORD, 'test');
    const vms = await srv.server.core.vms.list(caller);
    assert.ok(vms.length > 0);
    const vmx = await srv.server.core.vms.vmxPath(vms[0]!);
    assert.equal((await c.vmInfo(vmx)).name, vms[0]!.name);
    const gone = new Promise<void>((r) => c.socket.once('close', () => r()));
    await srv.close();
    closed = true;
    await gone;
  });
});

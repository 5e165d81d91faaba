/**
 * Console tickets through the vAPI face on the simulator, over real HTTPS: `POST
 * /api/vcenter/vm/{vm}/console/tickets` (REST, checked against the 7.0.3 spec) and
 * `com.vmware.vcenter.vm.console.tickets.create` (JSON-RPC) answer a one-time `wss://` URL;
 * a WebSocket client completes the RFB handshake through vmgate's console proxy and gets
 * the VM's screen; a used ticket, a made-up one, a powered-off VM and a user without
 * VirtualMachine.Console are refused. `com.vmgate.vm.console.open` hands out a `vnc://`
 * address with a one-time password the console takes once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { SYSTEM_CALLER } from '../../../src/core/index.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../support/test-server.ts';
import { vapiCall } from '../../support/vapi-call.ts';
import type { Flavour } from '../../support/vapi-call.ts';
import { UpgradeRefused, wsRfbSession } from '../../support/ws-rfb-client.ts';
import { vncHandshake } from '../view/vnc-handshake.ts';

const TICKETS = 'com.vmware.vcenter.vm.console.tickets';
const WSS_TICKET = /^wss:\/\/127\.0\.0\.1:(\d+)\/console\/vnc\/[A-Za-z0-9_-]{43}$/;

describe('vAPI face: console tickets and the WebSocket console proxy (sim)', () => {
  let s: TestServer;
  let admin: string;
  let reader: string;
  let outsider: string;
  let onVm: { id: string; name: string };
  let offVm: string;

  const login = async (user: string, password: string): Promise<string> => {
    const r = await s.request('POST', '/api/session', { headers: { authorization: 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64') } });
    assert.equal(r.status, 201, r.body);
    return JSON.parse(r.body) as string;
  };

  /** One call in either flavour, checked against the 7.0.3 spec and types (test/support/vapi-call.ts). */
  const call = (flavour: Flavour, token: string, serviceId: string, operationId: string, input: Record<string, unknown>) => vapiCall(s, token, flavour, serviceId, operationId, input);

  before(async () => {
    s = await startTestServer({ demoHosts: 1, demoVms: 2 });
    const core = s.server.core;
    const vms = await core.vms.list(SYSTEM_CALLER, { inLibrary: false });
    const [a, b] = vms;
    if (a!.powerState !== 'poweredOn') await core.power.runAndWait(SYSTEM_CALLER, a!.id, 'powerOn');
    if (b!.powerState !== 'poweredOff') await core.power.runAndWait(SYSTEM_CALLER, b!.id, 'powerOff', { hard: true });
    onVm = { id: a!.id, name: a!.name };
    offVm = b!.id;
    await core.identity.createUser(SYSTEM_CALLER, { name: 'reader', password: 'reader-password-1' });
    const r = await core.identity.resolveUser('reader');
    await core.identity.setPermission(SYSTEM_CALLER, { principal: `user:${r.id}`, entityId: 'root', roleId: 'read-only', propagate: true });
    await core.identity.createUser(SYSTEM_CALLER, { name: 'outsider', password: 'outsider-password-1' });
    admin = await login('administrator', ADMIN_PASSWORD);
    reader = await login('reader', 'reader-password-1');
    outsider = await login('outsider', 'outsider-password-1');
  });

  after(async () => s?.close());

  for (const flavour of ['rest', 'jsonrpc'] as const) {
    it(`${flavour}: a WEBMKS ticket is a one-time wss:// URL; through it a WebSocket client completes the RFB handshake and gets the VM's screen`, async () => {
      const r = await call(flavour, admin, TICKETS, 'create', { vm: onVm.id, spec: { type: 'WEBMKS' } });
      assert.equal(r.error, undefined, r.message);
      if (flavour === 'rest') assert.equal(r.status, 201);
      const url = (r.value as { ticket: string }).ticket;
      assert.equal(Number(WSS_TICKET.exec(url)?.[1]), s.port, url);

      const rfb = await wsRfbSession(url, s.ca, { protocols: ['binary'] });
      assert.deepEqual(rfb, { protocol: 'binary', types: [1], name: onVm.name, width: 640, height: 480, firstMessageType: 0 });

      // One time only.
      const again = await wsRfbSession(url, s.ca).then(
        () => null,
        (e: unknown) => e,
      );
      assert.ok(again instanceof UpgradeRefused, String(again));
      assert.deepEqual([again.status, again.body], [401, 'the console ticket is unknown or was used already\n']);
    });
  }

  it('two connections racing with one ticket: exactly one gets the console', async () => {
    const r = await call('rest', admin, TICKETS, 'create', { vm: onVm.id, spec: { type: 'WEBMKS' } });
    const url = (r.value as { ticket: string }).ticket;
    const results = await Promise.allSettled([wsRfbSession(url, s.ca), wsRfbSession(url, s.ca), wsRfbSession(url, s.ca)]);
    assert.deepEqual(results.map((x) => x.status).sort(), ['fulfilled', 'rejected', 'rejected']);
    for (const x of results) if (x.status === 'rejected') assert.match(String(x.reason), /refused: 401 the console ticket is unknown or was used already/);
  });

  it('VMRC asks for the same thing and gets the same kind of URL', async () => {
    const r = await call('rest', admin, TICKETS, 'create', { vm: onVm.id, spec: { type: 'VMRC' } });
    assert.match((r.value as { ticket: string }).ticket, WSS_TICKET);
  });

  it('a powered-off VM has no console: not_allowed_in_current_state', async () => {
    for (const flavour of ['rest', 'jsonrpc'] as const) {
      const r = await call(flavour, admin, TICKETS, 'create', { vm: offVm, spec: { type: 'WEBMKS' } });
      assert.equal(r.error, 'not_allowed_in_current_state');
      if (flavour === 'rest') {
        assert.equal(r.status, 400);
        assert.match(r.message!, /is powered off: its console exists only while it runs/);
      }
    }
  });

  it('permissions: read-only users get unauthorized, users who cannot see the VM not_found; an unknown VM is not_found', async () => {
    for (const flavour of ['rest', 'jsonrpc'] as const) {
      const r = await call(flavour, reader, TICKETS, 'create', { vm: onVm.id, spec: { type: 'WEBMKS' } });
      assert.equal(r.error, 'unauthorized');
      if (flavour === 'rest') assert.equal(r.status, 403);
      assert.equal((await call(flavour, outsider, TICKETS, 'create', { vm: onVm.id, spec: { type: 'WEBMKS' } })).error, 'not_found');
      assert.equal((await call(flavour, admin, TICKETS, 'create', { vm: 'vm-99999', spec: { type: 'WEBMKS' } })).error, 'not_found');
    }
    const noSession = await s.request('POST', `/api/vcenter/vm/${onVm.id}/console/tickets`, { headers: { 'content-type': 'application/json' }, body: '{"type":"WEBMKS"}' });
    assert.equal(noSession.status, 401);
    const badType = await s.request('POST', `/api/vcenter/vm/${onVm.id}/console/tickets`, { headers: { 'vmware-api-session-id': admin, 'content-type': 'application/json' }, body: '{"type":"SPICE"}' });
    assert.equal(badType.status, 400);
    assert.equal((JSON.parse(badType.body) as { error_type: string }).error_type, 'INVALID_ARGUMENT');
  });

  it('the proxy refuses made-up tickets, plain HTTP requests and upgrades elsewhere', async () => {
    const made = await wsRfbSession(`wss://127.0.0.1:${s.port}/console/vnc/${'A'.repeat(43)}`, s.ca).catch((e: unknown) => e);
    assert.ok(made instanceof UpgradeRefused);
    assert.equal(made.status, 401);
    const short = await wsRfbSession(`wss://127.0.0.1:${s.port}/console/vnc/abc`, s.ca).catch((e: unknown) => e);
    assert.ok(short instanceof UpgradeRefused);
    assert.deepEqual([short.status, short.body], [404, 'no such console ticket\n']);
    const elsewhere = await wsRfbSession(`wss://127.0.0.1:${s.port}/api/vcenter/vm`, s.ca).catch((e: unknown) => e);
    assert.ok(elsewhere instanceof UpgradeRefused);
    assert.equal(elsewhere.status, 404);
    const plain = await s.request('GET', '/console/vnc/abc');
    assert.equal(plain.status, 426);
    assert.match(plain.body, /is a WebSocket console/);
    // The server still serves.
    assert.equal((await s.request('GET', '/healthz')).status, 200);
  });

  it('a client that sends garbage instead of an RFB version is dropped; the VM console stays usable', async () => {
    const r = await call('rest', admin, TICKETS, 'create', { vm: onVm.id, spec: { type: 'WEBMKS' } });
    const url = new URL((r.value as { ticket: string }).ticket);
    // A raw WebSocket handshake, then a masked binary frame of garbage.
    const sock = tlsConnect({ host: '127.0.0.1', port: s.port, ca: s.ca, servername: 'localhost' });
    await new Promise((res) => sock.once('secureConnect', res));
    sock.write(`GET ${url.pathname} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    const closed = new Promise<string>((res) => {
      let got = '';
      sock.on('data', (d: Buffer) => (got += d.toString('latin1')));
      sock.on('close', () => res(got));
    });
    const payload = Buffer.from('GET / HTTP/1.0\n');
    const mask = Buffer.from([1, 2, 3, 4]);
    sock.write(Buffer.concat([Buffer.from([0x82, 0x80 | payload.length]), mask, Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!))]));
    assert.match(await closed, /^HTTP\/1\.1 101 Switching Protocols/);
    const again = await call('rest', admin, TICKETS, 'create', { vm: onVm.id, spec: { type: 'WEBMKS' } });
    assert.equal((await wsRfbSession((again.value as { ticket: string }).ticket, s.ca)).name, onVm.name);
  });

  it('com.vmgate.vm.console.open: a vnc:// address with a one-time password that the console takes once', async () => {
    for (const flavour of ['rest', 'jsonrpc'] as const) {
      const r = await call(flavour, admin, 'com.vmgate.vm.console', 'open', { vm: onVm.id });
      const info = r.value as { protocol: string; host: string; port: number; password: string; url: string };
      assert.equal(info.protocol, 'VNC');
      assert.equal(info.host, '127.0.0.1');
      assert.match(info.password, /^[A-Za-z2-9]{8}$/);
      assert.equal(info.url, `vnc://:${info.password}@127.0.0.1:${info.port}`);
      assert.equal((await vncHandshake(info.host, info.port, info.password)).name, onVm.name);
      await assert.rejects(vncHandshake(info.host, info.port, info.password), /the console password was used/);
    }
    assert.equal((await call('rest', reader, 'com.vmgate.vm.console', 'open', { vm: onVm.id })).error, 'unauthorized');
  });
});

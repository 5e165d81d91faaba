/** The `vmgate/view` client against a real broker: step-down, login, list, connect (and the VNC handshake), logout. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ViewClient, ViewError } from '../../../src/clients/view/index.ts';
import { SYSTEM_CALLER } from '../../../src/core/index.ts';
import { startTestServer, type TestServer } from '../../support/test-server.ts';
import { vncHandshake } from './vnc-handshake.ts';

describe('View client (vmgate/view)', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ demoHosts: 1, demoVms: 1 });
  });
  after(async () => s.close());

  it('steps down from a version the broker does not speak, logs in, lists, connects, logs out', async () => {
    const c = new ViewClient({ server: s.baseUrl, ca: s.ca, version: '16.0' });
    try {
      const screen = await c.start();
      assert.equal(c.version, '15.0');
      assert.deepEqual(screen, { name: 'windows-password', params: [{ name: 'domain', values: ['VMGATE'], readonly: true }] });
      assert.match(c.cookies.get('JSESSIONID') ?? '', /^p\./);

      await assert.rejects(c.login('demo', 'nope'), (e: unknown) => e instanceof ViewError && e.code === 'AUTHENTICATION_FAILED' && e.userMessage === 'Unknown user name or bad password.' && e.screen?.name === 'windows-password');
      await assert.rejects(c.desktops(), (e: unknown) => e instanceof ViewError && e.code === 'NOT_AUTHENTICATED');

      const info = await c.login('demo', 'demo-password-1', 'VMGATE');
      assert.deepEqual(info, { userName: 'demo', domain: 'VMGATE', idleTimeoutSeconds: 1800, maxSessionSeconds: 43200 });
      assert.ok(c.cookies.has('com.vmware.vdi.broker.location.id'));
      const desktops = await c.desktops();
      assert.deepEqual(
        desktops.map((d) => [d.name, d.type, d.state, d.resetAllowed, d.protocols.map((p) => `${p.name}${p.isDefault ? '*' : ''}`).join(',')]),
        [['Demo desktops', 'dedicated', 'available', true, 'VNC*,RDP']],
      );
      const conn = await c.connect(desktops[0]!.id);
      assert.equal(conn.protocol, 'VNC');
      assert.equal(conn.address, '127.0.0.1');
      const hs = await vncHandshake(conn.address, conn.port, conn.token);
      assert.match(hs.name, /^Desktop-\d$/);
      assert.equal((await c.desktops())[0]!.state, 'connected');
      await c.resetDesktop(desktops[0]!.id);
      await c.killSession(conn.sessionId);
      assert.equal((await c.desktops())[0]!.state, 'available');
      await c.logout();
      assert.equal(c.cookies.size, 0);
      await assert.rejects(c.desktops(), (e: unknown) => e instanceof ViewError && e.code === 'NOT_AUTHENTICATED');
    } finally {
      c.close();
    }
  });

  it('a broker that refuses every version the client knows: UNSUPPORTED_VERSION once they run out', async () => {
    const c = new ViewClient({ server: s.baseUrl, ca: s.ca, version: '0.5' });
    try {
      await assert.rejects(c.start(), (e: unknown) => e instanceof ViewError && e.code === 'UNSUPPORTED_VERSION');
    } finally {
      c.close();
    }
  });
});

describe('View client (vmgate/view): the disclaimer and an expired password', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ demoHosts: 1, demoVms: 1, viewDomains: 'CORP,LAB', viewDisclaimer: 'Authorised use only.' });
    await s.server.core.identity.updateUser(SYSTEM_CALLER, 'demo', { mustChangePassword: true });
  });
  after(async () => s.close());

  it('start shows the disclaimer; login before accepting it is DISCLAIMER_REQUIRED; then PASSWORD_EXPIRED; the change logs in', async () => {
    const c = new ViewClient({ server: s.baseUrl, ca: s.ca });
    try {
      assert.deepEqual(await c.start(), { name: 'disclaimer', params: [{ name: 'text', values: ['Authorised use only.'], readonly: true }] });
      await assert.rejects(c.login('demo', 'demo-password-1'), (e: unknown) => e instanceof ViewError && e.code === 'DISCLAIMER_REQUIRED' && e.message === 'DISCLAIMER_REQUIRED: Accept the disclaimer before you log in.');
      assert.deepEqual(await c.acceptDisclaimer(), { name: 'windows-password', params: [{ name: 'domain', values: ['CORP', 'LAB'] }] });
      await assert.rejects(
        c.login('demo', 'demo-password-1', 'LAB'),
        (e: unknown) => e instanceof ViewError && e.code === 'PASSWORD_EXPIRED' && e.userMessage === 'Your password has expired. Choose a new one.' && e.screen?.name === 'windows-password-expired',
      );
      await assert.rejects(c.changeExpiredPassword('demo-password-x', 'demo-password-2'), (e: unknown) => e instanceof ViewError && e.code === 'PASSWORD_EXPIRED' && e.userMessage === 'Your current password is not right.');
      assert.deepEqual(await c.changeExpiredPassword('demo-password-1', 'demo-password-2'), { userName: 'demo', domain: 'LAB', idleTimeoutSeconds: 1800, maxSessionSeconds: 43200 });
      assert.deepEqual((await c.desktops()).map((d) => d.name), ['Demo desktops']);
      await c.logout();
    } finally {
      c.close();
    }
  });
});

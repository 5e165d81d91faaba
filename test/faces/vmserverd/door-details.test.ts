/**
 * The authd door's line reading and its session, over real sockets: leading blanks and
 * runs of blanks between a command and its argument, lines that arrive while a login is
 * being checked, the session core records (face authd, the client's address), and
 * certificate activation on a door without an onTlsChange hook. Expected lines by hand.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { VmserverdClient } from '../../../src/clients/vmserverd/index.ts';
import { ADMIN, startAuthd, until, type AuthdKit } from './kit.ts';

describe('authd door: details of reading lines and logging in', () => {
  let k: AuthdKit;
  before(async () => {
    k = await startAuthd({ idleTimeoutMs: 60_000 });
  });
  after(async () => k.close());

  it('blanks before a command and several blanks before its argument are not part of it (the password neither)', async () => {
    const c = await k.client();
    assert.equal(await c.command('   USER administrator'), '331 Password required for administrator.');
    assert.equal(await c.command(`PASS \t  ${ADMIN.password}`), '230 User administrator logged in.');
    assert.equal(await c.inc(3), 4);
  });

  it('a line sent while the password is being checked waits for the answer: 331, 230, then QUIT’s 221', async () => {
    const c = await k.client();
    const lines: string[] = [];
    let buf = '';
    c.socket.on('data', (d: Buffer) => {
      buf += d.toString();
      const parts = buf.split('\r\n');
      buf = parts.pop()!;
      lines.push(...parts);
    });
    c.socket.write(`USER administrator\r\nPASS ${ADMIN.password}\r\n`);
    setImmediate(() => c.socket.write('QUIT\r\n'));
    await until(() => c.socket.destroyed || c.socket.readableEnded, 10_000, 'close after QUIT');
    assert.deepEqual(lines, ['331 Password required for administrator.', '230 User administrator logged in.', '221 Goodbye.']);
  });

  it('a login is a core session of face authd that records the client address', async () => {
    const before = new Set((await k.t.core.ctx.store.sessions.listForUser((await k.t.core.identity.resolveUser(ADMIN.user)).id)).map((s) => s.id));
    const c = await k.admin();
    assert.equal(await c.inc(1), 2);
    const now = await k.t.core.ctx.store.sessions.listForUser((await k.t.core.identity.resolveUser(ADMIN.user)).id);
    const mine = now.filter((s) => !before.has(s.id));
    assert.deepEqual(mine.map((s) => [s.face, s.userName, s.data]), [['authd', 'administrator', { remoteAddress: '127.0.0.1' }]]);
  });

  it('Security_ActivateConfig on a door without an onTlsChange hook: the new certificate serves new connections', async () => {
    const c = await k.admin();
    const made = JSON.parse(JSON.stringify(await c.execValue('Security_CreateCertificate', { commonName: 'nohook.test', days: 2 }))) as { certificate: { fingerprint: string; pem: string } };
    const act = JSON.parse(JSON.stringify(await c.execValue('Security_ActivateConfig'))) as { fingerprint: string };
    assert.equal(act.fingerprint, made.certificate.fingerprint);
    const fresh = await VmserverdClient.connect({ host: '127.0.0.1', port: k.port, ca: made.certificate.pem, servername: 'nohook.test' });
    assert.equal(fresh.socket.getPeerCertificate().fingerprint256, made.certificate.fingerprint);
    fresh.close();
  });
});

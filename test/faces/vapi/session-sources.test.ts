/**
 * Logins over the real HTTPS face from different source addresses (the client socket bound
 * to 127.0.0.2 / 127.0.0.3): a flood of bad passwords from one address locks that address
 * out of the account, not the owner elsewhere; unlock on the server itself; one's own
 * password change needs the current password; user names are case-insensitive.
 */
import assert from 'node:assert/strict';
import { request as httpsRequest } from 'node:https';
import { after, before, describe, it } from 'node:test';
import { unlockUserOffline } from '../../../src/server/offline-admin.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../support/test-server.ts';

interface Reply {
  readonly status: number;
  readonly json: unknown;
}

describe('vAPI logins keyed to the source address', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ maxFailedLogins: 3, loginDelayMs: 0, demo: false });
  });
  after(async () => s?.close());

  /** One REST call from `from` (the client socket's local address). */
  function call(from: string, method: string, path: string, opts: { basic?: [string, string]; token?: string; body?: unknown } = {}): Promise<Reply> {
    const headers: Record<string, string> = {};
    if (opts.basic) headers.authorization = `Basic ${Buffer.from(`${opts.basic[0]}:${opts.basic[1]}`).toString('base64')}`;
    if (opts.token) headers['vmware-api-session-id'] = opts.token;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    return new Promise((res, rej) => {
      const req = httpsRequest({ host: '127.0.0.1', port: s.port, method, path, ca: s.ca, servername: 'localhost', localAddress: from, headers, agent: false }, (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (d: Buffer) => chunks.push(d));
        r.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          res({ status: r.statusCode!, json: text === '' ? undefined : (JSON.parse(text) as unknown) });
        });
      });
      req.on('error', rej);
      if (opts.body !== undefined) req.write(JSON.stringify(opts.body));
      req.end();
    });
  }
  const login = (from: string, user: string, password: string) => call(from, 'POST', '/api/session', { basic: [user, password] });
  const message = (r: Reply) => JSON.stringify(r.json);

  it('a flood of bad passwords from 127.0.0.2 does not stop administrator from 127.0.0.3', async () => {
    const flood = await Promise.all(Array.from({ length: 40 }, (_, i) => login('127.0.0.2', 'administrator', `bad-password-${i}`)));
    assert.deepEqual([...new Set(flood.map((r) => r.status))], [401]);
    assert.equal(flood.filter((r) => /invalid user name or password/.test(message(r))).length, 2, 'only 2 guesses checked before the 3rd locked');
    const owner = await login('127.0.0.3', 'administrator', ADMIN_PASSWORD);
    assert.equal(owner.status, 201);
    assert.match(owner.json as string, /^[0-9a-f]{48}$/);
    const attacker = await login('127.0.0.2', 'administrator', ADMIN_PASSWORD);
    assert.equal(attacker.status, 401, 'the right password from the locked address is refused');
    assert.match(message(attacker), /locked for logins from 127\.0\.0\.2/);
    const info = await call('127.0.0.3', 'GET', '/api/vmgate/users/administrator', { token: owner.json as string });
    assert.equal(info.status, 200);
    assert.equal((info.json as { locked: boolean }).locked, true, 'the account shows a lock (of one address)');
    assert.equal((info.json as { failed_logins: number }).failed_logins, 1, 'the owner’s login reset the count of 40; the refused attempt after it is 1');
  });

  it('vmgate user unlock --data-dir (the store, no session) lifts it while the server runs', async () => {
    assert.equal((await login('127.0.0.2', 'administrator', ADMIN_PASSWORD)).status, 401);
    const u = await unlockUserOffline(s.dataDir, 'ADMINISTRATOR');
    assert.deepEqual([u.name, u.failedLogins, u.lockedUntil], ['administrator', 0, null]);
    assert.equal((await login('127.0.0.2', 'administrator', ADMIN_PASSWORD)).status, 201);
    await assert.rejects(unlockUserOffline(s.dataDir, 'nobody-at-all'), /user 'nobody-at-all' was not found/);
  });

  it('user names are case-insensitive over the wire', async () => {
    const r = await login('127.0.0.3', 'Administrator@VSPHERE.LOCAL', ADMIN_PASSWORD);
    assert.equal(r.status, 201);
    const who = await call('127.0.0.3', 'GET', '/api/session', { token: r.json as string });
    assert.equal((who.json as { user: string }).user, 'administrator');
  });

  it('set-password of one’s own account needs the current password; an administrator resets another’s without it', async () => {
    const admin = (await login('127.0.0.3', 'administrator', ADMIN_PASSWORD)).json as string;
    const created = await call('127.0.0.3', 'POST', '/api/vmgate/users', { token: admin, body: { name: 'selfserve', password: 'selfserve-pass-1' } });
    assert.equal(created.status, 201);
    const mine = (await login('127.0.0.3', 'selfserve', 'selfserve-pass-1')).json as string;
    const path = '/api/vmgate/users/selfserve?action=set-password';
    const none = await call('127.0.0.3', 'POST', path, { token: mine, body: { password: 'stolen-session-1' } });
    assert.equal(none.status, 400);
    assert.match(message(none), /current password/);
    const wrong = await call('127.0.0.3', 'POST', path, { token: mine, body: { password: 'stolen-session-1', current_password: 'a-guess-1' } });
    assert.equal(wrong.status, 403);
    const right = await call('127.0.0.3', 'POST', path, { token: mine, body: { password: 'selfserve-pass-2', current_password: 'selfserve-pass-1' } });
    assert.equal(right.status, 204);
    assert.equal((await login('127.0.0.3', 'selfserve', 'selfserve-pass-2')).status, 201);
    const reset = await call('127.0.0.3', 'POST', path, { token: admin, body: { password: 'selfserve-pass-3' } });
    assert.equal(reset.status, 204);
    assert.equal((await login('127.0.0.3', 'selfserve', 'selfserve-pass-3')).status, 201);
  });
});

/**
 * The RDV face's HTTP Basic authentication over real HTTPS, header by header: what is not
 * Basic, what is not user:password, a password holding a colon, any-case scheme words and
 * blanks, each refusal's exact fault text and the WWW-Authenticate challenge; and the
 * lockout keyed to the client's address (a lock from 127.0.0.2 leaves 127.0.0.1 alone).
 */
import assert from 'node:assert/strict';
import { request as httpsRequest } from 'node:https';
import { after, before, describe, it } from 'node:test';
import { SYSTEM_CALLER } from '../../../src/core/index.ts';
import { startTestServer, type TestServer } from '../../support/test-server.ts';

const NS = 'http://Microsoft.Virtualization.RDV';
const GET_VM = `<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><GetVM xmlns="${NS}"><name>Library_VM0</name><type>VM_NAME</type></GetVM></s:Body></s:Envelope>`;
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const NEEDS_BASIC = 'this service needs HTTP Basic authentication with a vmgate account';
const NOT_USER_PASSWORD = 'the Basic credentials are not user:password';
const INVALID = 'invalid user name or password';

/** The faultstring of a SOAP fault reply, or null. */
const faultOf = (xml: string): string | null => /<faultstring xml:lang="en-US">([^<]*)<\/faultstring>/.exec(xml)?.[1] ?? null;

describe('RDV: HTTP Basic authentication', () => {
  let s: TestServer;
  /** POST GetVM with an Authorization header (or none), from a chosen loopback address. */
  const post = (authorization: string | null, from = '127.0.0.1') =>
    new Promise<{ status: number; challenge: string | undefined; body: string }>((res, rej) => {
      const headers: Record<string, string> = { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${NS}/IRDVServer/GetVM"` };
      if (authorization !== null) headers.authorization = authorization;
      const req = httpsRequest({ host: '127.0.0.1', port: s.port, localAddress: from, method: 'POST', path: '/RDV', ca: s.ca, servername: 'localhost', headers }, (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (d: Buffer) => chunks.push(d));
        r.on('end', () => res({ status: r.statusCode!, challenge: r.headers['www-authenticate'] as string | undefined, body: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('error', rej);
      req.end(GET_VM);
    });

  before(async () => {
    s = await startTestServer({ maxFailedLogins: 3 });
    await s.server.core.identity.createUser(SYSTEM_CALLER, { name: 'colon', password: 'pass:with:colons-1' });
    await s.server.core.identity.createUser(SYSTEM_CALLER, { name: 'locky', password: 'locky-password-1' });
    for (const name of ['colon', 'locky']) {
      const u = await s.server.core.identity.getUser(SYSTEM_CALLER, name);
      await s.server.core.identity.setPermission(SYSTEM_CALLER, { principal: `user:${u.id}`, entityId: 'root', roleId: 'read-only', propagate: true });
    }
  });
  after(async () => s.close());

  it('a right user:password is served, whatever the case of "Basic" and blanks around the credentials', async () => {
    for (const h of [`Basic ${b64('colon:pass:with:colons-1')}`, `basic ${b64('colon:pass:with:colons-1')}`, `BASIC   ${b64('colon:pass:with:colons-1')}  `]) {
      const r = await post(h);
      assert.equal(r.status, 200, `${h}: ${r.body.slice(0, 300)}`);
      assert.match(r.body, /<a:ErrorID>ERROR_VM_SUCCESS<\/a:ErrorID>/);
      assert.equal(r.challenge, undefined);
    }
  });

  it('no Basic credentials: 401, the challenge, and the same words for each', async () => {
    const cases: (string | null)[] = [null, '', 'Bearer abc', `Digest ${b64('colon:x')}`, 'Basic', 'Basic !!!not-base64!!!', `Basic${b64('colon:pass:with:colons-1')}`, `xBasic ${b64('colon:pass:with:colons-1')}`, `Basic ${b64('colon:pass:with:colons-1')} extra`];
    for (const h of cases) {
      const r = await post(h);
      assert.equal(r.status, 401, String(h));
      assert.equal(r.challenge, 'Basic realm="vmgate RDV", charset="UTF-8"', String(h));
      assert.match(r.body, /<faultcode>s:Client<\/faultcode>/);
      assert.equal(faultOf(r.body), NEEDS_BASIC, String(h));
    }
  });

  it('credentials that are not user:password (no colon, or no user before it, or nothing): 401', async () => {
    for (const encoded of [b64('colon'), b64(':pass:with:colons-1'), '=']) {
      const r = await post(`Basic ${encoded}`);
      assert.equal(r.status, 401, encoded);
      assert.equal(r.challenge, 'Basic realm="vmgate RDV", charset="UTF-8"');
      assert.equal(faultOf(r.body), NOT_USER_PASSWORD, encoded);
    }
  });

  it('the password is everything after the first colon', async () => {
    const wrong = await post(`Basic ${b64('colon:pass')}`);
    assert.deepEqual([wrong.status, faultOf(wrong.body)], [401, INVALID]);
    const right = await post(`Basic ${b64('colon:pass:with:colons-1')}`);
    assert.equal(right.status, 200);
  });

  it('a lockout is keyed to the client address: 127.0.0.2 locks itself out, 127.0.0.1 still logs in', async () => {
    const wrong = `Basic ${b64('locky:wrong-password')}`;
    const right = `Basic ${b64('locky:locky-password-1')}`;
    const first = await post(wrong, '127.0.0.2');
    assert.deepEqual([first.status, faultOf(first.body)], [401, INVALID]);
    const second = await post(wrong, '127.0.0.2');
    assert.deepEqual([second.status, faultOf(second.body)], [401, INVALID]);
    const third = await post(wrong, '127.0.0.2');
    assert.deepEqual([third.status, faultOf(third.body)], [401, "account 'locky' is now locked for logins from 127.0.0.2 after 3 failed logins"]);
    const lockedThere = await post(right, '127.0.0.2');
    assert.equal(lockedThere.status, 401);
    assert.match(faultOf(lockedThere.body) ?? '', /^account 'locky' is locked for logins from 127\.0\.0\.2 until /);
    const here = await post(right, '127.0.0.1');
    assert.equal(here.status, 200, here.body.slice(0, 300));
  });
});

/**
 * Browser sessions of the vAPI face over real HTTPS: `POST /api/session` with
 * `X-Vmgate-Web: 1` sets an HttpOnly, Secure, SameSite=Strict cookie; the cookie counts only
 * on requests that carry that header (CSRF); logout clears it; the session id header wins.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ADMIN_PASSWORD } from '../../support/test-server.ts';
import { useVapiServer } from '../../support/vapi-kit.ts';

const kit = useVapiServer();
const BASIC = `Basic ${Buffer.from(`administrator:${ADMIN_PASSWORD}`).toString('base64')}`;

async function webLogin(): Promise<string> {
  const r = await kit.s.request('POST', '/api/session', { headers: { authorization: BASIC, 'x-vmgate-web': '1' } });
  assert.equal(r.status, 201, r.body);
  const token = JSON.parse(r.body) as string;
  assert.match(token, /^[0-9a-f]{48}$/);
  assert.equal(r.headers['set-cookie']?.[0], `vmgate-session=${token}; HttpOnly; Secure; SameSite=Strict; Path=/`);
  return token;
}

const getSession = (headers: Record<string, string>) => kit.s.request('GET', '/api/session', { headers });

describe('vAPI browser sessions (cookie + X-Vmgate-Web)', () => {
  it('a web login answers the token as before and sets the session cookie with HttpOnly, Secure, SameSite=Strict, Path=/', async () => {
    await webLogin();
  });

  it('a login without X-Vmgate-Web sets no cookie', async () => {
    const r = await kit.s.request('POST', '/api/session', { headers: { authorization: BASIC } });
    assert.equal(r.status, 201);
    assert.equal(r.headers['set-cookie'], undefined);
  });

  it('the cookie without X-Vmgate-Web is ignored (401); with it the call is the session’s (200)', async () => {
    const token = await webLogin();
    const bare = await getSession({ cookie: `vmgate-session=${token}` });
    assert.equal(bare.status, 401);
    assert.equal((JSON.parse(bare.body) as { error_type: string }).error_type, 'UNAUTHENTICATED');
    const other = await getSession({ cookie: `vmgate-session=${token}`, 'x-vmgate-web': 'true' });
    assert.equal(other.status, 401, 'only the value 1 marks a web request');
    const ok = await getSession({ cookie: `theme=dark; vmgate-session=${token}`, 'x-vmgate-web': '1' });
    assert.equal(ok.status, 200, ok.body);
    assert.equal((JSON.parse(ok.body) as { user: string }).user, 'administrator');
  });

  it('the vmware-api-session-id header wins over the cookie', async () => {
    const token = await webLogin();
    const headerWins = await getSession({ 'vmware-api-session-id': kit.adminToken, cookie: `vmgate-session=${'0'.repeat(48)}`, 'x-vmgate-web': '1' });
    assert.equal(headerWins.status, 200);
    const badHeader = await getSession({ 'vmware-api-session-id': '0'.repeat(48), cookie: `vmgate-session=${token}`, 'x-vmgate-web': '1' });
    assert.equal(badHeader.status, 401);
  });

  it('logout with the cookie ends the session and clears the cookie; the cookie then is 401', async () => {
    const token = await webLogin();
    const out = await kit.s.request('DELETE', '/api/session', { headers: { cookie: `vmgate-session=${token}`, 'x-vmgate-web': '1' } });
    assert.equal(out.status, 204);
    assert.equal(out.headers['set-cookie']?.[0], 'vmgate-session=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0');
    const after = await getSession({ cookie: `vmgate-session=${token}`, 'x-vmgate-web': '1' });
    assert.equal(after.status, 401);
  });

  it('a session ended elsewhere (logout by its header) makes the cookie 401, and the answer clears the cookie', async () => {
    const token = await webLogin();
    const out = await kit.s.request('DELETE', '/api/session', { headers: { 'vmware-api-session-id': token } });
    assert.equal(out.status, 204);
    assert.equal(out.headers['set-cookie'], undefined, 'a call without X-Vmgate-Web never touches cookies');
    const r = await getSession({ cookie: `vmgate-session=${token}`, 'x-vmgate-web': '1' });
    assert.equal(r.status, 401);
    assert.equal(r.headers['set-cookie']?.[0], 'vmgate-session=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0');
  });

  it('a cookie-authenticated call works on other operations too (the VM list)', async () => {
    const token = await webLogin();
    const r = await kit.s.request('GET', '/api/vcenter/vm', { headers: { cookie: `vmgate-session=${token}`, 'x-vmgate-web': '1' } });
    assert.equal(r.status, 200);
    assert.ok((JSON.parse(r.body) as unknown[]).length > 0);
  });
});

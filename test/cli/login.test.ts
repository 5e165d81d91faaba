import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ADMIN_PASSWORD, cliFixture, type CliFixture } from './cli-fixture.ts';

describe('vmgate login / logout and authentication of the other commands', () => {
  let f: CliFixture;
  const sessionsFile = () => join(f.configDir, 'sessions.json');
  const stored = async () => JSON.parse(await readFile(sessionsFile(), 'utf8')) as Record<string, { server: string; token: string; user: string; createdAt: string }>;

  before(async () => {
    f = await cliFixture({ login: false });
  });
  after(async () => f.close());

  it('without a session or credentials a command exits 3 and says to log in', async () => {
    const r = await f.run(['host', 'list']);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /^vmgate: UNAUTHENTICATED: not logged in to https:\/\/127\.0\.0\.1:\d+: run vmgate login/);
    assert.equal(r.stdout, '');
  });

  it('a wrong password exits 3 with a clear message and stores nothing', async () => {
    const r = await f.run(['login'], { env: { VMGATE_PASSWORD: 'not-the-password' } });
    assert.equal(r.code, 3);
    assert.match(r.stderr, /^vmgate: UNAUTHENTICATED: login as 'administrator' at https:\/\/127\.0\.0\.1:\d+ failed/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    await assert.rejects(stat(sessionsFile()), { code: 'ENOENT' });
  });

  it('login with VMGATE_PASSWORD stores the session in a 0600 file (0700 directory), keyed by server', async () => {
    const r = await f.ok(['login'], { env: { VMGATE_PASSWORD: ADMIN_PASSWORD } });
    assert.match(r.stdout, /^logged in to https:\/\/127\.0\.0\.1:\d+ as administrator/);
    assert.equal((await stat(sessionsFile())).mode & 0o777, 0o600);
    assert.equal((await stat(f.configDir)).mode & 0o777, 0o700);
    const s = (await stored())[f.server.baseUrl]!;
    assert.equal(s.server, f.server.baseUrl);
    assert.equal(s.user, 'administrator');
    assert.match(s.token, /^[0-9a-f]{48}$/);
    assert.ok(!Number.isNaN(Date.parse(s.createdAt)));
    // The stored session serves the next command, without any credentials.
    const hosts = await f.ok(['host', 'list']);
    assert.match(hosts.stdout, /^HOST\s+NAME/);
  });

  it('login --password-stdin over JSON-RPC, with --json output; the replaced session ends', async () => {
    const before = (await stored())[f.server.baseUrl]!.token;
    const r = await f.ok(['login', '--password-stdin', '--flavour', 'jsonrpc', '--json'], { input: `${ADMIN_PASSWORD}\n` });
    const out = JSON.parse(r.stdout) as { server: string; user: string; token?: string };
    assert.equal(out.user, 'administrator');
    assert.equal(out.token, undefined, 'the token is not printed');
    assert.notEqual((await stored())[f.server.baseUrl]!.token, before);
    const old = await f.server.request('GET', '/api/session', { headers: { 'vmware-api-session-id': before } });
    assert.equal(old.status, 401);
  });

  it('an expired session says "session expired: run vmgate login" and exits 3', async () => {
    const all = await stored();
    all[f.server.baseUrl] = { ...all[f.server.baseUrl]!, token: 'f'.repeat(48) };
    await writeFile(sessionsFile(), JSON.stringify(all), { mode: 0o600 });
    const r = await f.run(['vm', 'list']);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /^vmgate: UNAUTHENTICATED: session expired: run vmgate login/);
    // With VMGATE_USER / VMGATE_PASSWORD the command logs in by itself instead.
    const withEnv = await f.ok(['host', 'list'], { env: { VMGATE_USER: 'administrator', VMGATE_PASSWORD: ADMIN_PASSWORD } });
    assert.match(withEnv.stdout, /host-1/);
  });

  it('--insecure works without --ca and warns on stderr; neither is a TLS error', async () => {
    await f.ok(['login'], { env: { VMGATE_PASSWORD: ADMIN_PASSWORD } });
    const r = await f.ok(['host', 'list', '--server', f.server.baseUrl, '--insecure'], { bare: true });
    assert.match(r.stdout, /host-1/);
    assert.equal(r.stderr, 'vmgate: warning: --insecure: TLS certificate verification is off\n');
    // Login remembered the CA: no flag needed now.
    const remembered = await f.ok(['host', 'list', '--server', f.server.baseUrl], { bare: true });
    assert.match(remembered.stdout, /host-1/);
    // A config directory that trusts nothing: refused, with the ways out.
    const untrusted = await f.run(['host', 'list', '--server', f.server.baseUrl], { bare: true, env: { VMGATE_CONFIG_DIR: join(f.configDir, 'elsewhere'), VMGATE_PASSWORD: ADMIN_PASSWORD } });
    assert.equal(untrusted.code, 1);
    assert.match(untrusted.stderr, /^vmgate: TLS_ERROR: the server's certificate is not trusted .*--ca .*--fingerprint .*--insecure/);
  });

  it('usage errors exit 2', async () => {
    const badFlag = await f.run(['vm', 'list', '--no-such-flag']);
    assert.equal(badFlag.code, 2);
    assert.match(badFlag.stderr, /^vmgate: INVALID_ARGUMENT: unknown option '--no-such-flag'/);
    const badValue = await f.run(['vm', 'list', '--power-state', 'sideways']);
    assert.equal(badValue.code, 2);
    assert.match(badValue.stderr, /--power-state 'sideways': use on, off or suspended/);
    const badNumber = await f.run(['vm', 'create', 'x', '--cpus', 'many']);
    assert.equal(badNumber.code, 2);
    const badServer = await f.run(['host', 'list', '--server', 'ftp://example'], { bare: true });
    assert.equal(badServer.code, 2);
    const badCa = await f.run(['host', 'list', '--server', f.server.baseUrl, '--ca', join(f.configDir, 'missing.crt')], { bare: true });
    assert.equal(badCa.code, 2);
    assert.match(badCa.stderr, /cannot read the CA certificate/);
  });

  it('logout ends the session on the server and forgets it', async () => {
    const token = (await stored())[f.server.baseUrl]!.token;
    const r = await f.ok(['logout']);
    assert.match(r.stdout, /^logged out of https:\/\//);
    assert.equal((await stored())[f.server.baseUrl], undefined);
    const check = await f.server.request('GET', '/api/session', { headers: { 'vmware-api-session-id': token } });
    assert.equal(check.status, 401);
    const after = await f.run(['host', 'list']);
    assert.equal(after.code, 3);
    const again = await f.ok(['logout']);
    assert.match(again.stdout, /^not logged in to /);
  });
});

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { spawnServer } from '../support/spawn-server.ts';
import type { SpawnedServer } from '../support/spawn-server.ts';
import { runVmgate } from './cli-fixture.ts';

describe('vmgate user set-password --data-dir (no session: a forgotten administrator password)', () => {
  let dir: string;
  let dataDir: string;
  let server: SpawnedServer;
  let url: string;
  const vmgate = (args: string[], opts: { input?: string; env?: Record<string, string> } = {}) => runVmgate(args, { ...opts, configDir: join(dir, 'config') });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vmgate-setpw-'));
    dataDir = join(dir, 'data');
    server = await spawnServer(dataDir, ['--sim-speed', '50']);
    url = `https://127.0.0.1:${server.ports.https}`;
  });
  after(async () => {
    server.child.kill('SIGTERM');
    await server.exited;
    await rm(dir, { recursive: true, force: true });
  });

  it('sets the password while the server runs; the new one logs in, the old one no longer does, the stale first-start file goes', async () => {
    const generated = (await readFile(join(dataDir, 'initial-admin-password'), 'utf8')).trim();
    const ca = join(dataDir, 'tls', 'server.crt');
    const r = await vmgate(['user', 'set-password', 'administrator', '--data-dir', dataDir, '--password-stdin'], { input: 'a-new-password-1\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `password of administrator (user-1) set in ${dataDir}; it works at once, also on a running server\nremoved ${join(dataDir, 'initial-admin-password')} (it held the old password)\n`);
    await assert.rejects(stat(join(dataDir, 'initial-admin-password')), { code: 'ENOENT' });
    const old = await vmgate(['login', '--server', url, '--ca', ca, '--password-stdin'], { input: `${generated}\n` });
    assert.equal(old.code, 3);
    assert.match(old.stderr, /login as 'administrator' at .* failed: invalid user name or password/);
    const ok = await vmgate(['login', '--server', url, '--ca', ca, '--password-stdin'], { input: 'a-new-password-1\n' });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^logged in to https:\/\/127\.0\.0\.1:\d+ as administrator/);
    const users = await vmgate(['user', 'list']);
    assert.equal(users.code, 0, users.stderr);
    assert.match(users.stdout, /administrator/);
  });

  it('refuses an unknown user, a short password and a directory without a database', async () => {
    const unknown = await vmgate(['user', 'set-password', 'nobody', '--data-dir', dataDir, '--password-stdin'], { input: 'a-new-password-2\n' });
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr, "vmgate: NOT_FOUND: user 'nobody' was not found\n");
    const short = await vmgate(['user', 'set-password', 'administrator', '--data-dir', dataDir, '--password-stdin'], { input: 'short\n' });
    assert.equal(short.code, 2);
    assert.equal(short.stderr, 'vmgate: INVALID_ARGUMENT: passwords need at least 8 characters\n');
    const empty = join(dir, 'empty');
    const none = await vmgate(['user', 'set-password', 'administrator', '--data-dir', empty, '--password-stdin'], { input: 'a-new-password-2\n' });
    assert.equal(none.code, 2);
    assert.equal(none.stderr, `vmgate: INVALID_ARGUMENT: ${empty} holds no vmgate database (${join(empty, 'vmgate.db')}): give the server's --data-dir\n`);
    await assert.rejects(stat(empty), { code: 'ENOENT' }, 'nothing created');
  });
});

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { request } from 'node:https';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { spawnServer } from '../support/spawn-server.ts';

const ROOT = new URL('../../', import.meta.url).pathname;

function getJson(port: number, path: string, ca: string): Promise<{ status: number; body: unknown }> {
  return new Promise((res, rej) => {
    const req = request({ host: '127.0.0.1', port, path, ca, servername: 'localhost', checkServerIdentity: () => undefined }, (r) => {
      let s = '';
      r.on('data', (d) => (s += d));
      r.on('end', () => res({ status: r.statusCode!, body: JSON.parse(s) }));
    });
    req.on('error', rej);
    req.end();
  });
}

describe('vmgate serve (a real process)', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vmgate-serve-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('--help lists every flag with its environment variable', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/vmgate.mjs'), 'serve', '--help'], { encoding: 'utf8' });
    assert.equal(r.status, 0);
    for (const f of ['--data-dir', '--https-port', '--http-port', '--authd-port', '--driver', '--demo', '--demo-hosts', '--demo-vms', '--sim-speed', 'VMGATE_DATA_DIR', 'VMGATE_HTTPS_PORT']) assert.ok(r.stdout.includes(f), `help mentions ${f}`);
  });

  it('rejects a bad flag value with a clear message', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/vmgate.mjs'), 'serve', '--data-dir', dir, '--driver', 'xen'], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--driver/);
  });

  it('first start: random admin password printed once and kept 0600; HTTPS with a self-signed cert; healthz; SIGTERM exits cleanly', async () => {
    const s = await spawnServer(dir, ['--http-port', '0']);
    const m = /user 'administrator' was created with password\s+(\S+)/.exec(s.stdout());
    assert.ok(m, s.stdout());
    const pwFile = join(dir, 'initial-admin-password');
    assert.equal((await readFile(pwFile, 'utf8')).trim(), m[1]);
    assert.equal((await stat(pwFile)).mode & 0o777, 0o600);
    const cert = await readFile(join(dir, 'tls', 'server.crt'), 'utf8');
    const h = await getJson(s.ports.https, '/healthz', cert);
    assert.equal(h.status, 200);
    const body = h.body as { status: string; version: string; driver: string; uptimeSeconds: number };
    assert.equal(body.status, 'ok');
    assert.equal(body.driver, 'sim');
    assert.match(body.version, /^\d+\.\d+\.\d+/);
    assert.equal(typeof body.uptimeSeconds, 'number');
    // The authd port greets.
    const banner = await new Promise<string>((res, rej) => {
      const c = connect(s.ports.authd!, '127.0.0.1');
      c.once('data', (d) => {
        res(d.toString());
        c.destroy();
      });
      c.on('error', rej);
    });
    assert.match(banner, /^220 VMware Authentication Daemon/);
    s.child.kill('SIGTERM');
    assert.equal(await s.exited, 0);
    assert.match(s.stdout(), /stopped/);

    // Second start: no new password, same certificate; where the first one is and how to reset it.
    const s2 = await spawnServer(dir);
    assert.doesNotMatch(s2.stdout(), /was created with password|first-start password/);
    assert.ok(s2.stdout().includes(`Log in as 'administrator' (the password generated on the first start is in ${pwFile}).`), s2.stdout());
    assert.ok(s2.stdout().includes(`Forgot the password? vmgate user set-password administrator --data-dir ${dir}\n`), s2.stdout());
    assert.equal(await readFile(join(dir, 'tls', 'server.crt'), 'utf8'), cert);
    s2.child.kill('SIGTERM');
    assert.equal(await s2.exited, 0);
  });

  it('VMGATE_ADMIN_PASSWORD sets the password (not copied to disk) and environment variables configure the server', async () => {
    const d = await mkdtemp(join(tmpdir(), 'vmgate-env-'));
    try {
      const s = await spawnServer(d, [], { VMGATE_ADMIN_PASSWORD: 'given-password-1', VMGATE_SIM_SPEED: '50' });
      assert.doesNotMatch(s.stdout(), /was created with password/);
      await assert.rejects(stat(join(d, 'initial-admin-password')), { code: 'ENOENT' });
      assert.ok(s.stdout().includes(`Log in as 'administrator'.\n  Forgot the password? vmgate user set-password administrator --data-dir ${d}\n`), s.stdout());
      s.child.kill('SIGTERM');
      assert.equal(await s.exited, 0);
    } finally {
      await rm(d, { recursive: true, force: true });
    }
  });
});

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { SYSTEM_CALLER } from '../../src/core/index.ts';
import { AUTHD_BANNER } from '../../src/faces/vmserverd/authd-server.ts';
import { resolveServeConfig } from '../../src/server/config.ts';
import { startServer, type RunningServer } from '../../src/server/serve.ts';

/**
 * Issue 8, items 5, 13 and 15 against a real server: file modes of the data directory,
 * transfer tokens kept out of the log, the TLS profile seen by a real TLS client on HTTPS
 * and authd, the listen address, and --public-url in transfer URLs.
 */
const modeOf = async (p: string) => (await stat(p)).mode & 0o777;

/** Reads `file` until `test` holds on its text (pino writes asynchronously). */
async function untilLog(file: string, test: (text: string) => boolean): Promise<string> {
  for (let i = 0; ; i++) {
    const text = existsSync(file) ? await readFile(file, 'utf8') : '';
    if (test(text)) return text;
    assert.ok(i < 400, `the log ${file} never showed what was expected`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A TLS handshake with the given client options: the negotiated cipher and version, or the error. */
function handshake(opts: ConnectionOptions): Promise<{ cipher: string; version: string } | { error: string }> {
  return new Promise((resolve) => {
    const s: TLSSocket = tlsConnect({ rejectUnauthorized: false, ...opts }, () => {
      const r = { cipher: s.getCipher().name, version: s.getProtocol() ?? '' };
      s.destroy();
      resolve(r);
    });
    s.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
    // A guard, not a measurement: a handshake that never ends (authd before the fix) fails the test instead of hanging it.
    s.setTimeout(20_000, () => {
      s.destroy();
      resolve({ error: 'no handshake' });
    });
  });
}

/** Connects to authd, reads its banner, then starts TLS on the same socket with `opts`. */
function authdHandshake(port: number, opts: ConnectionOptions): Promise<{ cipher: string; version: string } | { error: string }> {
  return new Promise((resolve, reject) => {
    const raw = netConnect({ host: '127.0.0.1', port });
    raw.once('error', reject);
    raw.once('data', (banner: Buffer) => {
      assert.equal(banner.toString().trim(), AUTHD_BANNER);
      handshake({ socket: raw, ...opts }).then(resolve, reject);
    });
  });
}

describe('security of a running server (real sockets, real files)', () => {
  let root: string;
  let server: RunningServer;
  let dataDir: string;
  let oldUmask: number;
  const config = (dir: string, extra: Record<string, unknown> = {}) =>
    resolveServeConfig({ dataDir: dir, httpsPort: 0, authdPort: 0, host: '127.0.0.1', simSpeed: 500, demo: true, demoHosts: 1, demoVms: 2, logLevel: 'info', ...extra }, {});
  const env = { VMGATE_ADMIN_PASSWORD: 'admin-password-1', VMGATE_DEMO_PASSWORD: 'demo-password-1' };

  before(async () => {
    oldUmask = process.umask(0o022); // the umask of the original report
    root = await mkdtemp(join(tmpdir(), 'vmgate-sec-'));
    dataDir = join(root, 'fresh', 'data');
    server = await startServer(config(dataDir), { env });
  });
  after(async () => {
    await server?.close(1000);
    process.umask(oldUmask);
    await rm(root, { recursive: true, force: true });
  });

  it('5: a data directory vmgate creates is 0700; logs/ 0700; the database, its WAL and shm, and the log are 0600', async () => {
    assert.equal(await modeOf(dataDir), 0o700);
    assert.equal(await modeOf(join(dataDir, 'logs')), 0o700);
    assert.equal(await modeOf(join(dataDir, 'logs', 'vmgate.log')), 0o600);
    for (const f of ['vmgate.db', 'vmgate.db-wal', 'vmgate.db-shm']) {
      assert.ok(existsSync(join(dataDir, f)), `${f} exists while the server runs`);
      assert.equal(await modeOf(join(dataDir, f)), 0o600, f);
    }
    assert.equal(await modeOf(join(dataDir, 'tls', 'server.key')), 0o600);
  });

  it('5: a guest transfer token is not in the log, the URL is, redacted', async () => {
    const token = 'a1b2c3d4e5f6-secret-transfer-token';
    const r = await fetchStatus(server.ports.https, `/guestFile/${token}?x=1`);
    assert.equal(r, 404);
    const log = await untilLog(join(dataDir, 'logs', 'vmgate.log'), (t) => t.includes('/guestFile/[redacted]?x=1'));
    assert.ok(!log.includes(token), 'the token is nowhere in the log');
  });

  it('5b: a console proxy ticket asked for without a WebSocket upgrade is not in the log either', async () => {
    const ticket = 'Zy9-console-ticket-that-must-not-be-logged_x';
    const r = await fetchStatus(server.ports.https, `/console/vnc/${ticket}`);
    assert.equal(r, 426);
    const log = await untilLog(join(dataDir, 'logs', 'vmgate.log'), (t) => t.includes('/console/vnc/[redacted]'));
    assert.ok(!log.includes(ticket), 'the ticket is nowhere in the log');
  });

  it('5: an existing data directory open to others is left alone but warned about; vmgate narrows its own log', async () => {
    const dir = join(root, 'existing');
    await mkdir(join(dir, 'logs'), { recursive: true, mode: 0o755 });
    await chmod(dir, 0o755);
    await writeFile(join(dir, 'logs', 'vmgate.log'), '', { mode: 0o644 });
    const s = await startServer(config(dir, { demo: false, authdPort: null }), { env });
    try {
      assert.equal(await modeOf(dir), 0o755, 'the operator’s directory keeps its mode');
      assert.equal(await modeOf(join(dir, 'logs', 'vmgate.log')), 0o600);
      assert.equal(await modeOf(join(dir, 'vmgate.db')), 0o600);
      await untilLog(join(dir, 'logs', 'vmgate.log'), (t) => t.includes(`the data directory ${dir} is open to its group or to others (mode 0755)`) && t.includes('"level":40'));
    } finally {
      await s.close(1000);
    }
  });

  it('15: HTTPS refuses AES128-SHA (RSA key exchange, CBC) and CBC suites on TLS 1.2; ECDHE with GCM and TLS 1.3 work', async () => {
    const port = server.ports.https;
    const base = { host: '127.0.0.1', port, servername: 'localhost' };
    for (const ciphers of ['AES128-SHA', 'AES256-SHA', 'AES128-GCM-SHA256', 'ECDHE-RSA-AES128-SHA', 'ECDHE-RSA-AES256-SHA384']) {
      const r = await handshake({ ...base, ciphers, maxVersion: 'TLSv1.2' });
      assert.ok('error' in r, `${ciphers} must be refused, got ${JSON.stringify(r)}`);
    }
    assert.deepEqual(await handshake({ ...base, ciphers: 'ECDHE-RSA-AES128-GCM-SHA256', maxVersion: 'TLSv1.2' }), { cipher: 'ECDHE-RSA-AES128-GCM-SHA256', version: 'TLSv1.2' });
    assert.deepEqual(await handshake({ ...base, ciphers: 'ECDHE-RSA-CHACHA20-POLY1305', maxVersion: 'TLSv1.2' }), { cipher: 'ECDHE-RSA-CHACHA20-POLY1305', version: 'TLSv1.2' });
    const v13 = await handshake(base);
    assert.ok('version' in v13 && v13.version === 'TLSv1.3', JSON.stringify(v13));
  });

  it('15: authd has the same profile, and a login works over the TLS it starts after the banner', async () => {
    const port = server.ports.authd!;
    const refused = await authdHandshake(port, { ciphers: 'AES128-SHA', maxVersion: 'TLSv1.2' });
    assert.ok('error' in refused, JSON.stringify(refused));
    assert.deepEqual(await authdHandshake(port, { ciphers: 'ECDHE-RSA-AES256-GCM-SHA384', maxVersion: 'TLSv1.2' }), { cipher: 'ECDHE-RSA-AES256-GCM-SHA384', version: 'TLSv1.2' });
    const lines = await new Promise<string>((resolve, reject) => {
      const raw = netConnect({ host: '127.0.0.1', port });
      raw.once('error', reject);
      raw.once('data', () => {
        const t = tlsConnect({ socket: raw, rejectUnauthorized: false }, () => t.write('USER administrator\r\nPASS admin-password-1\r\nQUIT\r\n'));
        let got = '';
        t.on('data', (d: Buffer) => (got += d.toString()));
        t.on('error', reject);
        t.on('end', () => resolve(got));
      });
    });
    assert.deepEqual(lines.trim().split(/\r\n/), ['331 Password required for administrator.', '230 User administrator logged in.', '221 Goodbye.']);
  });

  it('15: HTTPS and authd listen on the configured address only (127.0.0.1, not 127.0.0.2)', async () => {
    for (const port of [server.ports.https, server.ports.authd!]) {
      assert.equal(await tcpConnects('127.0.0.1', port), true);
      assert.equal(await tcpConnects('127.0.0.2', port), false);
    }
  });

  it('13: with --public-url, transfer URLs use it whatever the Host header says', async () => {
    const dir = join(root, 'public');
    const s = await startServer(config(dir, { publicUrl: 'https://vmgate.example.test:9443/', authdPort: null }), { env });
    try {
      const port = s.ports.https;
      const token = JSON.parse((await httpsJson(port, 'POST', '/api/session', { authorization: `Basic ${Buffer.from('administrator:admin-password-1').toString('base64')}` })).body) as string;
      const vm = (await s.core.vms.list(SYSTEM_CALLER, { powerStates: ['poweredOn'], inLibrary: false }))[0]!.id;
      for (let i = 0; ; i++) {
        const r = await httpsJson(port, 'GET', `/api/vcenter/vm/${vm}/guest/power`, { 'vmware-api-session-id': token });
        if ((JSON.parse(r.body) as { operations_ready?: boolean }).operations_ready === true) break;
        assert.ok(i < 600, 'guest tools come up');
        await new Promise((res) => setTimeout(res, 25));
      }
      const r = await httpsJson(port, 'POST', `/api/vcenter/vm/${vm}/guest/filesystem?action=create`, { host: 'evil.example.com', 'vmware-api-session-id': token, 'content-type': 'application/json' }, JSON.stringify({ credentials: { interactive_session: false, type: 'USERNAME_PASSWORD', user_name: 'root', password: 'vmware' }, spec: { path: '/etc/hostname' } }));
      assert.equal(r.status, 201, r.body);
      assert.match(JSON.parse(r.body) as string, /^https:\/\/vmgate\.example\.test:9443\/guestFile\/[^/]+$/);
    } finally {
      await s.close(1000);
    }
    assert.throws(() => config(dir, { publicUrl: 'https://x.example/path' }), /--public-url/);
    assert.throws(() => config(dir, { publicUrl: 'ftp://x.example' }), /--public-url/);
  });
});

async function httpsJson(port: number, method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; body: string }> {
  const { request } = await import('node:https');
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, rejectUnauthorized: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

async function fetchStatus(port: number, path: string): Promise<number> {
  return (await httpsJson(port, 'GET', path, {})).status;
}

function tcpConnects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = netConnect({ host, port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

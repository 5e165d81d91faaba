import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CertificateMismatchError, Transport, normaliseFingerprint } from '../../src/clients/vapi/transport.ts';
import { ADMIN_PASSWORD, startTestServer } from '../support/test-server.ts';
import type { TestServer } from '../support/test-server.ts';
import { runVmgate } from './cli-fixture.ts';
import type { CliResult, RunOptions } from './cli-fixture.ts';

const fingerprintOf = (pem: string): string => new X509Certificate(pem).fingerprint256;
const BIN = new URL('../../bin/vmgate.mjs', import.meta.url).pathname;
const HAVE_SCRIPT = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

/**
 * Runs `vmgate <args>` on a terminal (util-linux `script` gives it a pty) and types
 * `answer` once `prompt` shows; resolves with the exit code and everything the terminal showed.
 */
function onTerminal(args: string[], env: NodeJS.ProcessEnv, prompt: string, answer: string): Promise<{ code: number | null; screen: string }> {
  const cmd = [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' ');
  const child = spawn('script', ['-qec', cmd, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let screen = '';
  let answered = false;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no answer in time; the terminal showed: ${screen}`));
    }, 60_000);
    const onData = (d: Buffer): void => {
      screen += d.toString('utf8');
      if (!answered && screen.includes(prompt)) {
        answered = true;
        child.stdin.write(answer);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolve({ code, screen: screen.replace(/\r/g, '') });
    });
  });
}

describe('a pinned certificate (transport)', () => {
  it('a different certificate fails the request before a byte of it reaches the server; the pinned one is accepted', async (t) => {
    const a = await startTestServer();
    const b = await startTestServer();
    t.after(async () => {
      await a.server.close(1000);
      await b.server.close(1000);
    });
    // A bare TLS server with b's certificate that counts what it receives.
    const material = { key: await readFile(join(b.dataDir, 'tls', 'server.key'), 'utf8'), cert: b.ca };
    let received = 0;
    const spy = createServer(material, (s) => {
      s.on('data', (d: Buffer) => (received += d.length));
      s.on('error', () => undefined);
    });
    await new Promise<void>((r) => spy.listen(0, '127.0.0.1', () => r()));
    t.after(() => spy.close());
    const port = (spy.address() as { port: number }).port;
    const pinnedToA = new Transport({ fingerprint256: fingerprintOf(a.ca) });
    t.after(() => pinnedToA.close());
    await assert.rejects(
      pinnedToA.request({ method: 'POST', url: `https://127.0.0.1:${port}/api/session`, headers: { authorization: 'Basic c2VjcmV0' }, body: 'secret' }),
      (e: unknown) => e instanceof CertificateMismatchError && e.expected === fingerprintOf(a.ca) && e.actual === fingerprintOf(b.ca),
    );
    // Whatever was in flight has landed by the time a later connection is served.
    const pinnedToB = new Transport({ fingerprint256: fingerprintOf(b.ca).replace(/:/g, '').toLowerCase() });
    t.after(() => pinnedToB.close());
    const health = await pinnedToB.request({ method: 'GET', url: `${b.baseUrl}/healthz` });
    assert.equal(health.status, 200);
    assert.equal(received, 0, 'nothing reached the server with the wrong certificate');
    // The pin skips the chain and the host name (a self-signed certificate, reached by any name).
    const byName = await pinnedToA.request({ method: 'GET', url: `https://localhost:${a.port}/healthz` });
    assert.equal(byName.status, 200);
  });

  it('fingerprints are read with or without colons, in either case, and anything else is refused', () => {
    const fp = 'AB:'.repeat(31) + 'CD';
    assert.equal(normaliseFingerprint(fp.toLowerCase().replace(/:/g, '')), fp);
    assert.equal(normaliseFingerprint(`sha256:${fp}`), fp);
    assert.equal(normaliseFingerprint('AB:CD'), undefined);
    assert.throws(() => new Transport({ fingerprint256: 'nope' }), /not a SHA-256 fingerprint/);
  });
});

describe('vmgate login remembers trust and the default server', () => {
  let dir: string;
  let configDir: string;
  let a: TestServer;
  let b: TestServer;
  let caFileA: string;
  const serversFile = () => join(configDir, 'servers.json');
  const known = async () => JSON.parse(await readFile(serversFile(), 'utf8')) as { default?: string; servers: Record<string, { ca?: string; caFile?: string; fingerprint256?: string; trustedAt: string }> };
  const vmgate = (args: readonly string[], opts: RunOptions = {}): Promise<CliResult> => runVmgate(args, { ...opts, configDir });
  const ok = async (args: readonly string[], opts: RunOptions = {}): Promise<CliResult> => {
    const r = await vmgate(args, opts);
    if (r.code !== 0) throw new Error(`vmgate ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    return r;
  };
  const login = { env: { VMGATE_PASSWORD: ADMIN_PASSWORD } };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vmgate-trust-'));
    configDir = join(dir, 'config');
    a = await startTestServer();
    b = await startTestServer();
    caFileA = join(dir, 'a.crt');
    await writeFile(caFileA, a.ca);
  });
  after(async () => {
    await a.close();
    await b.server.close(1000);
    await rm(dir, { recursive: true, force: true });
  });

  it('login --ca stores the CA (its contents) for the server and makes it the default: later commands need no flags', async () => {
    const r = await ok(['login', '--server', a.baseUrl, '--ca', caFileA], login);
    assert.match(r.stdout, new RegExp(`^logged in to ${a.baseUrl.replace(/\./g, '\\.')} as administrator .*CA ${caFileA.replace(/[.]/g, '\\.')} remembered`));
    assert.equal((await stat(serversFile())).mode & 0o777, 0o600);
    const k = await known();
    assert.equal(k.default, a.baseUrl);
    assert.equal(k.servers[a.baseUrl]!.ca, a.ca);
    assert.equal(k.servers[a.baseUrl]!.caFile, caFileA);
    assert.equal(k.servers[a.baseUrl]!.fingerprint256, undefined);
    // The CA file may go away: its contents are what is trusted.
    await rm(caFileA);
    const hosts = await ok(['host', 'list']);
    assert.match(hosts.stdout, /^HOST\s+NAME/);
    assert.match(hosts.stdout, /DC0_C0_H0/);
    assert.equal(hosts.stderr, '');
    // --server still wins over the default.
    const untrusted = await vmgate(['host', 'list', '--server', b.baseUrl], login);
    assert.equal(untrusted.code, 1);
    assert.match(untrusted.stderr, /^vmgate: TLS_ERROR: the server's certificate is not trusted/);
  });

  it('first use without --ca or --fingerprint and no terminal: refused with the fingerprint and both ways out; nothing stored', async () => {
    const before = await readFile(serversFile(), 'utf8');
    const r = await vmgate(['login', '--server', b.baseUrl], login);
    assert.equal(r.code, 1);
    const fp = fingerprintOf(b.ca);
    assert.equal(
      r.stderr,
      `vmgate: TLS_ERROR: the certificate of ${b.baseUrl} is not trusted (self-signed certificate); its SHA-256 fingerprint is ${fp}. ` +
        `Check it against the server's start-up banner, then log in with --fingerprint ${fp}, or with --ca <file> (the server's data/tls/server.crt)\n`,
    );
    assert.equal(await readFile(serversFile(), 'utf8'), before);
  });

  it('first use on a terminal: the fingerprint is shown and asked about; no stores nothing, yes pins it', { skip: HAVE_SCRIPT ? false : 'util-linux script (for a pty) is not installed' }, async () => {
    const fp = fingerprintOf(b.ca);
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: dir, VMGATE_CONFIG_DIR: join(dir, 'tty-config'), VMGATE_PASSWORD: ADMIN_PASSWORD, NO_COLOR: '1' };
    const question = 'Trust this certificate and remember it for this server? [y/N] ';
    const no = await onTerminal(['login', '--server', b.baseUrl], env, question, 'n\r');
    assert.equal(no.code, 1, no.screen);
    assert.ok(no.screen.includes(`The certificate of ${b.baseUrl} is not trusted by this system (self-signed certificate).\n  SHA-256 fingerprint: ${fp}\n`), no.screen);
    assert.match(no.screen, /vmgate: TLS_ERROR: not logged in to https:\/\/127\.0\.0\.1:\d+: its certificate was not trusted/);
    await assert.rejects(stat(join(dir, 'tty-config', 'servers.json')), { code: 'ENOENT' });
    const yes = await onTerminal(['login', '--server', b.baseUrl], env, question, 'y\r');
    assert.equal(yes.code, 0, yes.screen);
    assert.match(yes.screen, new RegExp(`logged in to ${b.baseUrl.replace(/\./g, '\\.')} as administrator .*certificate ${fp} pinned`));
    const stored = JSON.parse(await readFile(join(dir, 'tty-config', 'servers.json'), 'utf8')) as { default: string; servers: Record<string, { fingerprint256?: string }> };
    assert.equal(stored.default, b.baseUrl);
    assert.equal(stored.servers[b.baseUrl]!.fingerprint256, fp);
  });

  it('login --fingerprint pins the certificate; the server becomes the default', async () => {
    const fp = fingerprintOf(b.ca);
    const r = await ok(['login', '--server', b.baseUrl, '--fingerprint', fp.replace(/:/g, '').toLowerCase()], login);
    assert.match(r.stdout, new RegExp(`certificate ${fp} pinned`));
    const k = await known();
    assert.equal(k.default, b.baseUrl);
    assert.equal(k.servers[b.baseUrl]!.fingerprint256, fp);
    assert.equal(k.servers[b.baseUrl]!.ca, undefined);
    assert.equal(k.servers[a.baseUrl]!.ca, a.ca, 'the other server keeps its trust');
    // No flags: the default server, trusted by its pin.
    const who = await ok(['vm', 'list', '--name', 'DC0_H0_VM0', '--json']);
    assert.equal((JSON.parse(who.stdout) as unknown[]).length, 1);
    // The first server is still trusted by name, and logout keeps trust and default.
    await ok(['host', 'list', '--server', a.baseUrl]);
    await ok(['logout', '--server', a.baseUrl]);
    assert.equal((await known()).servers[a.baseUrl]!.ca, a.ca);
  });

  it('a pinned certificate that changed is refused loudly, until a login pins the new one', async () => {
    // Another server (a new data directory, so a new certificate) on b's address.
    const port = b.port;
    const dataDir = b.dataDir;
    await b.server.close(1000);
    await rm(dataDir, { recursive: true, force: true });
    b = await startTestServer({ httpsPort: port });
    assert.equal(b.port, port);
    const old = (await known()).servers[b.baseUrl]!.fingerprint256!;
    const now = fingerprintOf(b.ca);
    assert.notEqual(old, now);
    const r = await vmgate(['host', 'list']);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      [
        `vmgate: TLS_ERROR: the certificate of ${b.baseUrl} has CHANGED since you trusted it. Nothing was sent.`,
        `  trusted SHA-256: ${old}`,
        `  presented now:   ${now}`,
        '  Someone may be intercepting the connection, or the server has a new certificate (a new data directory, a replaced server.crt).',
        `  If you expected the change, check the new fingerprint against the server's start-up banner, then log in again: vmgate login --server ${b.baseUrl} --fingerprint ${now}`,
        '',
      ].join('\n'),
    );
    // A login without flags is refused the same way (no prompt, no silent re-pin).
    const again = await vmgate(['login'], login);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /has CHANGED since you trusted it/);
    assert.equal((await known()).servers[b.baseUrl]!.fingerprint256, old);
    await ok(['login', '--fingerprint', now], login);
    assert.equal((await known()).servers[b.baseUrl]!.fingerprint256, now);
    await ok(['host', 'list']);
  });

  it('a stored CA that no longer signs the certificate says so and how to fix it', async () => {
    const k = await known();
    k.servers[b.baseUrl] = { ca: a.ca, caFile: '/somewhere/a.crt', trustedAt: '' };
    await writeFile(serversFile(), JSON.stringify(k), { mode: 0o600 });
    const r = await vmgate(['host', 'list']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`^vmgate: TLS_ERROR: the certificate of ${b.baseUrl.replace(/\./g, '\\.')} is not trusted by the CA stored at login \\(from /somewhere/a\\.crt\\): .*log in again with --ca <file> or --fingerprint <sha256>\n$`));
    // This command's own --ca wins over the stored trust (b's certificate, from its data directory).
    const r2 = await ok(['host', 'list', '--ca', join(b.dataDir, 'tls', 'server.crt')]);
    assert.match(r2.stdout, /DC0_C0_H0/);
    const both = await vmgate(['host', 'list', '--ca', join(b.dataDir, 'tls', 'server.crt'), '--insecure']);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--ca and --insecure do not go together/);
  });
});

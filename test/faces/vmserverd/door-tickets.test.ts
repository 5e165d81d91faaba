/**
 * The authd door's TICKET command and the door's wiring, over real sockets (a real core, a
 * real TLS listener on 127.0.0.1): TICKET's argument bounds, failed tickets counted towards
 * maxLoginAttempts, the session a ticket opens (face authd, the client address), what is
 * logged when a local login or a ticket is refused, a line holding a bare CR, the listener's
 * own errors logged, and the face started with the server's certificate and settings
 * (activation stored through the certificate, a replaced certificate served, LOCAL enabled
 * by localTicketDir). Every expected line is written here by hand.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generate } from 'selfsigned';
import { VmserverdClient } from '../../../src/clients/vmserverd/index.ts';
import { authdFace, createAuthdServer, type AuthdServer } from '../../../src/faces/vmserverd/authd-server.ts';
import { createTestCore, type TestCore } from '../../support/core-harness.ts';
import { ADMIN, testTls, until } from './kit.ts';

type Logged = { level: string; obj: Record<string, unknown>; msg: string | undefined };

function capturingLog(): { log: { info: (o: object, m?: string) => void; warn: (o: object, m?: string) => void; error: (o: object, m?: string) => void; debug: (o: object, m?: string) => void }; logged: Logged[] } {
  const logged: Logged[] = [];
  const at = (level: string) => (obj: object, msg?: string) => void logged.push({ level, obj: obj as Record<string, unknown>, msg });
  return { log: { info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') }, logged };
}

const closedOrEnded = (c: VmserverdClient) => c.socket.destroyed || c.socket.readableEnded;

describe('authd door: TICKET and what a refused local login leaves in the log', () => {
  const { log, logged } = capturingLog();
  let t: TestCore;
  let server: AuthdServer;
  let port: number;
  let ca: string;
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vmgate-door-tickets-'));
    t = await createTestCore();
    const tls = await testTls();
    ca = tls.cert;
    server = createAuthdServer({ core: t.core, log, tls, idleTimeoutMs: 60_000, maxLoginAttempts: 3, localTicketDir: join(dir, 'tickets') });
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    await new Promise<void>((res) => server.close(() => res()));
    await t.close();
    await rm(dir, { recursive: true, force: true });
  });
  const connect = (): Promise<VmserverdClient> => VmserverdClient.connect({ host: '127.0.0.1', port, ca });

  it('TICKET without a ticket, or one longer than 256 characters, is 501; 256 characters is checked (530)', async () => {
    const c = await connect();
    assert.equal(await c.command('TICKET'), '501 Invalid arguments');
    assert.equal(await c.command(`TICKET ${'t'.repeat(257)}`), '501 Invalid arguments');
    assert.equal(await c.command(`TICKET ${'t'.repeat(256)}`), '530 Login incorrect.');
    // 501 did not count: one failure so far, the connection is open
    assert.equal(await c.command('USER administrator'), '331 Password required for administrator.');
    c.close();
  });

  it('a wrong ticket is 530 and logged with the client address; the third failure (maxLoginAttempts 3) closes the connection', async () => {
    const c = await connect();
    logged.length = 0;
    assert.equal(await c.command('TICKET not-a-ticket-1'), '530 Login incorrect.');
    const entry = logged.find((l) => l.msg === 'authd ticket login failed');
    assert.ok(entry, JSON.stringify(logged));
    assert.deepEqual([entry.level, entry.obj.remote, typeof entry.obj.err], ['info', '127.0.0.1', 'string']);
    assert.equal(await c.command('TICKET not-a-ticket-2'), '530 Login incorrect.');
    assert.equal(await c.command('USER administrator'), '331 Password required for administrator.', 'still open after two failures');
    assert.equal(await c.command('TICKET not-a-ticket-3'), '530 Login incorrect.');
    await until(() => closedOrEnded(c), 10_000, 'close after the third failure');
  });

  it('a ticket opens a core session of face authd that records the client address (and that it came from a local ticket)', async () => {
    const me = (await import('node:os')).userInfo().username;
    const c = await connect();
    const l = await c.command(`LOCAL ${me}`);
    assert.match(l, /^334 \//);
    const ticket = await readFile(l.slice(4), 'utf8');
    const admin = await t.core.identity.resolveUser(ADMIN.user);
    const before = new Set((await t.core.ctx.store.sessions.listForUser(admin.id)).map((s) => s.id));
    assert.equal(await c.command(`TICKET ${ticket}`), '230 User administrator logged in.');
    const mine = (await t.core.ctx.store.sessions.listForUser(admin.id)).filter((s) => !before.has(s.id));
    assert.deepEqual(mine.map((s) => [s.face, s.data]), [['authd', { remoteAddress: '127.0.0.1', localTicket: true }]]);
    c.close();
  });

  it('a refused LOCAL is logged with the OS account and the client address', async () => {
    const c = await connect();
    logged.length = 0;
    assert.equal(await c.command('LOCAL no-such-account-x'), '530 no OS account no-such-account-x');
    const entry = logged.find((l) => l.msg === 'authd local login refused');
    assert.ok(entry, JSON.stringify(logged));
    assert.deepEqual([entry.level, entry.obj.osUser, entry.obj.remote, entry.obj.err], ['info', 'no-such-account-x', '127.0.0.1', 'no OS account no-such-account-x']);
    c.close();
  });

  it('a line with a bare CR inside is no command: 530 Please login', async () => {
    const c = await connect();
    assert.equal(await c.command('USER administrator\rX'), '530 Please login with USER and PASS');
    assert.equal(await c.command('USER administrator'), '331 Password required for administrator.');
    c.close();
  });

  it("the listener's own errors are logged as errors", () => {
    const err = new Error('EMFILE: too many open files');
    server.emit('error', err);
    const entry = logged.find((l) => l.msg === 'authd listener error');
    assert.ok(entry, JSON.stringify(logged));
    assert.equal(entry.level, 'error');
    assert.equal(entry.obj.err, err);
  });
});

describe('authd face: started with the server certificate and settings', () => {
  let t: TestCore;
  let dir: string;
  before(async () => {
    t = await createTestCore();
    dir = await mkdtemp(join(tmpdir(), 'vmgate-door-face-'));
  });
  after(async () => {
    await t.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('activation goes through the certificate’s replace; a replaced certificate serves new connections; localTicketDir enables LOCAL', async () => {
    const tls = await testTls();
    const replaced: { key: string; cert: string }[] = [];
    const listeners: ((x: { key: string; cert: string }) => void)[] = [];
    let unsubscribed = 0;
    const certificate = {
      current: () => tls,
      replace: async (x: { key: string; cert: string }) => void replaced.push(x),
      onChange: (l: (x: { key: string; cert: string }) => void) => {
        listeners.push(l);
        return () => void unsubscribed++;
      },
    };
    const started = await authdFace.start({ core: t.core, log: { info() {}, warn() {}, error() {}, debug() {} }, tls, version: '1.2.3', certificate, settings: { localTicketDir: join(dir, 'tickets') } });
    const listener = createServer((s) => started.tcp!.handleConnection(s));
    await new Promise<void>((res) => listener.listen(0, '127.0.0.1', () => res()));
    const port = (listener.address() as AddressInfo).port;
    try {
      const c = await VmserverdClient.connect({ host: '127.0.0.1', port, ca: tls.cert });
      assert.match(await c.command(`LOCAL ${(await import('node:os')).userInfo().username}`), /^334 \//);
      await c.login(ADMIN.user, ADMIN.password);
      const made = JSON.parse(JSON.stringify(await c.execValue('Security_CreateCertificate', { commonName: 'face.test', days: 2 }))) as { certificate: { fingerprint: string; pem: string } };
      await c.execValue('Security_ActivateConfig');
      assert.equal(replaced.length, 1);
      assert.equal(replaced[0]!.cert.trim(), made.certificate.pem.trim());
      // The server replaces its certificate elsewhere (another face, the CLI): the door follows.
      const other = await generate([{ name: 'commonName', value: 'other.test' }], { keySize: 2048, algorithm: 'sha256', extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'other.test' }] }] });
      assert.equal(listeners.length, 1);
      listeners[0]!({ key: other.private, cert: other.cert });
      const fresh = await VmserverdClient.connect({ host: '127.0.0.1', port, ca: other.cert, servername: 'other.test' });
      assert.equal(fresh.socket.getPeerCertificate().subject.CN, 'other.test');
      fresh.close();
      c.close();
      await started.stop!();
      assert.equal(unsubscribed, 1);
    } finally {
      await new Promise<void>((res) => listener.close(() => res()));
    }
  });
});

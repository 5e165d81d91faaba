/**
 * The authd door's edges, over real sockets (a real core, a real TLS listener on
 * 127.0.0.1): command words in any case, the USER/PASS length bounds, QUIT before login,
 * a failed PASS forgetting the USER, commands pipelined behind PASS, the frame limit
 * before and after login, the client's address as the lockout's source, the stall and
 * idle timers, a replaced certificate, close() ending open connections. Every expected
 * line is written here by hand.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { generate } from 'selfsigned';
import { VmgateError } from '../../../src/core/errors.ts';
import { encodeExecFrame } from '../../../src/protocols/vmserverd/index.ts';
import { VmserverdClient, VmserverdConnectionError } from '../../../src/clients/vmserverd/index.ts';
import { createServer, type AddressInfo } from 'node:net';
import { authdFace, createAuthdServer, type AuthdServer } from '../../../src/faces/vmserverd/authd-server.ts';
import { createTestCore, type TestCore } from '../../support/core-harness.ts';
import { ADMIN, startAuthd, testTls, until, type AuthdKit } from './kit.ts';

/** Logs in over TLS on a raw connection (after the banner); everything the server sent, as text. */
async function tlsAfterBanner(k: AuthdKit, ca = k.ca): Promise<{ s: TLSSocket; got: () => string; closed: Promise<void> }> {
  const r = await k.raw();
  await until(() => r.received().includes('\n'), 5000, 'banner');
  const s = tlsConnect({ socket: r.sock, ca, servername: 'localhost' });
  await new Promise<void>((res, rej) => s.once('secureConnect', () => res()).once('error', rej));
  let got = '';
  s.on('data', (d: Buffer) => (got += d.toString('utf8')));
  s.on('error', () => undefined);
  const closed = new Promise<void>((res) => s.once('close', () => res()));
  return { s, got: () => got, closed };
}

describe('authd door: commands and their bounds', () => {
  let k: AuthdKit;
  before(async () => {
    k = await startAuthd({ idleTimeoutMs: 60_000, maxFrameBytes: 300 });
    await k.t.core.identity.createUser(k.t.admin, { name: 'spacey', password: 'two words, three spaces' });
  });
  after(async () => k.close());

  it('command words in any case: user / pass / Quit', async () => {
    const c = await k.client();
    assert.equal(await c.command('user administrator'), '331 Password required for administrator.');
    assert.equal(await c.command(`pass ${ADMIN.password}`), '230 User administrator logged in.');
    assert.equal(await c.inc(1), 2);
    const d = await k.client();
    assert.equal(await d.command('Quit'), '221 Goodbye.');
    await until(() => d.socket.destroyed || d.socket.readableEnded, 5000, 'close after QUIT');
  });

  it('a user name of 256 characters is read, 257 is 501; a name with a tab or a space is 501', async () => {
    const c = await k.client();
    const n256 = 'u'.repeat(256);
    assert.equal(await c.command(`USER ${n256}`), `331 Password required for ${n256}.`);
    assert.equal(await c.command(`USER ${'u'.repeat(257)}`), '501 Invalid arguments');
    assert.equal(await c.command('USER a\tb'), '501 Invalid arguments');
    assert.equal(await c.command('USER a b'), '501 Invalid arguments');
    // The last good USER still holds: its wrong password is an ordinary failure.
    assert.equal(await c.command('PASS not-it-at-all'), '530 Login incorrect.');
  });

  it('a password of 1024 characters is checked, 1025 is 501; spaces inside a password are part of it', async () => {
    const c = await k.client();
    assert.equal(await c.command('USER spacey'), '331 Password required for spacey.');
    assert.equal(await c.command(`PASS ${'p'.repeat(1025)}`), '501 Invalid arguments');
    // 501 is not a failed login: the USER still holds and the next PASS is checked.
    assert.equal(await c.command(`PASS ${'p'.repeat(1024)}`), '530 Login incorrect.');
    assert.equal(await c.command('USER spacey'), '331 Password required for spacey.');
    assert.equal(await c.command('PASS two words, three spaces'), '230 User spacey logged in.');
  });

  it('a failed PASS forgets the USER: PASS again is 530 Please login', async () => {
    const c = await k.client();
    assert.equal(await c.command('USER administrator'), '331 Password required for administrator.');
    assert.equal(await c.command('PASS not-the-password'), '530 Login incorrect.');
    assert.equal(await c.command(`PASS ${ADMIN.password}`), '530 Please login with USER and PASS');
    await c.login(ADMIN.user, ADMIN.password);
    assert.equal(await c.inc(5), 6);
  });

  it('a blank line and an unknown word before login are 530 Please login; the connection goes on', async () => {
    const c = await k.client();
    assert.equal(await c.command(''), '530 Please login with USER and PASS');
    assert.equal(await c.command('   '), '530 Please login with USER and PASS');
    assert.equal(await c.command('EXECUTE 5'), '530 Please login with USER and PASS');
    await c.login(ADMIN.user, ADMIN.password);
    assert.equal(await c.inc(0), 1);
  });

  it('a length that is not a number before login: 501 with the reason, and the connection closes', async () => {
    const c = await k.client();
    assert.equal(await c.command('EXEC twelve'), "501 the length after EXEC must be a non-negative decimal number, not 'twelve'");
    await until(() => c.socket.destroyed || c.socket.readableEnded, 5000, 'close');
    await assert.rejects(c.command('USER administrator'), VmserverdConnectionError);
  });

  it('USER, PASS and an EXEC frame in one write: all three answered in order', async () => {
    const { s, got } = await tlsAfterBanner(k);
    s.write(Buffer.concat([Buffer.from(`USER ${ADMIN.user}\r\nPASS ${ADMIN.password}\r\n`), encodeExecFrame('<exec><op>inc</op><in><number>9</number></in></exec>')]));
    await until(() => got().includes('</exec>'), 5000, 'the exec reply');
    const lines = got().split('\r\n');
    assert.equal(lines[0], '331 Password required for administrator.');
    assert.equal(lines[1], '230 User administrator logged in.');
    assert.match(lines[2]!, /^200 \d+$/);
    assert.match(lines[3]!, /<returncode>1<\/returncode><out><number>10<\/number><\/out><\/exec>$/);
    s.destroy();
  });

  it('after login the limit is maxFrameBytes (300 here): a larger frame is frame_too_large', async () => {
    const c = await k.admin();
    c.socket.write('EXEC 301\r\n');
    const item = await c.receive();
    assert.equal(item.kind, 'frame');
    const reply = VmserverdClient.parseReply(item);
    assert.equal(reply.ok, false);
    assert.equal(!reply.ok && reply.error.code, 'frame_too_large');
  });
});

describe('authd door: the client address is the lockout source', () => {
  let k: AuthdKit;
  before(async () => {
    k = await startAuthd({ idleTimeoutMs: 60_000, maxLoginAttempts: 10 }, { maxFailedLogins: 3 });
    await k.t.core.identity.createUser(k.t.admin, { name: 'lockme', password: 'lockme-password-1' });
  });
  after(async () => k.close());

  it('three failures through the door lock lockme for 127.0.0.1 only; the connection stays open below maxLoginAttempts', async () => {
    const c = await k.client();
    for (let i = 0; i < 3; i++) {
      assert.equal(await c.command('USER lockme'), '331 Password required for lockme.');
      assert.equal(await c.command(`PASS wrong-${i}`), '530 Login incorrect.');
    }
    assert.equal(await c.command('USER lockme'), '331 Password required for lockme.');
    assert.equal(await c.command('PASS lockme-password-1'), '530 Login incorrect.');
    // Core says why: locked for logins from the door's client address.
    await assert.rejects(k.t.core.identity.login('lockme', 'lockme-password-1', 'test', {}, '127.0.0.1'), (e: unknown) => {
      assert.ok(e instanceof VmgateError);
      assert.equal(e.reason, 'account_locked');
      assert.match(e.message, /^account 'lockme' is locked for logins from 127\.0\.0\.1 until /);
      return true;
    });
    // Another address is not locked out.
    const ok = await k.t.core.identity.login('lockme', 'lockme-password-1', 'test', {}, '127.0.0.9');
    assert.equal(ok.caller.userName, 'lockme');
    // Four failed PASS with maxLoginAttempts 10: still connected.
    assert.equal(await c.command('USER administrator'), '331 Password required for administrator.');
    assert.equal(await c.command(`PASS ${ADMIN.password}`), '230 User administrator logged in.');
  });
});

describe('authd door: timers', () => {
  let k: AuthdKit;
  before(async () => {
    k = await startAuthd({ idleTimeoutMs: 60_000, stallTimeoutMs: 300 });
  });
  after(async () => k.close());

  it('a TCP client that says nothing after the banner is closed (stall timer) with nothing more sent', async () => {
    const r = await k.raw();
    await r.closed;
    assert.equal(r.received(), '220 VMware Authentication Daemon Version 1.10: SSL Required, ServerDaemonProtocol:SOAP, MKSDisplayProtocol:VNC , ,\r\n');
  });

  it('once TLS is up the stall timer is off: a client quiet for longer than it still logs in', async () => {
    const { s, got, closed } = await tlsAfterBanner(k);
    let gone = false;
    void closed.then(() => (gone = true));
    // Three stall periods of silence (the idle timer is 60 s).
    await new Promise((res) => setTimeout(res, 900));
    assert.equal(gone, false, 'still connected');
    s.write('USER administrator\r\n');
    await until(() => got().includes('\n'), 5000, 'reply');
    assert.equal(got(), '331 Password required for administrator.\r\n');
    s.destroy();
  });
});

describe('authd door: idle before login', () => {
  let k: AuthdKit;
  before(async () => {
    k = await startAuthd({ idleTimeoutMs: 300 });
  });
  after(async () => k.close());

  it('says exactly why it closes', async () => {
    const { got, closed } = await tlsAfterBanner(k);
    await closed;
    assert.equal(got(), '421 Idle timeout: closing the connection\r\n');
  });
});

describe('authd door: certificate and shutdown', () => {
  let k: AuthdKit;
  before(async () => {
    k = await startAuthd({ idleTimeoutMs: 60_000 });
  });
  after(async () => k.close());

  it('setTls: new connections get the new certificate, the open one keeps working', async () => {
    const old = await k.admin();
    const p = await generate([{ name: 'commonName', value: 'localhost' }], {
      keySize: 2048,
      algorithm: 'sha256',
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }] }],
    });
    k.server.setTls({ key: p.private, cert: p.cert });
    const fresh = await VmserverdClient.connect({ host: '127.0.0.1', port: k.port, ca: p.cert });
    await fresh.login(ADMIN.user, ADMIN.password);
    assert.equal(await fresh.inc(10), 11);
    await assert.rejects(VmserverdClient.connect({ host: '127.0.0.1', port: k.port, ca: k.ca }), (e: unknown) => e instanceof VmserverdConnectionError && /^TLS handshake failed/.test(e.message));
    assert.equal(await old.inc(20), 21);
    fresh.close();
  });

  it('close() ends the open connections, logged in or not', async () => {
    const k2 = await startAuthd({ idleTimeoutMs: 60_000 });
    const a = await k2.admin();
    const b = await k2.client();
    const closedA = new Promise<void>((res) => a.socket.once('close', () => res()));
    const closedB = new Promise<void>((res) => b.socket.once('close', () => res()));
    await new Promise<void>((res) => k2.server.close(() => res()));
    await Promise.all([closedA, closedB]);
    assert.equal(a.socket.destroyed && b.socket.destroyed, true);
    await k2.t.close();
  });
});

describe('authd door: its own options (log, version, limits, certificate activation)', () => {
  const logged: { level: string; obj: unknown; msg: string | undefined }[] = [];
  const log = {
    info: (obj: object | string, msg?: string) => logged.push({ level: 'info', obj, msg }),
    warn: (obj: object | string, msg?: string) => logged.push({ level: 'warn', obj, msg }),
    error: (obj: object | string, msg?: string) => logged.push({ level: 'error', obj, msg }),
    debug: (obj: object | string, msg?: string) => logged.push({ level: 'debug', obj, msg }),
  };
  const activated: { key: string; cert: string }[] = [];
  let t: TestCore;
  let server: AuthdServer;
  let port: number;
  let ca: string;
  before(async () => {
    t = await createTestCore();
    const tls = await testTls();
    ca = tls.cert;
    server = createAuthdServer({ core: t.core, log, tls, version: '9.8.7', stallTimeoutMs: 300, onTlsChange: async (x) => void activated.push(x) });
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    await new Promise<void>((res) => server.close(() => res()));
    await t.close();
  });
  const connect = async (): Promise<VmserverdClient> => VmserverdClient.connect({ host: '127.0.0.1', port, ca });

  it('a failed login is logged with the user and the client address; replies carry the version given', async () => {
    const c = await connect();
    assert.equal(await c.command('USER administrator'), '331 Password required for administrator.');
    assert.equal(await c.command('PASS wrong-one'), '530 Login incorrect.');
    const entry = logged.find((l) => l.msg === 'authd login failed');
    assert.ok(entry, JSON.stringify(logged));
    assert.deepEqual([entry.level, (entry.obj as { user: string }).user, (entry.obj as { remote: string }).remote, (entry.obj as { err: string }).err], ['info', 'administrator', '127.0.0.1', 'invalid user name or password']);
    await c.login(ADMIN.user, ADMIN.password);
    const reply = await c.execRaw('inc', { number: 1 });
    assert.equal(reply.ok, true);
    assert.match(await rawExec(c, '<exec><op>inc</op><in><number>1</number></in></exec>'), /^<exec><product id="vmgate"><title>vmgate<\/title><version>9\.8\.7<\/version><build>9\.8\.7<\/build><\/product>/);
    c.close();
  });

  it('without maxFrameBytes the limit after login is 64 MiB: a 70 000-byte request is read', async () => {
    const c = await connect();
    await c.login(ADMIN.user, ADMIN.password);
    const padded = `<exec><op>inc</op><in><number>5</number></in>${' '.repeat(70_000)}</exec>`;
    assert.match(await rawExec(c, padded), /<out><number>6<\/number><\/out><\/exec>$/);
    c.close();
  });

  it('a frame that stops half-way after login: bad_frame after the stall time, then the connection closes', async () => {
    const c = await connect();
    await c.login(ADMIN.user, ADMIN.password);
    c.socket.write('EXEC 100\r\n<exec><op>');
    const item = await c.receive();
    const reply = VmserverdClient.parseReply(item);
    assert.equal(reply.ok, false);
    assert.deepEqual(!reply.ok && [reply.error.code, reply.error.message], ['bad_frame', 'timed out: the client stopped in the middle of a frame']);
    await until(() => c.socket.destroyed || c.socket.readableEnded, 5000, 'close');
  });

  it('Security_ActivateConfig: onTlsChange gets the new key and certificate, a warning names its fingerprint, new connections get it', async () => {
    const c = await connect();
    await c.login(ADMIN.user, ADMIN.password);
    const made = JSON.parse(JSON.stringify(await c.execValue('Security_CreateCertificate', { commonName: 'door.test', days: 2 }))) as { certificate: { fingerprint: string; pem: string } };
    await c.execValue('Security_ActivateConfig');
    assert.equal(activated.length, 1);
    assert.equal(activated[0]!.cert, made.certificate.pem);
    assert.match(activated[0]!.key, /^-----BEGIN (RSA |EC )?PRIVATE KEY-----/);
    const warn = logged.find((l) => l.level === 'warn');
    assert.deepEqual([warn?.msg, (warn?.obj as { fingerprint: string } | undefined)?.fingerprint], ['authd: a new certificate is active for new connections', made.certificate.fingerprint]);
    const fresh = await VmserverdClient.connect({ host: '127.0.0.1', port, ca: made.certificate.pem, servername: 'door.test' });
    assert.equal(fresh.socket.getPeerCertificate().fingerprint256, made.certificate.fingerprint);
    fresh.close();
    c.close();
    server.setTls(await testTls());
  });
});

describe('authdFace: the door as the server runs it', () => {
  it('is named authd, serves the door on the TCP listener it is given, and stop() ends open connections', async () => {
    const t = await createTestCore();
    const tls = await testTls();
    const started = await authdFace.start({ core: t.core, log: { info() {}, warn() {}, error() {}, debug() {} }, tls, version: '1.2.3' });
    assert.equal(authdFace.name, 'authd');
    assert.equal(authdFace.title, 'vmserverd exec API (authd door)');
    assert.equal(started.tcp?.note, 'TLS after the banner, then USER/PASS and EXEC frames');
    const listener = createServer((s) => started.tcp!.handleConnection(s));
    await new Promise<void>((res) => listener.listen(0, '127.0.0.1', () => res()));
    try {
      const c = await VmserverdClient.connect({ host: '127.0.0.1', port: (listener.address() as AddressInfo).port, ca: tls.cert });
      await c.login(ADMIN.user, ADMIN.password);
      assert.match(await rawExec(c, '<exec><op>inc</op><in><number>2</number></in></exec>'), /<version>1\.2\.3<\/version>.*<out><number>3<\/number><\/out>/);
      const closed = new Promise<void>((res) => c.socket.once('close', () => res()));
      assert.ok(started.stop, "the face can be stopped");
      await started.stop();
      await closed;
    } finally {
      await new Promise<void>((res) => listener.close(() => res()));
      await t.close();
    }
  });
});

/** One exec request; the reply document's text. */
async function rawExec(c: VmserverdClient, xml: string): Promise<string> {
  c.socket.write(encodeExecFrame(xml));
  const item = await c.receive();
  assert.equal(item.kind, 'frame', JSON.stringify(item));
  return item.kind === 'frame' ? item.body.toString('utf8') : '';
}

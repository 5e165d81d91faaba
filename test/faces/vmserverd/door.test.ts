import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { AUTHD_BANNER } from '../../../src/faces/vmserverd/authd-server.ts';
import { VmserverdConnectionError } from '../../../src/clients/vmserverd/index.ts';
import { ADMIN, startAuthd, until, type AuthdKit } from './kit.ts';

function python(script: string, timeoutMs = 20_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile('python3', ['-c', script], { encoding: 'utf8', timeout: timeoutMs }, (e, stdout, stderr) => res({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stdout, stderr }));
  });
}

describe('authd door', () => {
  let k: AuthdKit;
  before(async () => {
    k = await startAuthd({ idleTimeoutMs: 60_000 });
  });
  after(async () => k.close());

  it('greets with the VMware authd banner over plain TCP, then nothing until the client speaks', async () => {
    const r = await k.raw();
    await until(() => r.received().includes('\n'), 5000, 'banner');
    assert.equal(r.received(), AUTHD_BANNER + '\r\n');
    r.sock.destroy();
  });

  it("Node's tls.connect({ socket }) after the banner: TLS completes and USER/PASS log in (331, 230)", async () => {
    const c = await k.client();
    assert.equal(c.banner, AUTHD_BANNER);
    assert.equal(c.socket.authorized, true);
    assert.equal(await c.command(`USER ${ADMIN.user}`), `331 Password required for ${ADMIN.user}.`);
    assert.equal(await c.command(`PASS ${ADMIN.password}`), `230 User ${ADMIN.user} logged in.`);
    assert.equal(await c.inc(42), 43);
  });

  it("Python's ssl after reading the banner: handshake, login, one exec", async () => {
    const script = `
import socket, ssl
s = socket.create_connection(('127.0.0.1', ${k.port}), timeout=10)
f = b''
while not f.endswith(b'\\r\\n'): f += s.recv(1)
print(f.decode().strip())
ctx = ssl.create_default_context(cadata=${JSON.stringify(k.ca)})
t = ctx.wrap_socket(s, server_hostname='localhost')
def line():
    b = b''
    while not b.endswith(b'\\r\\n'): b += t.recv(1)
    return b.decode().strip()
t.sendall(b'USER ${ADMIN.user}\\r\\n'); print(line())
t.sendall(b'PASS ${ADMIN.password}\\r\\n'); print(line())
body = b'<exec><op>inc</op><in><number>41</number></in></exec>'
t.sendall(b'EXEC %d\\r\\n' % len(body) + body)
h = line(); print(h)
n = int(h.split()[1]); r = b''
while len(r) < n: r += t.recv(n - len(r))
print(r.decode())
t.sendall(b'QUIT\\r\\n'); print(line())
`;
    const r = await python(script);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines[0], AUTHD_BANNER);
    assert.equal(lines[1], `331 Password required for ${ADMIN.user}.`);
    assert.equal(lines[2], `230 User ${ADMIN.user} logged in.`);
    assert.match(lines[3]!, /^200 \d+$/);
    assert.match(lines[4]!, /<returncode>1<\/returncode><out><number>42<\/number><\/out><\/exec>$/);
    assert.match(lines[4]!, /^<exec><product id="vmgate"><title>vmgate<\/title><version>[^<]+<\/version><build>[^<]+<\/build><\/product>/);
    assert.equal(lines[5], '221 Goodbye.');
  });

  it('a wrong password is 530 Login incorrect and the connection may try again', async () => {
    const c = await k.client();
    assert.equal(await c.command('USER administrator'), '331 Password required for administrator.');
    assert.equal(await c.command('PASS wrong-password'), '530 Login incorrect.');
    assert.equal(await c.command('USER nobody-here'), '331 Password required for nobody-here.');
    assert.equal(await c.command('PASS whatever'), '530 Login incorrect.');
    await c.login(ADMIN.user, ADMIN.password);
    assert.equal(await c.dec(1), 0);
  });

  it('before login: other commands, PASS without USER and EXEC frames get 530 Please login; bad arguments get 501', async () => {
    const c = await k.client();
    assert.equal(await c.command('HELLO'), '530 Please login with USER and PASS');
    assert.equal(await c.command('PASS secret'), '530 Please login with USER and PASS');
    assert.equal(await c.command('USER'), '501 Invalid arguments');
    assert.equal(await c.command('USER a b'), '501 Invalid arguments');
    assert.equal(await c.command('USER administrator'), '331 Password required for administrator.');
    assert.equal(await c.command('PASS'), '501 Invalid arguments');
    await assert.rejects(c.execRaw('inc', { number: 1 }), (e: unknown) => e instanceof VmserverdConnectionError && e.line === '530 Please login with USER and PASS');
    // Still usable after all that.
    await c.login(ADMIN.user, ADMIN.password);
    assert.equal(await c.inc(1), 2);
  });

  it('plain text where TLS is required: the 530 line, the connection closes, no credential is read', async () => {
    const r = await k.raw();
    await until(() => r.received().includes('\n'), 5000, 'banner');
    r.sock.write(`USER ${ADMIN.user}\r\nPASS ${ADMIN.password}\r\n`);
    await r.closed;
    assert.equal(r.received(), AUTHD_BANNER + '\r\n' + '530 Please login with USER and PASS\r\n');
  });

  it('before login a large frame is refused at once (501) and the connection closes', async () => {
    const c = await k.client();
    assert.equal(await c.command('EXEC 100000'), '501 a frame of 100000 bytes is larger than the limit of 65536 bytes');
    await until(() => c.socket.destroyed || c.socket.readableEnded, 5000, 'close');
  });

  it('three failed PASS on one connection close it', async () => {
    const c = await k.client();
    for (let i = 0; i < 3; i++) {
      assert.equal(await c.command('USER someone'), '331 Password required for someone.');
      assert.equal(await c.command('PASS nope'), '530 Login incorrect.');
    }
    await until(() => c.socket.destroyed || c.socket.readableEnded, 5000, 'close');
  });

  it('a TLS client that never finishes its handshake does not stop others', async () => {
    const r = await k.raw();
    await until(() => r.received().includes('\n'), 5000, 'banner');
    r.sock.write(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x40])); // a record header, then silence
    const c = await k.admin();
    assert.equal(await c.inc(7), 8);
    r.sock.destroy();
  });
});

describe('authd door: lockout and timeouts', () => {
  let k: AuthdKit;
  before(async () => {
    // Timers long enough that a loaded machine's slow scrypt checks do not trip them mid-test.
    k = await startAuthd({ idleTimeoutMs: 2000, stallTimeoutMs: 2000, maxLoginAttempts: 10 }, { maxFailedLogins: 3 });
  });
  after(async () => k.close());

  it("lockout is core's: after 3 failures the right password is refused too", async () => {
    await k.t.core.identity.createUser(k.t.admin, { name: 'lockme', password: 'lockme-password-1' });
    const c = await k.client();
    for (let i = 0; i < 3; i++) {
      await c.command('USER lockme');
      assert.equal(await c.command('PASS wrong'), '530 Login incorrect.');
    }
    await c.command('USER lockme');
    assert.equal(await c.command('PASS lockme-password-1'), '530 Login incorrect.');
    const u = await k.t.core.identity.getUser(k.t.admin, 'lockme');
    assert.ok(u.lockedUntil, 'locked in the store');
    c.close();
  });

  it('an idle logged-in connection is closed with 421', async () => {
    const c = await k.admin();
    let got = '';
    c.socket.on('data', (d: Buffer) => (got += d.toString()));
    await until(() => c.socket.destroyed || c.socket.readableEnded, 20_000, 'idle close');
    assert.match(got, /^421 idle timeout/);
  });

  it('an idle connection before login is closed too', async () => {
    const c = await k.client();
    let got = '';
    c.socket.on('data', (d: Buffer) => (got += d.toString()));
    await until(() => c.socket.destroyed || c.socket.readableEnded, 20_000, 'idle close');
    assert.match(got, /^421 Idle timeout/);
  });

  it('a raw tls.connect after the banner also works without the client class', async () => {
    const r = await k.raw();
    await until(() => r.received().includes('\n'), 5000, 'banner');
    const s = tlsConnect({ socket: r.sock, ca: k.ca, servername: 'localhost' });
    await new Promise<void>((res, rej) => s.once('secureConnect', () => res()).once('error', rej));
    let got = '';
    s.on('data', (d: Buffer) => (got += d.toString()));
    s.write('USER administrator\r\n');
    await until(() => got.includes('\n'), 5000, 'reply');
    assert.equal(got, '331 Password required for administrator.\r\n');
    s.destroy();
  });
});

/**
 * The authd door over a real TCP socket: banner, TLS on the same socket, USER/PASS against
 * vmgate's identity (lockout included), plain text refused before any credential is read.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect as netConnect, type AddressInfo, type Server, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AUTHD_BANNER, createAuthdServer } from '../../../src/faces/vmserverd/authd-server.ts';
import { loadOrCreateTls } from '../../../src/server/tls.ts';
import { createTestCore, type TestCore } from '../../support/core-harness.ts';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined } as never;

/** Reads CRLF-terminated lines from a socket, in order. */
function lineReader(sock: Socket | TLSSocket): { next(): Promise<string>; closed: Promise<void> } {
  let buf = '';
  const lines: string[] = [];
  const waiters: Array<(l: string) => void> = [];
  sock.on('data', (d: Buffer) => {
    buf += d.toString('utf8');
    let i: number;
    while ((i = buf.indexOf('\r\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const w = waiters.shift();
      if (w) w(line);
      else lines.push(line);
    }
  });
  const closed = new Promise<void>((resolve) => sock.once('close', () => resolve()));
  return {
    next: () => {
      const l = lines.shift();
      if (l !== undefined) return Promise.resolve(l);
      return new Promise<string>((resolve, reject) => {
        waiters.push(resolve);
        void closed.then(() => reject(new Error('connection closed before a line came')));
      });
    },
    closed,
  };
}

describe('authd door over a real socket', () => {
  let t: TestCore;
  let server: Server;
  let port: number;
  let tlsDir: string;

  before(async () => {
    t = await createTestCore({ config: { maxFailedLogins: 3, lockoutSeconds: 600 } });
    await t.user('alice', 'read-only');
    tlsDir = await mkdtemp(join(tmpdir(), 'vmgate-authd-'));
    const tls = await loadOrCreateTls(tlsDir);
    server = createAuthdServer({ core: t.core, log: silent, tls });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await t.close();
    await rm(tlsDir, { recursive: true, force: true });
  });

  /** Connects, reads the banner, then starts TLS on the same socket. */
  async function login(): Promise<{ tls: TLSSocket; lines: ReturnType<typeof lineReader> }> {
    const raw = netConnect(port, '127.0.0.1');
    const banner = await new Promise<string>((resolve, reject) => {
      let b = '';
      const onData = (d: Buffer): void => {
        b += d.toString('utf8');
        const i = b.indexOf('\r\n');
        if (i >= 0) {
          raw.off('data', onData);
          raw.pause();
          resolve(b.slice(0, i));
        }
      };
      raw.on('data', onData);
      raw.once('error', reject);
    });
    assert.equal(banner, AUTHD_BANNER);
    const tls = tlsConnect({ socket: raw, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      tls.once('secureConnect', resolve);
      tls.once('error', reject);
    });
    return { tls, lines: lineReader(tls) };
  }

  it('greets with the banner of VMware authd', async () => {
    const raw = netConnect(port, '127.0.0.1');
    const lines = lineReader(raw);
    assert.equal(await lines.next(), '220 VMware Authentication Daemon Version 1.10: SSL Required, ServerDaemonProtocol:SOAP, MKSDisplayProtocol:VNC , ,');
    raw.destroy();
  });

  it('refuses plain text with 530 and closes, before any credential is read', async () => {
    const raw = netConnect(port, '127.0.0.1');
    const lines = lineReader(raw);
    await lines.next();
    raw.write('USER alice\r\n');
    assert.equal(await lines.next(), '530 Please login with USER and PASS over SSL: this server requires SSL');
    await lines.closed;
  });

  it('USER/PASS over TLS: a wrong password is 530, the right one 230', async () => {
    const { tls, lines } = await login();
    tls.write('PASS alice-password-1\r\n');
    assert.equal(await lines.next(), '503 Login with USER first.');
    tls.write('USER alice\r\n');
    assert.equal(await lines.next(), '331 Password required for alice.');
    tls.write('PASS not-her-password\r\n');
    assert.equal(await lines.next(), '530 Login incorrect.');
    tls.write('USER alice\r\n');
    assert.equal(await lines.next(), '331 Password required for alice.');
    tls.write('PASS alice-password-1\r\n');
    assert.equal(await lines.next(), '230 User alice logged in.');
    assert.equal(await lines.next(), '500 the vmserverd exec API is not enabled on this server');
    await lines.closed;
  });

  it('before login: unknown commands are 530, USER and PASS without arguments 501, QUIT 221 and closes', async () => {
    const { tls, lines } = await login();
    tls.write('LIST\r\n');
    assert.equal(await lines.next(), '530 Please login with USER and PASS.');
    tls.write('USER\r\n');
    assert.equal(await lines.next(), '501 Invalid arguments');
    tls.write('USER alice\r\n');
    assert.equal(await lines.next(), '331 Password required for alice.');
    tls.write('PASS\r\n');
    assert.equal(await lines.next(), '501 Invalid arguments');
    tls.write('quit\r\n');
    assert.equal(await lines.next(), '221 Goodbye.');
    await lines.closed;
  });

  it('shares the lockout of core: the third wrong password locks the account, then the right one is refused', async () => {
    await t.user('bob', 'read-only');
    const { tls, lines } = await login();
    for (let i = 1; i <= 3; i++) {
      tls.write('USER bob\r\n');
      assert.equal(await lines.next(), '331 Password required for bob.');
      tls.write(`PASS wrong-password-${i}\r\n`);
      assert.equal(await lines.next(), '530 Login incorrect.', `attempt ${i}`);
    }
    tls.write('USER bob\r\n');
    assert.equal(await lines.next(), '331 Password required for bob.');
    tls.write('PASS bob-password-1\r\n');
    assert.equal(await lines.next(), '530 Login incorrect.');
    const user = await t.core.identity.resolveUser('bob');
    assert.ok(user.lockedUntil, 'core recorded the lockout');
    tls.destroy();
  });

  it('an unknown user is 530 like a wrong password', async () => {
    const { tls, lines } = await login();
    tls.write('USER nobody\r\n');
    assert.equal(await lines.next(), '331 Password required for nobody.');
    tls.write('PASS whatever-it-is\r\n');
    assert.equal(await lines.next(), '530 Login incorrect.');
    tls.destroy();
  });

  it('reads pipelined, LF-only, lower-case and padded commands in order; a failed PASS forgets the user', async () => {
    const { tls, lines } = await login();
    tls.write('user alice\nPASS wrong-password-x\r\nPASS alice-password-1\r\n');
    assert.equal(await lines.next(), '331 Password required for alice.');
    assert.equal(await lines.next(), '530 Login incorrect.');
    assert.equal(await lines.next(), '503 Login with USER first.');
    tls.write('  USER   alice  \r\n');
    assert.equal(await lines.next(), '331 Password required for alice.');
    tls.write('pass alice-password-1\r\n');
    assert.equal(await lines.next(), '230 User alice logged in.');
    await lines.closed;
  });

  it('a line longer than 4096 bytes without an end is refused with 501 and the connection closed', async () => {
    const { tls, lines } = await login();
    tls.write('USER ' + 'a'.repeat(5000));
    assert.equal(await lines.next(), '501 Line too long');
    await lines.closed;
  });

  it('after 230 the socket goes to the exec face (onLogin) with the user name', async () => {
    const handedOver: string[] = [];
    const tls2 = await loadOrCreateTls(tlsDir);
    const withExec = createAuthdServer({
      core: t.core,
      log: silent,
      tls: tls2,
      onLogin: (sock, userName) => {
        handedOver.push(userName);
        sock.end('EXEC face here\r\n');
      },
    });
    await new Promise<void>((resolve) => withExec.listen(0, '127.0.0.1', resolve));
    const savedPort = port;
    port = (withExec.address() as AddressInfo).port;
    try {
      const { tls, lines } = await login();
      tls.write('USER alice\r\nPASS alice-password-1\r\n');
      assert.equal(await lines.next(), '331 Password required for alice.');
      assert.equal(await lines.next(), '230 User alice logged in.');
      assert.equal(await lines.next(), 'EXEC face here');
      await lines.closed;
      assert.deepEqual(handedOver, ['alice']);
    } finally {
      port = savedPort;
      await new Promise<void>((resolve) => withExec.close(() => resolve()));
    }
  });

  it('a blank line before login is 530; a client that resets the connection (plain or TLS) leaves the server serving', async () => {
    const { tls, lines } = await login();
    tls.on('error', () => undefined);
    tls.write('\r\n');
    assert.equal(await lines.next(), '530 Please login with USER and PASS.');
    tls.destroy();
    const raw = netConnect(port, '127.0.0.1');
    raw.on('error', () => undefined);
    const rawLines = lineReader(raw);
    assert.equal(await rawLines.next(), AUTHD_BANNER);
    raw.resetAndDestroy();
    const third = await login();
    third.tls.write('USER alice\r\nPASS alice-password-1\r\n');
    assert.equal(await third.lines.next(), '331 Password required for alice.');
    assert.equal(await third.lines.next(), '230 User alice logged in.');
    await third.lines.closed;
  });
});

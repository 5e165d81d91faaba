/**
 * The door's local login (VIX: connect to the local host as the current user): LOCAL
 * writes a one-time ticket into a file only the named OS account can read; TICKET with
 * its contents logs in once. Real TLS, real files.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isLoopback } from '../../../src/faces/vmserverd/local-login.ts';
import { startAuthd, type AuthdKit } from './kit.ts';

describe('authd local login (LOCAL / TICKET)', () => {
  let k: AuthdKit;
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vmgate-tickets-'));
    await chmod(dir, 0o711); // as vmgate serve makes its ticket directory
    k = await startAuthd({ localTicketDir: join(dir, 'tickets') });
  });
  after(async () => {
    await k.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('the OS account running the server gets a 0400 ticket file in a 0711 directory; the ticket logs in as administrator, once', async () => {
    const me = userInfo();
    const c = await k.client();
    const l = await c.command(`LOCAL ${me.username}`);
    assert.match(l, /^334 \//);
    const path = l.slice(4);
    assert.equal(dirname(path), join(dir, 'tickets'));
    const st = await stat(path);
    assert.equal(st.mode & 0o777, 0o400);
    assert.equal(st.uid, me.uid);
    assert.equal((await stat(join(dir, 'tickets'))).mode & 0o777, 0o711);
    const ticket = await readFile(path, 'utf8');
    assert.match(ticket, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(await c.command(`TICKET ${ticket}`), '230 User administrator logged in.');
    assert.equal(await c.isAdminUser(), true);
    const again = await k.client();
    assert.equal(await again.command(`TICKET ${ticket}`), '530 Login incorrect.', 'a ticket works once');
    assert.equal(await again.command('TICKET not-a-ticket'), '530 Login incorrect.');
  });

  it('the VmserverdClient logs in as the current user', async () => {
    const c = await k.client();
    await c.loginAsCurrentUser();
    assert.equal(await c.inc(1), 2);
  });

  it('another OS account maps to the vmgate user of its name (the file is theirs); none of that name: refused', { skip: userInfo().uid !== 0 ? 'the server must run as root to hand files to another account' : false }, async () => {
    const c = await k.client();
    assert.equal(await c.command('LOCAL nobody'), '530 Login incorrect.', 'no vmgate user nobody yet');
    await k.t.user('nobody', 'read-only');
    const l = await c.command('LOCAL nobody');
    assert.match(l, /^334 \//);
    const st = await stat(l.slice(4));
    assert.deepEqual([st.uid, st.mode & 0o777], [65534, 0o400]);
    const asNobody = spawnSync('runuser', ['-u', 'nobody', '--', 'cat', l.slice(4)], { encoding: 'utf8' });
    assert.equal(asNobody.status, 0, asNobody.stderr);
    assert.match(asNobody.stdout, /^[A-Za-z0-9_-]{43}$/, 'nobody reads its ticket');
    const asDaemon = spawnSync('runuser', ['-u', 'daemon', '--', 'cat', l.slice(4)], { encoding: 'utf8' });
    assert.notEqual(asDaemon.status, 0, 'another account cannot');
    assert.match(asDaemon.stderr, /Permission denied/);
    assert.equal(await c.command(`TICKET ${await readFile(l.slice(4), 'utf8')}`), '230 User nobody logged in.');
    assert.equal(await c.isAdminUser(), false);
  });

  it('an OS account that does not exist, or a bad name, is refused', async () => {
    const c = await k.client();
    assert.equal(await c.command('LOCAL no-such-account-x'), '530 no OS account no-such-account-x');
    assert.equal(await c.command('LOCAL ../../etc'), '530 not an OS account name');
    assert.equal(await c.command('LOCAL'), '501 Invalid arguments');
  });

  it('a door without a ticket directory has no local login', async () => {
    const plain = await startAuthd();
    try {
      const c = await plain.client();
      assert.equal(await c.command('LOCAL root'), '502 Local login is not enabled on this server');
      assert.equal(await c.command('TICKET abc'), '502 Local login is not enabled on this server');
    } finally {
      await plain.close();
    }
  });

  it('only loopback addresses count as this machine', () => {
    assert.equal(isLoopback('127.0.0.1'), true);
    assert.equal(isLoopback('127.8.9.10'), true);
    assert.equal(isLoopback('::1'), true);
    assert.equal(isLoopback('::ffff:127.0.0.1'), true);
    assert.equal(isLoopback('10.0.0.1'), false);
    assert.equal(isLoopback('::ffff:10.0.0.1'), false);
    assert.equal(isLoopback('1127.0.0.1'), false);
  });
});

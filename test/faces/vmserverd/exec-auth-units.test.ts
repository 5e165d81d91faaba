/**
 * Unit tests of the vmserverd face's error table and the local login's pieces, one layer
 * alone: every core error kind's exec `<error><code>`, internal errors kept out of the
 * reply, the face's own errors passed through; the OS account mapping (names, the server's
 * own account, root's) and the ticket file (mode, owner, directory mode), on real files.
 * Expected values written by hand from docs/faces/vmserverd.md.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ERROR_KINDS, VmgateError } from '../../../src/core/errors.ts';
import type { ErrorKind } from '../../../src/core/errors.ts';
import { ExecError, toExecFailure } from '../../../src/faces/vmserverd/errors.ts';
import { LOCAL_ADMIN_USER, LocalLoginRefused, mapOsUser, writeTicketFile } from '../../../src/faces/vmserverd/local-login.ts';

describe('exec error codes per core error kind', () => {
  const matrix: [ErrorKind, string][] = [
    ['not_found', 'not_found'],
    ['already_exists', 'already_exists'],
    ['invalid_argument', 'bad_argument'],
    ['not_allowed_in_current_state', 'invalid_state'],
    ['unauthenticated', 'not_authenticated'],
    ['unauthorized', 'permission_denied'],
    ['resource_busy', 'busy'],
    ['resource_exhausted', 'busy'],
    ['timed_out', 'timed_out'],
    ['unsupported', 'unsupported'],
    ['cancelled', 'cancelled'],
  ];

  it('the matrix names every core kind but internal once', () => {
    assert.deepEqual([...matrix.map((m) => m[0]), 'internal'].sort(), [...ERROR_KINDS].sort());
  });

  for (const [kind, code] of matrix) {
    it(`${kind} → ${code}, with core's message`, () => {
      assert.deepEqual(toExecFailure(new VmgateError(kind, `core says ${kind}`, { module: 'core.test' })), { code, message: `core says ${kind}` });
    });
  }

  it('internal → internal, its details only in the server log', () => {
    assert.deepEqual(toExecFailure(new VmgateError('internal', 'SQLITE_CORRUPT at /var/lib/vmgate', { module: 'store' })), { code: 'internal', message: 'internal error (see the server log)' });
    assert.deepEqual(toExecFailure(new TypeError("cannot read properties of undefined (reading 'id')")), { code: 'internal', message: 'internal error (see the server log)' });
  });

  it('an aborted operation is cancelled', () => {
    const abort = new Error('This operation was aborted');
    abort.name = 'AbortError';
    assert.deepEqual(toExecFailure(abort), { code: 'cancelled', message: 'the operation was cancelled' });
  });

  it("the face's own errors keep their code and message", () => {
    assert.deepEqual(toExecFailure(new ExecError('permission_denied', 'VMServerd_Shutdown is for administrators only')), { code: 'permission_denied', message: 'VMServerd_Shutdown is for administrators only' });
    assert.deepEqual(toExecFailure(new ExecError('unknown_op', "unknown operation 'X'")), { code: 'unknown_op', message: "unknown operation 'X'" });
    const e = new ExecError('malformed_xml', 'not well-formed');
    assert.equal(e.name, 'ExecError');
    assert.ok(e instanceof Error);
  });
});

describe('local login: the OS account a ticket is for', () => {
  it('the account running the server is administrator', async () => {
    const me = userInfo();
    assert.deepEqual(await mapOsUser(me.username), { uid: me.uid, gid: me.gid, vmgateUser: 'administrator' });
    assert.equal(LOCAL_ADMIN_USER, 'administrator');
  });

  it('names that are not OS account names are refused before any lookup', async () => {
    for (const bad of ['', '../etc', 'a b', '-rf', '1abc', 'x'.repeat(33), 'na:me', 'root\n']) {
      await assert.rejects(mapOsUser(bad), (e: unknown) => e instanceof LocalLoginRefused && e.message === 'not an OS account name', JSON.stringify(bad));
    }
  });

  it('names of the allowed shape reach the account lookup', async () => {
    for (const name of ['a', '_svc', 'Mixed.Case-1', `a${'b'.repeat(31)}`, 'machine$']) {
      await assert.rejects(mapOsUser(name), (e: unknown) => e instanceof LocalLoginRefused && e.message !== 'not an OS account name', name);
    }
  });

  it('as root: another account is the vmgate user of its name; uid 0 is administrator; an unknown one is refused', { skip: userInfo().uid !== 0 ? 'the server must run as root to map other accounts' : false }, async () => {
    assert.deepEqual(await mapOsUser('nobody'), { uid: 65534, gid: 65534, vmgateUser: 'nobody' });
    assert.deepEqual(await mapOsUser('daemon'), { uid: 1, gid: 1, vmgateUser: 'daemon' });
    await assert.rejects(mapOsUser('no-such-account-x'), (e: unknown) => e instanceof LocalLoginRefused && e.message === 'no OS account no-such-account-x');
    await assert.rejects(mapOsUser('nobod'), (e: unknown) => e instanceof LocalLoginRefused && e.message === 'no OS account nobod');
  });
});

describe('local login: the ticket file', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('is a new 0400 file holding the ticket, in a directory made 0711, owned by the account', async () => {
    const base = await mkdtemp(join(tmpdir(), 'vmgate-ticket-unit-'));
    dirs.push(base);
    const dir = join(base, 'tickets');
    const me = userInfo();
    const path = await writeTicketFile(dir, 'the-ticket', { uid: me.uid, gid: me.gid });
    assert.equal(dirname(path), dir);
    assert.match(path.slice(dir.length + 1), /^vix-[0-9a-f]{32}$/);
    assert.equal(await readFile(path, 'utf8'), 'the-ticket');
    const st = await stat(path);
    assert.deepEqual([st.mode & 0o777, st.uid, st.gid], [0o400, me.uid, me.gid]);
    assert.equal((await stat(dir)).mode & 0o777, 0o711);
    const second = await writeTicketFile(dir, 'another', { uid: me.uid, gid: me.gid });
    assert.notEqual(second, path);
  });

  it('as root: handed to another account', { skip: userInfo().uid !== 0 ? 'only root can hand a file to another account' : false }, async () => {
    const base = await mkdtemp(join(tmpdir(), 'vmgate-ticket-unit-'));
    dirs.push(base);
    const path = await writeTicketFile(base, 't', { uid: 65534, gid: 65534 });
    const st = await stat(path);
    assert.deepEqual([st.mode & 0o777, st.uid, st.gid], [0o400, 65534, 65534]);
    assert.equal((await stat(base)).mode & 0o777, 0o711, 'an existing directory is made 0711 too');
  });

  it('as root: an owner that differs only in its user, or only in its group, is given the file too', { skip: userInfo().uid !== 0 ? 'only root can hand a file to another account' : false }, async () => {
    const base = await mkdtemp(join(tmpdir(), 'vmgate-ticket-unit-'));
    dirs.push(base);
    const me = userInfo();
    const userOnly = await stat(await writeTicketFile(base, 't1', { uid: 65534, gid: me.gid }));
    assert.deepEqual([userOnly.uid, userOnly.gid], [65534, me.gid]);
    const groupOnly = await stat(await writeTicketFile(base, 't2', { uid: me.uid, gid: 65534 }));
    assert.deepEqual([groupOnly.uid, groupOnly.gid], [me.uid, 65534]);
  });
});

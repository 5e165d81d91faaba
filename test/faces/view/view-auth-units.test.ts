/**
 * Unit tests of the View broker face's error mapping and session cookie handling, one
 * layer alone (no server): every core error kind's View code for a plain operation and for
 * a desktop launch, the user messages, internal errors keeping their details out, the
 * JSESSIONID cookie read and written, and the pre-login store's expiry and bound. Expected
 * values are written by hand from docs/faces/view.md.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ERROR_KINDS, VmgateError } from '../../../src/core/errors.ts';
import type { ErrorKind } from '../../../src/core/errors.ts';
import { LAUNCH_ERROR_TABLE, fromThrown, viewError } from '../../../src/faces/view/errors.ts';
import { PreLoginStore, isPreLoginId, readCookie, setCookie } from '../../../src/faces/view/session.ts';

const err = (kind: ErrorKind, message = `core says ${kind}`) => new VmgateError(kind, message, { module: 'core.test' });

describe('View error codes per core error kind', () => {
  // [kind, code for an operation, code for get-desktop-connection]
  const matrix: [ErrorKind, string, string][] = [
    ['not_found', 'NOT_ENTITLED', 'NOT_ENTITLED'],
    ['already_exists', 'INVALID_REQUEST', 'DESKTOP_LAUNCH_ERROR'],
    ['invalid_argument', 'INVALID_REQUEST', 'DESKTOP_LAUNCH_ERROR'],
    ['not_allowed_in_current_state', 'OPERATION_FAILED', 'DESKTOP_LAUNCH_ERROR'],
    ['unauthenticated', 'NOT_AUTHENTICATED', 'NOT_AUTHENTICATED'],
    ['unauthorized', 'NOT_ENTITLED', 'NOT_ENTITLED'],
    ['resource_busy', 'OPERATION_FAILED', 'DESKTOP_LAUNCH_ERROR'],
    ['resource_exhausted', 'OPERATION_FAILED', 'DESKTOP_LAUNCH_ERROR'],
    ['timed_out', 'OPERATION_FAILED', 'DESKTOP_LAUNCH_ERROR'],
    ['unsupported', 'NOT_SUPPORTED', 'DESKTOP_LAUNCH_ERROR'],
    ['cancelled', 'OPERATION_FAILED', 'DESKTOP_LAUNCH_ERROR'],
    ['internal', 'OPERATION_FAILED', 'DESKTOP_LAUNCH_ERROR'],
  ];

  it('the matrix names every core kind once', () => {
    assert.deepEqual(matrix.map((m) => m[0]).sort(), [...ERROR_KINDS].sort());
  });

  for (const [kind, plain, launch] of matrix) {
    it(`${kind}: ${plain} for an operation, ${launch} for a launch`, () => {
      assert.equal(fromThrown(err(kind)).code, plain);
      assert.equal(fromThrown(err(kind), LAUNCH_ERROR_TABLE).code, launch);
    });
  }
});

describe('View error messages', () => {
  it('a user message per code, as a person reads it', () => {
    const want: [Parameters<typeof viewError>[0], string][] = [
      ['ALREADY_AUTHENTICATED', 'You are already logged in.'],
      ['AUTHENTICATION_FAILED', 'Authentication failed.'],
      ['NOT_AUTHENTICATED', 'Your session has ended or you are not logged in. Please log in.'],
      ['NOT_ENTITLED', 'You are not entitled to this desktop.'],
      ['DESKTOP_LAUNCH_ERROR', 'The desktop could not be launched.'],
      ['TUNNEL_ERROR', 'The secure tunnel could not be set up.'],
      ['UNSUPPORTED_VERSION', 'This client version is not supported by the server.'],
      ['PROTOCOL_ERROR', 'The client sent a request the server cannot read.'],
      ['INVALID_REQUEST', 'The request is not valid.'],
      ['OPERATION_FAILED', 'The operation failed.'],
      ['NOT_SUPPORTED', 'The server does not support this operation.'],
    ];
    for (const [code, text] of want) assert.deepEqual(viewError(code, 'detail'), { code, message: 'detail', userMessage: text }, code);
    assert.deepEqual(viewError('AUTHENTICATION_FAILED', 'locked', 'Your account is locked.'), { code: 'AUTHENTICATION_FAILED', message: 'locked', userMessage: 'Your account is locked.' });
  });

  it('a refusal keeps core’s message for the log; the user reads the code’s message', () => {
    assert.deepEqual(fromThrown(err('unauthorized', "no right to pool 'gold'")), {
      code: 'NOT_ENTITLED',
      message: "no right to pool 'gold'",
      userMessage: 'You are not entitled to this desktop.',
      internal: false,
    });
  });

  it('a launch failure shows the user core’s reason after the code’s message', () => {
    assert.deepEqual(fromThrown(err('resource_exhausted', "no free desktop in pool 'gold'"), LAUNCH_ERROR_TABLE), {
      code: 'DESKTOP_LAUNCH_ERROR',
      message: "no free desktop in pool 'gold'",
      userMessage: "The desktop could not be launched. no free desktop in pool 'gold'",
      internal: false,
    });
  });

  it('an internal error (or anything thrown that is not core’s) says "internal error", never its details', () => {
    assert.deepEqual(fromThrown(new Error('SQLITE_BUSY: database is locked at /var/lib/vmgate/db')), {
      code: 'OPERATION_FAILED',
      message: 'internal error',
      userMessage: 'The operation failed.',
      internal: true,
    });
    assert.deepEqual(fromThrown(err('internal', 'stack details'), LAUNCH_ERROR_TABLE), {
      code: 'DESKTOP_LAUNCH_ERROR',
      message: 'internal error',
      userMessage: 'The desktop could not be launched. internal error',
      internal: true,
    });
  });
});

describe('the JSESSIONID cookie', () => {
  it('reads the named cookie among others, the last one winning, quotes removed', () => {
    assert.equal(readCookie('a=1; JSESSIONID=abc.DEF_1-2~; b=2', 'JSESSIONID'), 'abc.DEF_1-2~');
    assert.equal(readCookie('JSESSIONID=first; JSESSIONID=second', 'JSESSIONID'), 'second');
    assert.equal(readCookie('JSESSIONID="quoted"', 'JSESSIONID'), 'quoted');
    assert.equal(readCookie(['x=1', ' JSESSIONID = spaced '], 'JSESSIONID'), 'spaced');
    assert.equal(readCookie('flag; JSESSIONID=v', 'JSESSIONID'), 'v');
  });

  it('none, another name, an empty value or characters outside the token alphabet: no cookie', () => {
    assert.equal(readCookie(undefined, 'JSESSIONID'), null);
    assert.equal(readCookie('', 'JSESSIONID'), null);
    assert.equal(readCookie('XJSESSIONID=abc; JSESSIONIDX=def', 'JSESSIONID'), null);
    assert.equal(readCookie('JSESSIONID=', 'JSESSIONID'), null);
    assert.equal(readCookie('JSESSIONID=a/b', 'JSESSIONID'), null);
    assert.equal(readCookie('JSESSIONID=a%20b', 'JSESSIONID'), null);
    assert.equal(readCookie('JSESSIONID=ok; JSESSIONID=bad value', 'JSESSIONID'), null);
  });

  it('a value of 256 characters is read, 257 is not', () => {
    assert.equal(readCookie(`JSESSIONID=${'a'.repeat(256)}`, 'JSESSIONID'), 'a'.repeat(256));
    assert.equal(readCookie(`JSESSIONID=${'a'.repeat(257)}`, 'JSESSIONID'), null);
  });

  it('is written HttpOnly, SameSite=Strict, for /broker; Secure on HTTPS; Max-Age only when given', () => {
    assert.equal(setCookie('JSESSIONID', 'v1', { secure: true }), 'JSESSIONID=v1; Path=/broker; HttpOnly; SameSite=Strict; Secure');
    assert.equal(setCookie('JSESSIONID', 'v1', { secure: false }), 'JSESSIONID=v1; Path=/broker; HttpOnly; SameSite=Strict');
    assert.equal(setCookie('JSESSIONID', '', { secure: true, maxAge: 0 }), 'JSESSIONID=; Path=/broker; HttpOnly; SameSite=Strict; Secure; Max-Age=0');
  });
});

describe('pre-login sessions', () => {
  it('are named p.<random>, start empty, and are told apart from core tokens', () => {
    const s = new PreLoginStore(() => 1000);
    const a = s.create();
    const b = s.create();
    assert.match(a.id, /^p\.[A-Za-z0-9_-]{24}$/);
    assert.notEqual(a.id, b.id);
    assert.deepEqual(a.entry, { locale: null, disclaimerAccepted: false, expired: null, createdAt: 1000 });
    assert.equal(isPreLoginId(a.id), true);
    assert.equal(isPreLoginId('0123456789abcdef'), false);
    assert.equal(isPreLoginId('xp.abc'), false);
    assert.equal(s.get(a.id), a.entry);
    assert.equal(s.size, 2);
    s.delete(a.id);
    assert.equal(s.get(a.id), undefined);
    assert.equal(s.size, 1);
  });

  it('last 15 minutes to the millisecond, then are forgotten', () => {
    let now = 0;
    const s = new PreLoginStore(() => now);
    const { id, entry } = s.create();
    now = 15 * 60 * 1000;
    assert.equal(s.get(id), entry);
    now = 15 * 60 * 1000 + 1;
    assert.equal(s.get(id), undefined);
    assert.equal(s.size, 0);
  });

  it('are bounded: when full, the oldest goes first', () => {
    const s = new PreLoginStore(() => 0, 3);
    const ids = [s.create().id, s.create().id, s.create().id];
    assert.equal(s.size, 3);
    const fourth = s.create().id;
    assert.equal(s.size, 3);
    assert.deepEqual([ids[0], ids[1], ids[2], fourth].map((id) => s.get(id) !== undefined), [false, true, true, true]);
  });
});

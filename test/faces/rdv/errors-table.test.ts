/**
 * The RDV face's error table entry by entry, written by hand from docs/faces/rdv.md: every
 * core error kind's VMError, a failed job's VMError per phase, the locales SetLocale
 * matches, DetailedErrorString, and the JobUpdated targets (configured addresses plus an
 * allowed ReplyTo, never twice, never one off the allow-list).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '../../../src/core/context.ts';
import { ERROR_KINDS } from '../../../src/core/errors.ts';
import type { ErrorKind } from '../../../src/core/errors.ts';
import { CallbackSender } from '../../../src/faces/rdv/callbacks.ts';
import { detailedError, jobErrorOf, matchLocale, vmErrorOf } from '../../../src/faces/rdv/errors.ts';

// [kind, VMError of a refusal, of a failed placement job, of a failed start job, of a failed resume job]
const MATRIX: [ErrorKind, string, string, string, string][] = [
  ['not_found', 'ERROR_VM_MISSING', 'ERROR_VM_MISSING', 'ERROR_VM_MISSING', 'ERROR_VM_MISSING'],
  ['already_exists', 'ERROR_VM_STATE', 'ERROR_VM_STATE', 'ERROR_VM_STATE', 'ERROR_VM_STATE'],
  ['invalid_argument', 'ERROR_VM_MISSING', 'ERROR_VM_MISSING', 'ERROR_VM_MISSING', 'ERROR_VM_MISSING'],
  ['not_allowed_in_current_state', 'ERROR_VM_STATE', 'ERROR_VM_STATE', 'ERROR_VM_STATE', 'ERROR_VM_STATE'],
  ['unauthenticated', 'ERROR_VM_NO_PERMISSION', 'ERROR_VM_NO_PERMISSION', 'ERROR_VM_NO_PERMISSION', 'ERROR_VM_NO_PERMISSION'],
  ['unauthorized', 'ERROR_VM_NO_PERMISSION', 'ERROR_VM_NO_PERMISSION', 'ERROR_VM_NO_PERMISSION', 'ERROR_VM_NO_PERMISSION'],
  ['resource_busy', 'ERROR_VM_LOCKED', 'ERROR_VM_LOCKED', 'ERROR_VM_LOCKED', 'ERROR_VM_LOCKED'],
  ['resource_exhausted', 'ERROR_VM_PLACEMENT', 'ERROR_VM_PLACEMENT', 'ERROR_VM_START', 'ERROR_VM_RESTORE'],
  ['timed_out', 'ERROR_SERVER_CONNECTION_LOST', 'ERROR_SERVER_CONNECTION_LOST', 'ERROR_SERVER_CONNECTION_LOST', 'ERROR_SERVER_CONNECTION_LOST'],
  ['unsupported', 'ERROR_VM_STATE', 'ERROR_VM_STATE', 'ERROR_VM_STATE', 'ERROR_VM_STATE'],
  ['cancelled', 'ERROR_VM_START', 'ERROR_VM_PLACEMENT', 'ERROR_VM_START', 'ERROR_VM_RESTORE'],
  ['internal', 'ERROR_SERVER_CONNECTION_SETUP', 'ERROR_VM_PLACEMENT', 'ERROR_VM_START', 'ERROR_VM_RESTORE'],
];

describe('RDV VMError per core error kind', () => {
  it('the matrix names every core kind once', () => {
    assert.deepEqual(MATRIX.map((m) => m[0]).sort(), [...ERROR_KINDS].sort());
  });

  for (const [kind, refusal, placement, start, resume] of MATRIX) {
    it(`${kind}: ${refusal} refused; as a job ${placement} / ${start} / ${resume}`, () => {
      assert.equal(vmErrorOf({ kind, reason: undefined }), refusal);
      assert.equal(jobErrorOf({ kind }, 'placement', false), placement);
      assert.equal(jobErrorOf({ kind }, 'start', false), start);
      assert.equal(jobErrorOf({ kind }, 'start', true), resume);
    });
  }

  it('a failed job outside placement with no phase is a failed start (or restore)', () => {
    assert.equal(jobErrorOf({ kind: 'internal' }, null, false), 'ERROR_VM_START');
    assert.equal(jobErrorOf({ kind: 'internal' }, null, true), 'ERROR_VM_RESTORE');
    assert.equal(jobErrorOf({ kind: 'internal' }, 'placement', true), 'ERROR_VM_PLACEMENT');
  });

  it('the reasons with their own VMError win over the kind; others do not change it', () => {
    assert.equal(vmErrorOf({ kind: 'internal', reason: 'no_host_fits' }), 'ERROR_VM_PLACEMENT');
    assert.equal(vmErrorOf({ kind: 'internal', reason: 'host_disconnected' }), 'ERROR_SERVER_CONNECTION_LOST');
    assert.equal(vmErrorOf({ kind: 'unauthenticated', reason: 'account_locked' }), 'ERROR_VM_NO_PERMISSION');
    assert.equal(vmErrorOf({ kind: 'not_found', reason: 'guest_auth_failed' }), 'ERROR_VM_MISSING');
    assert.equal(jobErrorOf({ kind: 'internal', reason: 'host_disconnected' }, 'placement', false), 'ERROR_SERVER_CONNECTION_LOST');
  });
});

describe('RDV locales and DetailedErrorString', () => {
  it('SetLocale accepts a locale or its language in any case, with _ or -, blanks around', () => {
    const cases: [string, string | null][] = [
      ['en-US', 'en-US'],
      ['EN-us', 'en-US'],
      [' de_DE ', 'de-DE'],
      ['DE', 'de-DE'],
      ['fr', 'fr-FR'],
      ['fr-CA', null],
      ['e', null],
      ['', null],
      ['en-US-x', null],
      ['de-DE_x', null],
    ];
    for (const [s, want] of cases) assert.equal(matchLocale(s), want, JSON.stringify(s));
  });

  it('is the localized sentence, then the detail in brackets when there is one', () => {
    assert.equal(detailedError('ERROR_VM_NO_PERMISSION', 'en-US', "no right to VM 'db-1'"), "You do not have permission for this virtual machine. (no right to VM 'db-1')");
    assert.equal(detailedError('ERROR_VM_MISSING', 'fr-FR', null), 'La machine virtuelle est introuvable.');
    assert.equal(detailedError('ERROR_VM_STATE', 'de-DE', ''), 'Der virtuelle Computer befindet sich nicht in einem Zustand, der diesen Vorgang erlaubt.');
  });
});

describe('JobUpdated targets', () => {
  const sender = (urls: string[], allow: string[]) => new CallbackSender(silentLogger, { urls, allow });

  it('the configured addresses, then an allowed ReplyTo', () => {
    const s = sender(['https://a.example/cb'], ['https://reply.example/rdv/']);
    assert.deepEqual(s.targets(null), ['https://a.example/cb']);
    assert.deepEqual(s.targets(''), ['https://a.example/cb']);
    assert.deepEqual(s.targets('https://reply.example/rdv/job-7'), ['https://a.example/cb', 'https://reply.example/rdv/job-7']);
  });

  it('a ReplyTo off the allow-list, or with no allow-list, is ignored', () => {
    assert.deepEqual(sender(['https://a.example/cb'], ['https://reply.example/rdv/']).targets('https://evil.example/rdv/'), ['https://a.example/cb']);
    assert.deepEqual(sender([], []).targets('https://reply.example/rdv/'), []);
  });

  it('a ReplyTo already configured is not added twice', () => {
    assert.deepEqual(sender(['https://a.example/cb'], ['https://a.example/']).targets('https://a.example/cb'), ['https://a.example/cb']);
  });

  it('the allow-list: a prefix that does not parse allows nothing; over-long addresses are refused', () => {
    const s = sender([], ['not a url', 'https://ok.example/']);
    assert.deepEqual(s.targets('https://ok.example/x'), ['https://ok.example/x']);
    assert.deepEqual(sender([], ['not a url']).targets('https://ok.example/x'), []);
    const long = `https://ok.example/${'a'.repeat(2048 - 'https://ok.example/'.length)}`;
    assert.equal(long.length, 2048);
    assert.deepEqual(s.targets(long), [long]);
    assert.deepEqual(s.targets(`${long}b`), []);
    assert.deepEqual(s.targets('https://:pw@ok.example/x'), []);
    assert.deepEqual(s.targets('https://user@ok.example/x'), []);
  });
});

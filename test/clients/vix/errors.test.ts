/** The VIX error macros, texts, and the exec-face → VIX table, entry by entry (hand-written expectations). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EXEC_TO_VIX, VIX_ERROR_CODE, VIX_FAILED, VIX_SUCCEEDED, Vix_GetErrorText, vixErrorOf } from '../../../src/clients/vix/index.ts';
import type { ErrorContext } from '../../../src/clients/vix/index.ts';

describe('VIX error macros', () => {
  it('VIX_ERROR_CODE keeps the low 16 bits, also of values above 2^32', () => {
    assert.equal(VIX_ERROR_CODE(4), 4);
    assert.equal(VIX_ERROR_CODE(0x1_0000_0004), 4);
    assert.equal(VIX_ERROR_CODE(0xabcd_0fa0), 4000);
    assert.equal(VIX_ERROR_CODE(0), 0);
  });
  it('VIX_SUCCEEDED / VIX_FAILED', () => {
    assert.equal(VIX_SUCCEEDED(0), true);
    assert.equal(VIX_FAILED(0), false);
    assert.equal(VIX_SUCCEEDED(3000), false);
    assert.equal(VIX_FAILED(3000), true);
  });
  it('Vix_GetErrorText names the code, whatever the higher bits', () => {
    assert.equal(Vix_GetErrorText(0, null), 'The operation was successful');
    assert.equal(Vix_GetErrorText(3000, null), 'Timed out waiting for VMware Tools in the guest');
    assert.equal(Vix_GetErrorText(0x7_0000_0000 + 35, 'de'), 'Authentication failed: the host refused the user name or password');
    assert.equal(Vix_GetErrorText(1000), 'The handle is not a valid VIX object (never opened, or released)');
    assert.equal(Vix_GetErrorText(59999), 'Unknown error 59999');
  });
});

describe('exec face codes → VIX errors (one table)', () => {
  const contexts: ErrorContext[] = ['host', 'vm', 'powerOn', 'power', 'tools', 'guest', 'snapshot'];
  // [code, host, vm, powerOn, power, tools, guest, snapshot] — written by hand from vix.h's values.
  const expected: [string, number, number, number, number, number, number, number][] = [
    ['unknown_op', 6, 6, 6, 6, 6, 6, 6],
    ['bad_argument', 3, 3, 3, 3, 3, 3, 3],
    ['malformed_xml', 2002, 2002, 2002, 2002, 2002, 2002, 2002],
    ['not_found', 25, 4000, 4000, 4000, 4000, 4, 13003],
    ['already_exists', 23, 4004, 23, 23, 23, 12, 23],
    ['invalid_state', 5, 3007, 3007, 3006, 3006, 3016, 13000],
    ['permission_denied', 3014, 3014, 3014, 3014, 3014, 3014, 3014],
    ['not_authenticated', 35, 35, 35, 35, 35, 3024, 35],
    ['busy', 5, 5, 5, 5, 5, 5, 5],
    ['timed_out', 1, 1, 1, 1, 3000, 1, 1],
    ['unsupported', 6, 6, 6, 6, 6, 3003, 6],
    ['cancelled', 10, 10, 10, 10, 10, 10, 10],
    ['frame_too_large', 3, 3, 3, 3, 3, 3, 3],
    ['bad_frame', 36, 36, 36, 36, 36, 36, 36],
    ['internal', 1, 1, 1, 1, 1, 1, 1],
  ];
  for (const [code, ...want] of expected) {
    it(`${code}`, () => {
      assert.deepEqual(
        contexts.map((c) => vixErrorOf(code, c)),
        want,
      );
    });
  }
  it('covers every code of the face (docs/faces/vmserverd.md) and nothing else', () => {
    assert.deepEqual([...EXEC_TO_VIX.keys()].sort(), expected.map((e) => e[0]).sort());
  });
  it('a code the SDK does not know is VIX_E_FAIL', () => {
    assert.equal(vixErrorOf('some_future_code', 'vm'), 1);
  });
});

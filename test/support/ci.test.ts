import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isCI, skipUnlessAvailable } from './ci.ts';

describe('isCI: only CI=true and CI=1 mean CI', () => {
  const cases: ReadonlyArray<readonly [string | undefined, boolean]> = [
    ['true', true],
    ['TRUE', true],
    ['1', true],
    [undefined, false],
    ['', false],
    ['0', false],
    ['false', false],
    ['no', false],
    ['yes', false],
  ];
  for (const [value, expected] of cases) {
    it(`CI=${value === undefined ? '(unset)' : JSON.stringify(value)} is ${expected ? '' : 'not '}CI`, () => {
      assert.equal(isCI(value === undefined ? {} : { CI: value }), expected);
    });
  }
});

describe('skipUnlessAvailable', () => {
  it('returns false when nothing is missing, CI or not', () => {
    assert.equal(skipUnlessAvailable('x', null), false);
  });
  it('returns the reason locally and throws in CI', () => {
    const saved = process.env.CI;
    try {
      process.env.CI = '0';
      assert.equal(skipUnlessAvailable('QEMU tests', 'no qemu'), 'no qemu');
      process.env.CI = 'true';
      assert.throws(() => skipUnlessAvailable('QEMU tests', 'no qemu'), { message: 'QEMU tests cannot run in CI: no qemu' });
    } finally {
      if (saved === undefined) delete process.env.CI;
      else process.env.CI = saved;
    }
  });
});

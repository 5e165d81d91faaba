/**
 * Whether the tests run in CI, and suites that are skipped honestly.
 *
 * CI is `CI=true` or `CI=1` (what .ci/run exports and what CI services set); anything
 * else, `CI=0` and `CI=false` included, is a local run. In CI nothing may skip: a missing
 * piece (QEMU, the test guest, a second file system) is a failure.
 */
import * as nodeTest from 'node:test';

export function isCI(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = (env.CI ?? '').trim().toLowerCase();
  return v === 'true' || v === '1';
}

/**
 * The `skip` option for a test that needs something this machine may lack: false when
 * `missing` is null, the reason otherwise; in CI a missing piece throws instead.
 */
export function skipUnlessAvailable(what: string, missing: string | null): string | false {
  if (missing === null) return false;
  if (isCI()) throw new Error(`${what} cannot run in CI: ${missing}`);
  return missing;
}

export interface SuiteApi {
  readonly describe: typeof nodeTest.describe;
  readonly it: typeof nodeTest.it;
  readonly test: typeof nodeTest.test;
  readonly before: typeof nodeTest.before;
  readonly after: typeof nodeTest.after;
  readonly beforeEach: typeof nodeTest.beforeEach;
  readonly afterEach: typeof nodeTest.afterEach;
}

type AnyFn = (...args: unknown[]) => unknown;

/**
 * node:test's describe/it/hooks, or, when `skip` is a reason, stand-ins that register every
 * test as skipped with that reason (so the runner's summary counts them under "skipped"
 * instead of one skipped suite hiding how many tests did not run) and run no hooks.
 */
export function skippable(skip: string | false): SuiteApi {
  if (skip === false) {
    const { describe, it, test, before, after, beforeEach, afterEach } = nodeTest;
    return { describe, it, test, before, after, beforeEach, afterEach };
  }
  const options = (a: unknown): object => (typeof a === 'object' && a !== null ? a : {});
  const skippedTest = ((name: string, a?: unknown) => nodeTest.it(name, { ...options(a), skip })) as unknown as typeof nodeTest.it;
  const suite = ((name: string, a?: unknown, b?: unknown) => {
    const fn = (typeof a === 'function' ? a : b) as AnyFn;
    return nodeTest.describe(name, { ...options(a), skip: false }, fn as () => void);
  }) as unknown as typeof nodeTest.describe;
  const noHook = (() => undefined) as unknown as typeof nodeTest.before;
  return { describe: suite, it: skippedTest, test: skippedTest as unknown as typeof nodeTest.test, before: noHook, after: noHook, beforeEach: noHook, afterEach: noHook };
}

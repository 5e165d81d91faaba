/**
 * The support matrix in docs/drivers.md is what the drivers really fill. Each row of the
 * table names driver members in backticks (`pause` / `unpause`, `guest.environment`); its
 * marks must be what the driver objects have, and every member a driver has must be named
 * by a row unless every driver must have it (the compiler checks those).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createQemuDriver } from '../../src/drivers/qemu/qemu-driver.ts';
import { createSimDriver } from '../../src/drivers/sim/sim-driver.ts';
import type { GuestOps, HypervisorDriver } from '../../src/core/ports/driver.ts';
import { REPO_ROOT } from '../support/qemu-guest.ts';

/** Members HypervisorDriver and GuestOps require: every driver has them, the table leaves them out. */
const REQUIRED: readonly string[] = [
  ...(['kind', 'onEvent', 'getRuntime', 'forget', 'close'] satisfies (keyof HypervisorDriver)[]),
  ...(
    [
      'authenticate',
      'startProgram',
      'waitProgram',
      'listProcesses',
      'killProcess',
      'stat',
      'listDirectory',
      'makeDirectory',
      'removeDirectory',
      'removeFile',
      'move',
      'createTempFile',
      'readFile',
      'writeFile',
    ] satisfies (keyof GuestOps)[]
  ).map((m) => `guest.${m}`),
];

/** Own and inherited members of an object (a class instance or a literal), by name. */
function membersOf(obj: object, prefix = ''): string[] {
  const names = new Set<string>();
  for (let o: object | null = obj; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o) as object | null) {
    for (const n of Object.getOwnPropertyNames(o)) if (n !== 'constructor') names.add(`${prefix}${n}`);
  }
  return [...names];
}

function has(d: HypervisorDriver, member: string): boolean {
  const [head, tail] = member.split('.');
  const v = (d as unknown as Record<string, unknown>)[head];
  if (tail === undefined) return v !== undefined;
  return typeof v === 'object' && v !== null && (v as Record<string, unknown>)[tail] !== undefined;
}

test('docs/drivers.md support matrix matches the drivers', async (t) => {
  const sim = createSimDriver({ speed: Infinity, persist: false, consoles: true });
  const qemu = createQemuDriver({ accel: 'tcg', log: { info: () => undefined, warn: () => undefined } });
  try {
    const doc = readFileSync(`${REPO_ROOT}docs/drivers.md`, 'utf8');
    const block = /<!-- support-matrix:start[^>]*-->\n([\s\S]*?)<!-- support-matrix:end -->/.exec(doc);
    assert.ok(block, 'docs/drivers.md has no support-matrix block');
    const documented = block[1].split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| operation') && !l.startsWith('|---'));
    assert.ok(documented.length > 0, 'the support matrix has no rows');

    const mark = (b: boolean): string => (b ? '✓' : '—');
    const named = new Set<string>();
    const computed = documented.map((row) => {
      const label = row.split(' | ')[0].slice(2);
      const members = [...label.matchAll(/`([A-Za-z.]+)`/g)].map((m) => m[1]);
      assert.ok(members.length > 0, `row "${label}" names no member`);
      for (const m of members) named.add(m);
      const all = (d: HypervisorDriver): boolean => members.every((m) => has(d, m));
      return `| ${label} | ${mark(all(sim))} | ${mark(all(qemu))} |`;
    });
    t.diagnostic(['| operation | sim | qemu |', ...computed].join('\n'));
    assert.deepEqual(documented, computed);

    for (const [kind, d] of [['sim', sim], ['qemu', qemu]] as const) {
      const members = [...membersOf(d), ...(d.guest ? membersOf(d.guest, 'guest.') : [])];
      const unnamed = members.filter((m) => !named.has(m) && !REQUIRED.includes(m));
      assert.deepEqual(unnamed, [], `members of the ${kind} driver that no row of the support matrix names`);
    }
  } finally {
    await sim.close();
    await qemu.close();
  }
});

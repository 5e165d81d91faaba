/**
 * The support matrix in docs/drivers.md is what the drivers really fill: every row is
 * computed from the driver objects (members present, capabilities declared), printed, and
 * compared with the table.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createQemuDriver } from '../../src/drivers/qemu/qemu-driver.ts';
import { createSimDriver } from '../../src/drivers/sim/sim-driver.ts';
import type { HypervisorDriver } from '../../src/core/ports/driver.ts';
import { REPO_ROOT } from '../support/qemu-guest.ts';

type Row = readonly [label: string, has: (d: HypervisorDriver) => boolean];

const fn = (v: unknown): boolean => typeof v === 'function';

const ROWS: readonly Row[] = [
  ['`createDisks`', (d) => fn(d.createDisks)],
  ['`powerOn`', (d) => fn(d.powerOn) && d.capabilities.has('power')],
  ['`powerOff` (hard / soft)', (d) => fn(d.powerOff)],
  ['`reset` (hard / soft)', (d) => fn(d.reset)],
  ['`pause` / `unpause`', (d) => fn(d.pause) && fn(d.unpause) && d.capabilities.has('pause')],
  ['`suspend` / `resume` / `discardSuspendState`', (d) => fn(d.suspend) && fn(d.resume) && fn(d.discardSuspendState) && d.capabilities.has('suspend')],
  ['`waitForTools`', (d) => fn(d.waitForTools)],
  ['`createSnapshot` / `revertSnapshot` / `removeSnapshot`', (d) => fn(d.createSnapshot) && fn(d.revertSnapshot) && fn(d.removeSnapshot) && d.capabilities.has('snapshot')],
  ['snapshots with memory (`snapshotMemory`)', (d) => d.capabilities.has('snapshotMemory')],
  ['guest operations (`guest`)', (d) => d.guest !== undefined && d.capabilities.has('guestOps')],
  ['`guest.environment`', (d) => fn(d.guest?.environment)],
  ['`console` (VNC)', (d) => fn(d.console) && d.capabilities.has('console')],
  ['`reattach` after a restart', (d) => fn(d.reattach) && d.capabilities.has('reattach')],
  ['VMware `.vmdk` disks opened as they are (`vmdk`)', (d) => d.capabilities.has('vmdk')],
  ['direct kernel boot (`kernelBoot`)', (d) => d.capabilities.has('kernelBoot')],
];

test('docs/drivers.md support matrix matches the drivers', async (t) => {
  const sim = createSimDriver({ speed: Infinity, persist: false, consoles: true });
  const qemu = createQemuDriver({ accel: 'tcg', log: { info: () => undefined, warn: () => undefined } });
  try {
    const mark = (b: boolean): string => (b ? '✓' : '—');
    const computed = ROWS.map(([label, has]) => `| ${label} | ${mark(has(sim))} | ${mark(has(qemu))} |`);
    t.diagnostic(['| operation | sim | qemu |', ...computed].join('\n'));

    const doc = readFileSync(`${REPO_ROOT}docs/drivers.md`, 'utf8');
    const block = /<!-- support-matrix:start[^>]*-->\n([\s\S]*?)<!-- support-matrix:end -->/.exec(doc);
    assert.ok(block, 'docs/drivers.md has no support-matrix block');
    const documented = block[1]
      .split('\n')
      .filter((l) => l.startsWith('| ') && !l.startsWith('| operation') && !l.startsWith('|---'));
    assert.deepEqual(documented, computed);
  } finally {
    await sim.close();
    await qemu.close();
  }
});

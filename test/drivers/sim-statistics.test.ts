/**
 * The simulator's statistics model (src/drivers/sim/sim-statistics.ts): deterministic given
 * the guest's state, plausible, varying with guest time and with the programs running.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { simStatistics, type SimLoadSource } from '../../src/drivers/sim/sim-statistics.ts';

/** A guest whose clock and processes the test sets. */
function guest(): SimLoadSource & { t: number; running: number } {
  const g = {
    t: 0,
    running: 0,
    clock: { now: () => g.t },
    list: () => [{ pid: 1, exitCode: null }, ...Array.from({ length: g.running }, (_, i) => ({ pid: 100 + i, exitCode: null })), { pid: 99, exitCode: 0 }],
  };
  return g;
}

const HW = { cpuCount: 2, memoryMiB: 2048 };
const UUID = '564d1c2e-0d3a-4b4e-9c2f-1a2b3c4d5e6f';

/** CPU percent of all vCPUs between two readings. */
function cpuPercent(a: { cpuTimeMs: number; atMs: number }, b: { cpuTimeMs: number; atMs: number }): number {
  return ((b.cpuTimeMs - a.cpuTimeMs) / ((b.atMs - a.atMs) * HW.cpuCount)) * 100;
}

describe('sim statistics model', () => {
  it('is deterministic: two guests in the same state read the same figures', () => {
    const a = guest();
    const b = guest();
    for (const t of [0, 5000, 10_000, 47_000]) {
      a.t = b.t = t;
      assert.deepEqual(simStatistics(a, HW, UUID), simStatistics(b, HW, UUID));
    }
  });

  it('an idle guest uses a few percent of its vCPUs and about a quarter of its memory, varying over time', () => {
    const g = guest();
    const percents: number[] = [];
    let prev = simStatistics(g, HW, UUID);
    for (let t = 5000; t <= 120_000; t += 5000) {
      g.t = t;
      const r = simStatistics(g, HW, UUID);
      const p = cpuPercent(prev, r);
      assert.ok(p >= 1 && p <= 11, `idle CPU ${p.toFixed(2)} % at ${t} ms`);
      assert.ok(r.memoryUsedMiB >= 400 && r.memoryUsedMiB <= 620, `idle memory ${r.memoryUsedMiB} MiB`);
      assert.equal(r.balloonMiB, null);
      assert.equal(r.atMs, t);
      percents.push(p);
      prev = r;
    }
    assert.ok(Math.max(...percents) - Math.min(...percents) > 1, `it varies: ${percents.map((p) => p.toFixed(1)).join(' ')}`);
  });

  it('programs running in the guest add half a vCPU each (up to all of them) and 64 MiB each', () => {
    const g = guest();
    const start = simStatistics(g, HW, UUID);
    g.t = 5000;
    const idle = simStatistics(g, HW, UUID);
    g.running = 2;
    g.t = 10_000;
    const busy = simStatistics(g, HW, UUID);
    const added = cpuPercent(idle, busy) - cpuPercent(start, idle);
    assert.ok(added > 40 && added < 60, `two programs on two vCPUs add about 50 % (the background drifts by a few): ${added.toFixed(1)}`);
    assert.ok(busy.memoryUsedMiB - idle.memoryUsedMiB > 100, `${idle.memoryUsedMiB} → ${busy.memoryUsedMiB} MiB`);
    g.running = 10;
    g.t = 15_000;
    assert.ok(cpuPercent(busy, simStatistics(g, HW, UUID)) <= 100);
  });

  it('VMs differ: another UUID gives another phase', () => {
    const a = guest();
    const b = guest();
    simStatistics(a, HW, UUID);
    simStatistics(b, HW, '11111111-2222-3333-4444-555555555555');
    a.t = b.t = 20_000;
    assert.notEqual(simStatistics(a, HW, UUID).cpuTimeMs, simStatistics(b, HW, '11111111-2222-3333-4444-555555555555').cpuTimeMs);
  });
});

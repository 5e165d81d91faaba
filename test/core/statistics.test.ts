/**
 * core.statistics on the sim driver with a manual clock: the sampler's timer runs only
 * while a VM runs, samples are stamped by core's clock, CPU needs two readings, hosts sum
 * their VMs, ten minutes are kept, and the rights are System.View on the VM or host.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/core/clock.ts';
import { VmgateError } from '../../src/core/errors.ts';
import type { Vm } from '../../src/core/model/index.ts';
import { createTestCore, type TestCore } from '../support/core-harness.ts';

describe('core.statistics', () => {
  let t: TestCore;
  let vm: Vm;
  const clock = new ManualClock('2026-12-07T19:30:00.000Z');
  before(async () => {
    // The timer's own ticks stay out of the way (an hour); the test samples by hand.
    t = await createTestCore({ clock, config: { statisticsIntervalSeconds: 3600 } });
    vm = await t.core.vms.create(t.admin, { name: 'stats-vm', cpuCount: 2, memoryMiB: 1024, placement: { hostId: t.hosts[0]!.id } });
  });
  after(async () => t.close());

  it('nothing runs: the timer is not armed and a VM has no samples', async () => {
    assert.equal(t.core.statistics.active, false);
    assert.deepEqual((await t.core.statistics.vmSamples(t.admin, vm.id)).samples, []);
  });

  it('a running VM arms the timer; two readings make one sample at core’s time', async () => {
    await t.core.tasks.result(t.admin, await t.core.power.run(t.admin, vm.id, 'powerOn'));
    assert.equal(t.core.statistics.active, true);
    await t.core.statistics.sampleNow();
    assert.deepEqual((await t.core.statistics.vmSamples(t.admin, vm.id)).samples, [], 'the first reading only marks the CPU time');
    clock.advance(5000);
    await t.core.statistics.sampleNow();
    const { samples } = await t.core.statistics.vmSamples(t.admin, vm.id);
    assert.equal(samples.length, 1);
    const s = samples[0]!;
    assert.equal(s.time, '2026-12-07T19:30:05.000Z');
    assert.equal(s.memorySizeMiB, 1024);
    assert.ok(s.cpuPercent > 0 && s.cpuPercent <= 100, `${s.cpuPercent} %`);
    assert.ok(s.memoryUsedMiB > 150 && s.memoryUsedMiB < 973, `${s.memoryUsedMiB} MiB`);
  });

  it('the host is the sum of its VMs against its capacity; the other host shows an idle sample', async () => {
    const h0 = await t.core.statistics.hostSamples(t.admin, t.hosts[0]!.id);
    const last = h0.samples.at(-1)!;
    const vmLast = (await t.core.statistics.vmSamples(t.admin, vm.id)).samples.at(-1)!;
    assert.equal(last.time, '2026-12-07T19:30:05.000Z');
    assert.equal(last.memoryTotalMiB, 8192);
    assert.equal(last.memoryUsedMiB, vmLast.memoryUsedMiB);
    // 2 vCPUs at p % on a host of 8 CPUs: p / 4 %.
    assert.ok(Math.abs(last.cpuPercent - vmLast.cpuPercent / 4) <= 0.1, `${last.cpuPercent} vs ${vmLast.cpuPercent}`);
    assert.deepEqual(h0.datastores.map((d) => d.datastore.name), ['ds0']);
    assert.ok(h0.datastores[0]!.usage!.capacityBytes >= h0.datastores[0]!.usage!.freeBytes);
    const h1 = await t.core.statistics.hostSamples(t.admin, t.hosts[1]!.id);
    assert.deepEqual(h1.samples.at(-1), { time: '2026-12-07T19:30:05.000Z', cpuPercent: 0, memoryUsedMiB: 0, memoryTotalMiB: 8192 });
  });

  it('needs System.View: a user without rights gets not_found, a read-only user the samples', async () => {
    const nobody = await t.user('no-rights', null);
    await assert.rejects(t.core.statistics.vmSamples(nobody, vm.id), (e: unknown) => e instanceof VmgateError && e.kind === 'not_found');
    await assert.rejects(t.core.statistics.hostSamples(nobody, t.hosts[0]!.id), (e: unknown) => e instanceof VmgateError && e.kind === 'not_found');
    const viewer = await t.user('viewer', 'read-only');
    assert.equal((await t.core.statistics.vmSamples(viewer, vm.id)).samples.length, 1);
  });

  it('powered off: no new samples and the timer stops at its next tick; ten minutes later the history is gone', async () => {
    await t.core.tasks.result(t.admin, await t.core.power.run(t.admin, vm.id, 'powerOff'));
    clock.advance(5000);
    await t.core.statistics.sampleNow();
    assert.equal(t.core.statistics.active, false);
    assert.equal((await t.core.statistics.vmSamples(t.admin, vm.id)).samples.length, 1);
    clock.advance(600_000);
    assert.deepEqual((await t.core.statistics.vmSamples(t.admin, vm.id)).samples, []);
    assert.deepEqual((await t.core.statistics.hostSamples(t.admin, t.hosts[0]!.id)).samples, []);
  });

  it('powered on again: the CPU mark starts afresh (no sample from the old reading)', async () => {
    await t.core.tasks.result(t.admin, await t.core.power.run(t.admin, vm.id, 'powerOn'));
    await t.core.statistics.sampleNow();
    assert.deepEqual((await t.core.statistics.vmSamples(t.admin, vm.id)).samples, []);
    clock.advance(5000);
    await t.core.statistics.sampleNow();
    assert.deepEqual((await t.core.statistics.vmSamples(t.admin, vm.id)).samples.map((s) => s.time), ['2026-12-07T19:40:15.000Z']);
  });
});

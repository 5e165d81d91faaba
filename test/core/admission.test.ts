// Admission at power-on is one step per host: concurrent power-ons on a host that fits
// only some of them admit exactly those, whatever the interleaving.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VmgateError } from '../../src/core/index.ts';
import { createTestCore } from '../support/core-harness.ts';

test('12 concurrent power-ons on a host with memory for 4 admit exactly 4; the rest are refused as resource_exhausted', async () => {
  // Each host: 8192 MiB. Each VM: 2048 MiB, 1 vCPU (vCPUs fit easily: 8 × 4 overcommit).
  const t = await createTestCore({ hostMemoryMiB: 8192 });
  try {
    const h0 = t.hosts[0]!;
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push((await t.core.vms.create(t.admin, { name: `adm${i}`, memoryMiB: 2048, cpuCount: 1, placement: { hostId: h0.id } })).id);
    const outcomes = await Promise.all(ids.map(async (id) => {
      try {
        await t.core.tasks.result(t.admin, await t.core.power.run(t.admin, id, 'powerOn'));
        return 'on';
      } catch (e) {
        assert.ok(e instanceof VmgateError, String(e));
        assert.equal(e.kind, 'resource_exhausted', e.message);
        return 'refused';
      }
    }));
    assert.equal(outcomes.filter((o) => o === 'on').length, 4);
    assert.equal(outcomes.filter((o) => o === 'refused').length, 8);
    const usage = await t.core.inventory.hostUsage(t.admin, h0.id);
    assert.equal(usage.usedMemoryMiB, 8192);
    // Powering one off frees room for exactly one more.
    const on: string[] = [];
    for (const id of ids) if ((await t.core.vms.get(t.admin, id)).powerState === 'poweredOn') on.push(id);
    assert.equal(on.length, 4);
    await t.core.tasks.result(t.admin, await t.core.power.run(t.admin, on[0]!, 'powerOff'));
    const off = ids.filter((id) => !on.includes(id));
    const second = await Promise.allSettled(off.slice(0, 3).map(async (id) => t.core.tasks.result(t.admin, await t.core.power.run(t.admin, id, 'powerOn'))));
    assert.deepEqual(second.map((r) => r.status).sort(), ['fulfilled', 'rejected', 'rejected']);
  } finally {
    await t.close();
  }
});

test('power-ons and clones that power on, at once on one host, share one admission: exactly as many run as fit', async () => {
  // H0: 8192 MiB; every VM 2048 MiB: room for 4. Three power-ons and three clones with
  // power-on, all at once: whichever come first, exactly 4 end up running.
  const t = await createTestCore({ hostMemoryMiB: 8192 });
  try {
    const h0 = t.hosts[0]!;
    const ids: string[] = [];
    const sources: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await t.core.vms.create(t.admin, { name: `mix${i}`, memoryMiB: 2048, cpuCount: 1, disks: [{ capacityMiB: 1 }], placement: { hostId: h0.id } })).id);
    // One source per clone (a VM being cloned is busy), powered off: they take no room.
    for (let i = 0; i < 3; i++) sources.push((await t.core.vms.create(t.admin, { name: `mix-src${i}`, memoryMiB: 2048, cpuCount: 1, disks: [{ capacityMiB: 1 }], placement: { hostId: h0.id } })).id);
    const outcomes = await Promise.all([
      ...ids.map(async (id) => {
        try {
          await t.core.tasks.result(t.admin, await t.core.power.run(t.admin, id, 'powerOn'));
          return 'on';
        } catch (e) {
          assert.ok(e instanceof VmgateError && e.kind === 'resource_exhausted', String(e));
          return 'refused';
        }
      }),
      ...[0, 1, 2].map(async (i) => {
        try {
          await t.core.tasks.result(t.admin, await t.core.vms.clone(t.admin, sources[i]!, { name: `mix-copy${i}`, placement: { hostId: h0.id }, powerOn: true }));
          return 'on';
        } catch (e) {
          assert.ok(e instanceof VmgateError && e.kind === 'resource_exhausted', String(e));
          return 'refused';
        }
      }),
    ]);
    assert.equal(outcomes.filter((o) => o === 'on').length, 4, outcomes.join(' '));
    assert.equal(outcomes.filter((o) => o === 'refused').length, 2, outcomes.join(' '));
    const usage = await t.core.inventory.hostUsage(t.admin, h0.id);
    assert.equal(usage.usedMemoryMiB, 8192);
    const running = (await t.core.vms.list(t.admin, { hostIds: [h0.id] })).filter((v) => v.powerState === 'poweredOn');
    assert.equal(running.length, 4);
  } finally {
    await t.close();
  }
});

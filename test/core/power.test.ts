import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { PowerOp } from '../../src/core/power.ts';
import { VmgateError } from '../../src/core/errors.ts';
import type { PowerState } from '../../src/core/model/index.ts';
import { createTestCore, type TestCore } from '../support/core-harness.ts';
import { OPS, REASONS, cell, isRefusal, type Cell } from './power-matrix.ts';

describe('power operations through core on the sim driver', () => {
  let t: TestCore;
  before(async () => {
    t = await createTestCore();
  });
  after(async () => t.close());

  /** Brings a fresh VM to a stable state through the real path. */
  async function vmIn(state: PowerState, name: string): Promise<string> {
    const { core, admin } = t;
    const vm = await core.vms.create(admin, { name, placement: { clusterId: t.cluster.id } });
    const run = async (op: PowerOp) => core.tasks.result(admin, await core.power.run(admin, vm.id, op));
    if (state !== 'poweredOff') {
      await run('powerOn');
      await core.tasks.result(admin, await core.power.waitForTools(admin, vm.id, 5000));
    }
    if (state === 'suspended') await run('suspend');
    if (state === 'paused') await run('pause');
    assert.equal((await core.vms.get(admin, vm.id)).powerState, state);
    return vm.id;
  }

  const stable: PowerState[] = ['poweredOff', 'poweredOn', 'suspended', 'paused'];
  let n = 0;
  for (const state of stable) {
    for (const op of OPS) {
      // powerOn of a suspended VM resumes it, as VixVM_PowerOn does (the one difference from the table).
      const c: Cell = op === 'powerOn' && state === 'suspended' ? 'poweredOn' : cell(op, state);
      it(`${op} on a ${state} VM ${isRefusal(c) ? 'is refused and changes nothing' : `ends ${c}`}`, async () => {
        const { core, admin } = t;
        const id = await vmIn(state, `p${n++}`);
        if (!isRefusal(c)) {
          const task = await core.power.run(admin, id, op);
          const final = await core.tasks.wait(admin, task.id);
          assert.equal(final.state, 'success', JSON.stringify(final.error));
          assert.equal(final.progress, 100);
          const vm = await core.vms.get(admin, id);
          assert.equal(vm.powerState, c);
          const events = await core.events.list(admin, id, 5);
          assert.ok(events.some((e) => e.taskId === task.id), 'an event names the task');
        } else {
          await assert.rejects(core.power.run(admin, id, op), (e: unknown) => {
            assert.ok(e instanceof VmgateError, String(e));
            assert.equal(e.kind, 'not_allowed_in_current_state');
            assert.equal(e.reason, REASONS[c]);
            return true;
          });
          assert.equal((await core.vms.get(admin, id)).powerState, state);
        }
      });
    }
  }

  it('a second operation on a VM in flight is resource_busy, naming the task', async () => {
    const slow = await createTestCore({ sim: { speed: 1 } });
    try {
      const { core, admin } = slow;
      const vm = await core.vms.create(admin, { name: 'busy', placement: { hostId: slow.hosts[0]!.id } });
      const task = await core.power.run(admin, vm.id, 'powerOn');
      await assert.rejects(core.power.run(admin, vm.id, 'powerOff'), (e: unknown) => e instanceof VmgateError && e.kind === 'resource_busy' && e.message.includes(task.id));
      // The task shows the transitional state once it runs (not before: it starts asynchronously).
      const seen: PowerState[] = [];
      for (;;) {
        const st = (await core.vms.get(admin, vm.id)).powerState;
        if (seen[seen.length - 1] !== st) seen.push(st);
        if (st !== 'poweredOff') break;
        await new Promise((r) => setTimeout(r, 5));
      }
      assert.deepEqual(seen.slice(-1), ['poweringOn'], `states seen: ${seen.join(' → ')}`);
      assert.equal((await core.tasks.get(admin, task.id)).state, 'running');
      await core.tasks.cancel(admin, task.id);
      const final = await core.tasks.wait(admin, task.id);
      assert.equal(final.state, 'cancelled');
      assert.equal(final.error?.kind, 'cancelled');
      assert.equal((await core.vms.get(admin, vm.id)).powerState, 'poweredOff', 'a cancelled power-on leaves the VM off');
      // The lock is released: a new operation may start.
      await core.tasks.result(admin, await core.power.run(admin, vm.id, 'powerOn'));
      assert.equal((await core.vms.get(admin, vm.id)).powerState, 'poweredOn');
    } finally {
      await slow.close();
    }
  });

  it('a finished task cannot be cancelled; an uncancellable one says so', async () => {
    const { core, admin } = t;
    const id = await vmIn('poweredOn', 'cancel-done');
    const task = await core.power.run(admin, id, 'suspend');
    await assert.rejects(core.tasks.cancel(admin, task.id), (e: unknown) => e instanceof VmgateError && e.kind === 'not_allowed_in_current_state' && /cannot be cancelled|already finished/.test(e.message));
    await core.tasks.wait(admin, task.id);
    await assert.rejects(core.tasks.cancel(admin, task.id), /already finished/);
  });

  it('refuses to power on a VM that does not fit its host, saying why', async () => {
    const small = await createTestCore({ hostMemoryMiB: 1024 });
    try {
      const { core, admin } = small;
      const a = await core.vms.create(admin, { name: 'a', memoryMiB: 768, placement: { hostId: small.hosts[0]!.id } });
      const b = await core.vms.create(admin, { name: 'b', memoryMiB: 768, placement: { hostId: small.hosts[0]!.id } });
      await core.tasks.result(admin, await core.power.run(admin, a.id, 'powerOn'));
      await assert.rejects(core.power.run(admin, b.id, 'powerOn'), (e: unknown) => e instanceof VmgateError && e.kind === 'resource_exhausted' && /256 MiB free/.test(e.message));
    } finally {
      await small.close();
    }
  });

  it('a library VM must be placed before it powers on', async () => {
    const { core, admin } = t;
    const vm = await core.vms.create(admin, { name: 'lib', placement: { library: true } });
    assert.equal(vm.hostId, null);
    await assert.rejects(core.power.run(admin, vm.id, 'powerOn'), /library/);
    await core.tasks.result(admin, await core.vms.relocate(admin, vm.id, { clusterId: t.cluster.id }));
    const placed = await core.vms.get(admin, vm.id);
    assert.ok(placed.hostId);
    await core.tasks.result(admin, await core.power.run(admin, vm.id, 'powerOn'));
  });
});

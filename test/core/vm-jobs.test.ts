import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Task } from '../../src/core/index.ts';
import { createTestCore, type TestCore } from '../support/core-harness.ts';

describe('core.vmJobs: broker look-up, start-or-place, place', () => {
  let t: TestCore;
  before(async () => {
    t = await createTestCore();
  });
  after(async () => t.close());

  it('looks a VM up by name, GUID and FQDN; an ambiguous FQDN or a malformed GUID is an error', async () => {
    const { core, admin, hosts } = t;
    const a = await core.vms.create(admin, { name: 'look-a', fqdn: 'same.example.test', placement: { hostId: hosts[0]!.id } });
    await core.vms.create(admin, { name: 'look-b', fqdn: 'same.example.test', placement: { library: true } });
    assert.equal((await core.vmJobs.lookup(admin, 'name', 'look-a')).vm.id, a.id);
    const byUuid = await core.vmJobs.lookup(admin, 'uuid', a.uuid.toUpperCase());
    assert.deepEqual([byUuid.vm.id, byUuid.host?.id, byUuid.busyWith], [a.id, hosts[0]!.id, null]);
    const c = await core.vms.create(admin, { name: 'look-c', placement: { library: true } });
    const byFqdn = await core.vmJobs.lookup(admin, 'fqdn', 'LOOK-C.vmgate.local');
    assert.deepEqual([byFqdn.vm.id, byFqdn.host], [c.id, null]);
    await assert.rejects(core.vmJobs.lookup(admin, 'fqdn', 'same.example.test'), (e: Error & { kind?: string }) => e.kind === 'invalid_argument' && /names 2 virtual machines/.test(e.message));
    await assert.rejects(core.vmJobs.lookup(admin, 'uuid', 'not-a-guid'), (e: Error & { kind?: string }) => e.kind === 'invalid_argument');
    await assert.rejects(core.vmJobs.lookup(admin, 'name', 'nobody'), (e: Error & { kind?: string }) => e.kind === 'not_found');
    const nobody = await t.user('nobody', null);
    await assert.rejects(core.vmJobs.lookup(nobody, 'name', 'look-a'), (e: Error & { kind?: string }) => e.kind === 'not_found', 'an invisible VM is missing');
  });

  it('starts a VM whose host has no room on the other host (moved, then powered on), in one task that watch sees end', async () => {
    const { core, admin, hosts } = t;
    const big = await core.vms.create(admin, { name: 'big', memoryMiB: 6144, placement: { hostId: hosts[0]!.id } });
    await core.power.runAndWait(admin, big.id, 'powerOn');
    const vm = await core.vms.create(admin, { name: 'mover', memoryMiB: 4096, placement: { hostId: hosts[0]!.id } });
    const seen: Task[] = [];
    const stop = core.vmJobs.watch((task) => seen.push(task));
    const task = await core.vmJobs.start(admin, vm.id);
    assert.equal(task.kind, 'vm.brokerStart');
    const final = await core.tasks.wait(admin, task.id);
    stop();
    assert.equal(final.state, 'success', JSON.stringify(final.error));
    assert.deepEqual(final.result, { vm: vm.id, host: hosts[1]!.id, placed: true });
    const after = (await core.vms.find(vm.id))!;
    assert.deepEqual([after.hostId, after.powerState], [hosts[1]!.id, 'poweredOn']);
    const mine = seen.filter((x) => x.id === task.id);
    assert.equal(mine[mine.length - 1]!.state, 'success');
    assert.ok(mine.some((x) => x.state === 'running' && x.progress > 0), 'progress while running');
  });

  it('refuses at once: nothing fits (no_host_fits), already running, placing a placed VM, a busy VM', async () => {
    const { core, admin, hosts } = t;
    const huge = await core.vms.create(admin, { name: 'huge', memoryMiB: 16384, placement: { library: true } });
    await assert.rejects(core.vmJobs.place(admin, huge.id), (e: Error & { kind?: string; reason?: string }) => e.kind === 'resource_exhausted' && e.reason === 'no_host_fits');
    await assert.rejects(core.vmJobs.start(admin, huge.id), (e: Error & { kind?: string; reason?: string }) => e.kind === 'resource_exhausted' && e.reason === 'no_host_fits');
    await assert.rejects(core.vmJobs.start(admin, 'big'), (e: Error & { kind?: string }) => e.kind === 'not_allowed_in_current_state');
    await assert.rejects(core.vmJobs.place(admin, 'big'), (e: Error & { kind?: string }) => e.kind === 'not_allowed_in_current_state');
    const idle = await core.vms.create(admin, { name: 'idle', memoryMiB: 512, placement: { hostId: hosts[1]!.id } });
    const busy = await core.power.run(admin, idle.id, 'powerOn');
    await assert.rejects(core.vmJobs.start(admin, idle.id), (e: Error & { kind?: string }) => e.kind === 'resource_busy');
    await core.tasks.wait(admin, busy.id);
    const viewer = await t.user('viewer', 'read-only');
    await assert.rejects(core.vmJobs.start(viewer, 'huge'), (e: Error & { kind?: string }) => e.kind === 'unauthorized');
  });
});

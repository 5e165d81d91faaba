/**
 * Clone and relocate copy with byte progress and can be cancelled, seen as a vAPI client
 * sees them (sim, real HTTPS, the disks real sparse files on a real datastore): the clone
 * task's progress through `cis.tasks` get only goes up, names the bytes copied ("Copying
 * disks: 1.2 GiB of 2.0 GiB") and ends at 100; a clone cancelled while it copies ends
 * cancelled and leaves neither a folder on the datastore nor a VM in the inventory; a
 * relocate to a datastore on another file system (/dev/shm) copies with progress too, and
 * one cancelled mid-copy leaves the VM where it was, with nothing left on the target.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { VapiClient } from '../../../src/clients/vapi/index.ts';
import type { TaskInfo } from '../../../src/clients/vapi/index.ts';
import { SYSTEM_CALLER } from '../../../src/core/index.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../support/test-server.ts';

const DISK_GIB = 2;

describe('vAPI face: clone and relocate byte progress and cancel (sim)', () => {
  let s: TestServer;
  let client: VapiClient;
  let source: string;
  let dsPath: string;
  let shmDir: string | undefined;

  /** Polls the task until it ends; every state seen on the way. */
  async function follow(task: string, onSample?: (t: TaskInfo) => Promise<void>): Promise<{ samples: TaskInfo[]; last: TaskInfo }> {
    const samples: TaskInfo[] = [];
    for (;;) {
      const t = await client.tasks.get(task);
      samples.push(t);
      if (t.status !== 'RUNNING' && t.status !== 'PENDING') return { samples, last: t };
      if (onSample) await onSample(t);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  function assertRising(samples: readonly TaskInfo[]): void {
    const seen = samples.map((t) => t.progress?.completed ?? 0);
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! >= seen[i - 1]!, `progress went down: ${seen.join(' ')}`);
  }

  before(async () => {
    s = await startTestServer({ demoHosts: 1, demoVms: 0 });
    const core = s.server.core;
    const host = (await core.inventory.listHosts(SYSTEM_CALLER))[0]!;
    const ds = (await core.inventory.listDatastores(SYSTEM_CALLER))[0]!;
    dsPath = ds.path;
    const vm = await core.vms.create(SYSTEM_CALLER, { name: 'big', guestOs: 'otherlinux-64', cpuCount: 1, memoryMiB: 256, disks: [{ capacityMiB: DISK_GIB * 1024 }], placement: { hostId: host.id, datastoreId: ds.id } });
    source = vm.id;
    client = new VapiClient({ server: s.baseUrl, flavour: 'rest', ca: s.ca });
    await client.login('administrator', ADMIN_PASSWORD);
  });
  after(async () => {
    client?.close();
    await s?.close();
    if (shmDir) await rm(shmDir, { recursive: true, force: true });
  });

  it('a clone’s progress rises by bytes copied and ends at 100', async () => {
    const task = await client.vm.clone({ source, name: 'big-copy' }, { task: true });
    const { samples, last } = await follow(task);
    assert.equal(last.status, 'SUCCEEDED', JSON.stringify(last.error));
    assert.equal(last.progress?.completed, 100);
    assertRising(samples);
    const copying = samples.filter((t) => (t.progress?.completed ?? 0) > 5 && (t.progress?.completed ?? 0) < 90);
    assert.ok(copying.length > 0, `no sample during the copy: ${samples.map((t) => `${t.progress?.completed} ${t.progress?.message.default_message}`).join(' | ')}`);
    for (const t of copying) assert.match(t.progress!.message.default_message, /^Copying disks: \d+\.\d (KiB|MiB|GiB) of 2\.0 GiB$/);
    const [clone] = await client.vm.list({ names: ['big-copy'] });
    assert.ok(clone, 'the clone is in the inventory');
    assert.ok(existsSync(join(dsPath, 'big-copy')), 'its folder is on the datastore');
  });

  it('a clone cancelled while it copies leaves no folder and no VM', async () => {
    const before = (await readdir(dsPath)).sort();
    const task = await client.vm.clone({ source, name: 'big-cancelled' }, { task: true });
    let asked = false;
    const { samples, last } = await follow(task, async (t) => {
      if (!asked && /^Copying disks: /.test(t.progress?.message.default_message ?? '') && (t.progress?.completed ?? 0) > 5) {
        asked = true;
        await client.tasks.cancel(task);
      }
    });
    assert.ok(asked, 'the copy was seen running');
    assertRising(samples);
    assert.equal(last.status, 'FAILED');
    assert.equal(last.error?.error_type, 'CANCELED');
    assert.match((last.error as { messages: { default_message: string }[] }).messages.map((m) => m.default_message).join(' '), /^cloning vm-\d+ \(big\) was cancelled: the partial copy \[\S+\] big-cancelled was removed$/);
    assert.deepEqual((await readdir(dsPath)).sort(), before, 'nothing of the clone is left on the datastore');
    assert.deepEqual(await client.vm.list({ names: ['big-cancelled'] }), []);
  });

  it('a relocate across file systems copies with progress; cancelled mid-copy, the VM stays where it was', { skip: existsSync('/dev/shm') ? false : 'no /dev/shm (a second file system) here' }, async () => {
    shmDir = await mkdtemp('/dev/shm/vmgate-relocate-');
    const ds2 = (await s.server.core.inventory.createDatastore(SYSTEM_CALLER, { name: 'shm-ds', path: shmDir, attachToHosts: true })).id;
    const cancelledTask = await client.vm.relocate(source, { placement: { datastore: ds2 } }, { task: true });
    let asked = false;
    const cancelled = await follow(cancelledTask, async (t) => {
      if (!asked && /^Copying big to \[shm-ds\]: /.test(t.progress?.message.default_message ?? '') && (t.progress?.completed ?? 0) > 10) {
        asked = true;
        await client.tasks.cancel(cancelledTask);
      }
    });
    assert.ok(asked, 'the copy was seen running');
    assertRising(cancelled.samples);
    assert.equal(cancelled.last.status, 'FAILED');
    assert.equal(cancelled.last.error?.error_type, 'CANCELED');
    assert.deepEqual(await readdir(shmDir), [], 'nothing left on the target');
    assert.ok(existsSync(join(dsPath, 'big')), 'the VM’s folder is where it was');
    assert.notEqual((await client.vm.get(source)).disks, undefined);
    const vmDs = (await s.server.core.vms.resolve(SYSTEM_CALLER, source)).datastoreId;
    assert.notEqual(vmDs, ds2);
  });
});

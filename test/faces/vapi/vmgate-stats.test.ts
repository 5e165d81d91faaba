/**
 * com.vmgate.vm.stats and com.vmgate.hosts.stats over real HTTPS on the simulator, with a
 * manual clock: samples stamped by core's clock every five seconds, oldest first, ten
 * minutes kept, datastores' space, System.View required.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../../src/core/clock.ts';
import { SYSTEM_CALLER } from '../../../src/core/index.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../support/test-server.ts';

interface VmStats {
  interval_seconds: number;
  samples: { time: string; cpu_percent: number; memory_used_MiB: number; memory_size_MiB: number }[];
}
interface HostStats {
  interval_seconds: number;
  samples: { time: string; cpu_percent: number; memory_used_MiB: number; memory_total_MiB: number }[];
  datastores: { datastore: string; name: string; capacity?: number; free_space?: number }[];
}

describe('vAPI statistics (GET /api/vmgate/vm/{vm}/stats, /api/vmgate/hosts/{host}/stats)', () => {
  const clock = new ManualClock('2026-12-07T19:30:00.000Z');
  let s: TestServer;
  let token: string;
  let vmId: string;
  let hostId: string;
  const get = async (path: string, auth: Record<string, string> = { 'vmware-api-session-id': token }) => {
    const r = await s.request('GET', path, { headers: auth });
    return { status: r.status, json: JSON.parse(r.body) as unknown };
  };
  const core = () => s.server.core;

  before(async () => {
    s = await startTestServer({}, {}, { clock });
    // The test takes the samples itself: the timer's ticks (real seconds) stay out of the way.
    await core().statistics.stop();
    const r = await s.request('POST', '/api/session', { headers: { authorization: `Basic ${Buffer.from(`administrator:${ADMIN_PASSWORD}`).toString('base64')}` } });
    token = JSON.parse(r.body) as string;
    const vm = (await core().vms.list(SYSTEM_CALLER)).find((v) => v.name === 'DC0_C0_H0_VM1')!;
    assert.equal(vm.powerState, 'poweredOff');
    vmId = vm.id;
    hostId = vm.hostId!;
  });
  after(async () => s?.close());

  it('a VM that never ran has no samples', async () => {
    assert.deepEqual(await get(`/api/vmgate/vm/${vmId}/stats`), { status: 200, json: { interval_seconds: 5, samples: [] } });
  });

  it('powered on and sampled every five seconds: samples at core’s times, oldest first, within the VM’s size', async () => {
    const on = await s.request('POST', `/api/vcenter/vm/${vmId}/power?action=start`, { headers: { 'vmware-api-session-id': token } });
    assert.equal(on.status, 204);
    await core().statistics.sampleNow();
    clock.advance(5000);
    await core().statistics.sampleNow();
    clock.advance(5000);
    await core().statistics.sampleNow();
    const r = await get(`/api/vmgate/vm/${vmId}/stats`);
    assert.equal(r.status, 200);
    const st = r.json as VmStats;
    assert.equal(st.interval_seconds, 5);
    assert.deepEqual(st.samples.map((x) => x.time), ['2026-12-07T19:30:05.000Z', '2026-12-07T19:30:10.000Z']);
    for (const x of st.samples) {
      assert.equal(x.memory_size_MiB, 1024);
      assert.ok(x.cpu_percent > 0 && x.cpu_percent <= 100, `${x.cpu_percent} %`);
      assert.ok(x.memory_used_MiB > 150 && x.memory_used_MiB < 973, `${x.memory_used_MiB} MiB`);
    }
  });

  it('its host: samples at the same times against the host’s memory, and its datastore’s space', async () => {
    const r = await get(`/api/vmgate/hosts/${hostId}/stats`);
    assert.equal(r.status, 200);
    const st = r.json as HostStats;
    assert.equal(st.interval_seconds, 5);
    const mine = st.samples.filter((x) => x.time > '2026-12-07T19:30:00.000Z');
    assert.deepEqual(mine.map((x) => x.time), ['2026-12-07T19:30:05.000Z', '2026-12-07T19:30:10.000Z']);
    const vmStats = (await get(`/api/vmgate/vm/${vmId}/stats`)).json as VmStats;
    for (const x of mine) {
      assert.equal(x.memory_total_MiB, 65536);
      assert.ok(x.cpu_percent > 0 && x.cpu_percent <= 100);
      // The host's other running VMs count too: at least this VM's memory.
      assert.ok(x.memory_used_MiB >= vmStats.samples.find((v) => v.time === x.time)!.memory_used_MiB);
    }
    assert.equal(st.datastores.length, 1);
    const ds = st.datastores[0]!;
    assert.equal(ds.name, 'LocalDS_0');
    assert.match(ds.datastore, /^datastore-\d+$/);
    assert.ok(ds.capacity! > 0 && ds.free_space! > 0 && ds.free_space! <= ds.capacity!);
  });

  it('ten minutes on, only the newest sample is left', async () => {
    clock.advance(600_000);
    await core().statistics.sampleNow();
    const st = (await get(`/api/vmgate/vm/${vmId}/stats`)).json as VmStats;
    assert.deepEqual(st.samples.map((x) => x.time), ['2026-12-07T19:40:10.000Z']);
  });

  it('without System.View on the VM (the demo desktop user) the VM and the host are not found; an unknown VM is not found', async () => {
    const demo = { authorization: `Basic ${Buffer.from('demo:demo-password-1').toString('base64')}` };
    const vm = await get(`/api/vmgate/vm/${vmId}/stats`, demo);
    assert.equal(vm.status, 404);
    assert.equal((vm.json as { error_type: string }).error_type, 'NOT_FOUND');
    assert.equal((await get(`/api/vmgate/hosts/${hostId}/stats`, demo)).status, 404);
    assert.equal((await get('/api/vmgate/vm/vm-9999/stats')).status, 404);
  });
});

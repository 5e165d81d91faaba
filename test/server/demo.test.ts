import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SYSTEM_CALLER } from '../../src/core/index.ts';
import { resolveServeConfig } from '../../src/server/config.ts';
import { startServer } from '../../src/server/serve.ts';

describe('demo inventory', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vmgate-demo-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  const cfg = (extra: Record<string, unknown> = {}) => resolveServeConfig({ dataDir: dir, httpsPort: 0, authdPort: 0, host: '127.0.0.1', simSpeed: 200, demo: true, ...extra }, {});

  it('has a datacenter, a cluster of N hosts, a standalone host, VMs in mixed states, a library and an entitled desktop pool; a restart adds nothing', async () => {
    const s = await startServer(cfg({ demoHosts: 2, demoVms: 3 }), { env: { VMGATE_DEMO_PASSWORD: 'demo-password-1', VMGATE_ADMIN_PASSWORD: 'admin-password-1' } });
    let counts: number[];
    try {
      const core = s.core;
      const c = SYSTEM_CALLER;
      assert.deepEqual((await core.inventory.listDatacenters(c)).map((d) => d.name), ['DC0']);
      assert.deepEqual((await core.inventory.listClusters(c)).map((d) => d.name), ['DC0_C0']);
      const hosts = await core.inventory.listHosts(c);
      assert.deepEqual(hosts.map((h) => h.name).sort(), ['DC0_C0_H0', 'DC0_C0_H1', 'DC0_H0']);
      assert.equal(hosts.find((h) => h.name === 'DC0_H0')!.clusterId, null);
      const vms = await core.vms.list(c);
      const hostVms = vms.filter((v) => /_VM\d$/.test(v.name) && !v.name.startsWith('Library'));
      assert.equal(hostVms.length, 3 * 3);
      const states = new Set(hostVms.map((v) => v.powerState));
      assert.ok(states.has('poweredOn') && states.has('poweredOff') && states.has('suspended'), [...states].join());
      assert.equal(vms.filter((v) => v.hostId === null).length, 3, 'three library VMs');
      const pool = await core.vdi.getPool(c, 'demo-desktops');
      assert.equal(pool.vmIds.length, 5);
      const demo = await core.identity.login('demo', 'demo-password-1', 'test');
      const entitled = await core.vdi.entitledDesktops(demo.caller);
      assert.deepEqual(entitled.map((e) => e.pool.name), ['demo-desktops']);
      assert.equal(s.demoPassword, null, 'a given password is not printed');
      counts = [vms.length, (await core.ctx.store.users.count()), (await core.ctx.store.pools.count())];
    } finally {
      await s.close(1000);
    }
    const again = await startServer(cfg({ demoHosts: 5, demoVms: 5 }));
    try {
      const vms = await again.core.vms.list(SYSTEM_CALLER);
      assert.deepEqual([vms.length, await again.core.ctx.store.users.count(), await again.core.ctx.store.pools.count()], counts);
      const on = vms.filter((v) => v.powerState === 'poweredOn').length;
      assert.ok(on > 0, 'running sim VMs stay running across a restart');
    } finally {
      await again.close(1000);
    }
  });

  it('--demo-vms 100: hosts are sized to their VMs, so every powered-off VM on a host can be powered on', async () => {
    const d = await mkdtemp(join(tmpdir(), 'vmgate-demo-big-'));
    const s = await startServer(resolveServeConfig({ dataDir: d, httpsPort: 0, authdPort: 0, host: '127.0.0.1', simSpeed: 500, demo: true, demoHosts: 2, demoVms: 100, logLevel: 'warn' }, {}), { env: { VMGATE_DEMO_PASSWORD: 'demo-password-1', VMGATE_ADMIN_PASSWORD: 'admin-password-1' } });
    try {
      const core = s.core;
      const c = SYSTEM_CALLER;
      const hosts = await core.inventory.listHosts(c);
      assert.deepEqual(hosts.map((h) => h.name).sort(), ['DC0_C0_H0', 'DC0_C0_H1', 'DC0_H0']);
      const vms = (await core.vms.list(c)).filter((v) => v.hostId !== null);
      assert.equal(vms.length, 3 * 100 + 5, '100 VMs per host and the five desktops');
      const off = vms.filter((v) => v.powerState === 'poweredOff');
      assert.ok(off.length >= 3 * 16, `a sixth of the host VMs start powered off (${off.length})`);
      for (const vm of off) await core.tasks.result(c, await core.power.run(c, vm.id, 'powerOn'));
      const after = (await core.vms.list(c)).filter((v) => v.hostId !== null);
      assert.deepEqual(after.filter((v) => v.powerState === 'poweredOff').map((v) => v.name), []);
      for (const h of hosts) {
        const u = await core.inventory.hostUsage(c, h.id);
        assert.ok(u.usedMemoryMiB <= h.memoryMiB, `${h.name}: ${u.usedMemoryMiB} MiB used of ${h.memoryMiB}`);
        assert.ok(u.usedCpu <= h.cpuCount * 4, `${h.name}: ${u.usedCpu} vCPUs used of ${h.cpuCount} × 4`);
        assert.ok(u.vmCount >= 100, `${h.name} holds its 100 VMs`);
      }
      // DC0_C0_H0's VMs 0…99: 100 × (1–2 vCPUs, 512–1536 MiB) = 101,888 MiB and 150 vCPUs,
      // plus room for all five desktops (10,240 MiB, 10 vCPUs), a quarter to spare.
      const h0 = hosts.find((h) => h.name === 'DC0_C0_H0')!;
      assert.equal(h0.memoryMiB, 143_360);
      assert.equal(h0.cpuCount, 50);
    } finally {
      await s.close(1000);
      await rm(d, { recursive: true, force: true });
    }
  });
});

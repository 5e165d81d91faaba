/**
 * com.vmgate.pools, com.vmgate.pools.entitlements and com.vmgate.events over real HTTPS,
 * both flavours, through VapiClient (trusting the server's certificate) plus raw REST.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { VapiClient } from '../../../src/clients/vapi/index.ts';
import { ADMIN_PASSWORD } from '../../support/test-server.ts';
import { rejectsWith, useVapiServer } from '../../support/vapi-kit.ts';

const kit = useVapiServer();
const { client, rest } = kit;

async function vmIds(...names: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const name of names) {
    const vm = await kit.s.server.core.ctx.store.vms.getByName(name);
    assert.ok(vm, name);
    out.push(vm.id);
  }
  return out;
}

for (const flavour of ['jsonrpc', 'rest'] as const) {
  describe(`vmgate pools, entitlements, events (${flavour})`, () => {
    let c: VapiClient;
    const n = (base: string) => `${base}-${flavour}`;
    before(async () => {
      c = client(flavour);
      await c.login('administrator@vsphere.local', ADMIN_PASSWORD);
    });
    after(() => c.close());

    it('pools: create, get, list, add/remove VMs, disable/enable, delete', async () => {
      const [d0, d1, d2] = await vmIds('Desktop-2', 'Desktop-3', 'Desktop-4');
      const id = await c.vmgate.pools.create({ name: n('floaters'), display_name: 'Floating desktops', type: 'FLOATING', vms: [d0!, 'Desktop-3'], protocols: ['RDP', 'VNC'], default_protocol: 'RDP' });
      assert.match(id, /^pool-\d+$/);
      const info = await c.vmgate.pools.get(n('floaters'));
      assert.deepEqual({ ...info, created: 'x' }, {
        pool: id, name: n('floaters'), display_name: 'Floating desktops', type: 'FLOATING', enabled: true,
        vms: [d0, d1], protocols: ['RDP', 'VNC'], default_protocol: 'RDP', reset_allowed: true, created: 'x',
      });
      const summary = (await c.vmgate.pools.list()).find((p) => p.pool === id);
      assert.deepEqual(summary, { pool: id, name: n('floaters'), display_name: 'Floating desktops', type: 'FLOATING', enabled: true, vm_count: 2 });
      assert.ok((await c.vmgate.pools.list()).some((p) => p.name === 'demo-desktops' && p.type === 'DEDICATED'), 'the demo pool');

      await c.vmgate.pools.addVms(id, [d2!]);
      await c.vmgate.pools.removeVms(id, [d0!]);
      assert.deepEqual((await c.vmgate.pools.get(id)).vms, [d1, d2]);
      await c.vmgate.pools.disable(id);
      assert.equal((await c.vmgate.pools.get(id)).enabled, false);
      await c.vmgate.pools.enable(n('floaters'));
      assert.equal((await c.vmgate.pools.get(id)).enabled, true);

      await rejectsWith(c.vmgate.pools.create({ name: n('floaters'), type: 'DEDICATED' }), 'ALREADY_EXISTS');
      await rejectsWith(c.vmgate.pools.create({ name: 'bad name!', type: 'DEDICATED' }), 'INVALID_ARGUMENT');
      await rejectsWith(c.vmgate.pools.create({ name: n('ghosts'), type: 'DEDICATED', vms: ['vm-9999'] }), 'NOT_FOUND');
      await c.vmgate.pools.delete(id);
      await rejectsWith(c.vmgate.pools.get(id), 'NOT_FOUND');
    });

    it('entitlements: entitle a user and a group, list by name, the user sees the pool; remove', async () => {
      const id = await c.vmgate.pools.create({ name: n('desk'), type: 'DEDICATED', vms: await vmIds('Desktop-4') });
      const { password } = await c.vmgate.users.create({ name: n('hank') });
      await c.vmgate.permissions.set({ principal: `user:${n('hank')}`, entity: 'root', role: 'desktop-user' });
      const g = await c.vmgate.groups.create({ name: n('desk-users') });
      const e1 = await c.vmgate.pools.entitlements.add(id, `user:${n('hank')}`);
      assert.match(e1, /^entitlement-\d+$/);
      assert.equal(await c.vmgate.pools.entitlements.add(n('desk'), n('hank')), e1, 'idempotent; a bare name is a user');
      await c.vmgate.pools.entitlements.add(id, `group:${g}`);
      const list = await c.vmgate.pools.entitlements.list(id);
      assert.deepEqual(list.map((e) => e.principal), [`user:${n('hank')}`, `group:${n('desk-users')}`]);

      // The entitlement is the one the broker uses: hank's entitled desktops include the pool.
      const hank = await kit.s.server.core.identity.login(n('hank'), password!, 'test');
      assert.ok((await kit.s.server.core.vdi.entitledDesktops(hank.caller)).some((d) => d.pool.id === id));

      await c.vmgate.pools.entitlements.remove(id, `user:${n('hank')}`);
      assert.deepEqual((await c.vmgate.pools.entitlements.list(id)).map((e) => e.principal), [`group:${n('desk-users')}`]);
      assert.equal((await kit.s.server.core.vdi.entitledDesktops(hank.caller)).some((d) => d.pool.id === id), false);
      await rejectsWith(c.vmgate.pools.entitlements.remove(id, `user:${n('hank')}`), 'NOT_FOUND');
      await rejectsWith(c.vmgate.pools.entitlements.add(id, 'user:nobody-at-all'), 'NOT_FOUND');
      await rejectsWith(c.vmgate.pools.entitlements.add(id, 'robot:r2d2'), 'INVALID_ARGUMENT');

      // Desktop users may not manage pools.
      const hc = client(flavour);
      await hc.login(n('hank'), password!);
      await rejectsWith(hc.vmgate.pools.list(), 'UNAUTHORIZED');
      await rejectsWith(hc.vmgate.pools.entitlements.add(id, `user:${n('hank')}`), 'UNAUTHORIZED');
      hc.close();
    });

    it('events: a power change shows up for its VM, newest first, with user and task', async () => {
      const [vm] = await vmIds(flavour === 'jsonrpc' ? 'DC0_C0_H1_VM1' : 'DC0_H0_VM2');
      await rest('POST', `/api/vcenter/vm/${vm}/power?action=stop`);
      const events = await c.vmgate.events.list({ object: vm, limit: 5 });
      assert.ok(events.length >= 1 && events.length <= 5);
      const ev = events[0]!;
      assert.equal(ev.object, vm);
      assert.equal(ev.type, 'vm.poweredOff');
      assert.equal(ev.severity, 'INFO');
      assert.equal(ev.user, 'administrator');
      assert.ok(ev.task !== undefined);
      assert.match(ev.message, /powered off/i);
      for (let i = 1; i < events.length; i++) assert.ok(events[i - 1]!.id > events[i]!.id, 'newest first');

      const all = await c.vmgate.events.list();
      assert.ok(all.length > 0 && all.length <= 100);
      const page = await c.vmgate.events.list({ before: ev.id, limit: 3 });
      assert.ok(page.every((e) => e.id < ev.id));
      assert.ok(page.length <= 3);
      await rejectsWith(c.vmgate.events.list({ limit: 0 }), 'INVALID_ARGUMENT');
      await rejectsWith(c.vmgate.events.list({ limit: 20_000 }), 'INVALID_ARGUMENT');
    });
  });
}

describe('vmgate pools and events: REST statuses and malformed input', () => {
  it('pools: 201 id, 200 get/list, 204 actions and delete; entitlements 201/200/204', async () => {
    const c = await rest('POST', '/api/vmgate/pools', { body: { name: 'rest-pool', type: 'FLOATING' } });
    assert.equal(c.status, 201);
    const id = c.json as string;
    assert.equal((await rest('GET', `/api/vmgate/pools/${id}`)).status, 200);
    assert.equal((await rest('GET', '/api/vmgate/pools')).status, 200);
    assert.equal((await rest('POST', `/api/vmgate/pools/${id}?action=add-vms`, { body: { vms: await vmIds('Desktop-0') } })).status, 204);
    assert.equal((await rest('POST', `/api/vmgate/pools/${id}?action=remove-vms`, { body: { vms: ['Desktop-0'] } })).status, 204);
    assert.equal((await rest('POST', `/api/vmgate/pools/${id}?action=disable`)).status, 204);
    assert.equal((await rest('POST', `/api/vmgate/pools/${id}?action=enable`)).status, 204);
    const e = await rest('POST', `/api/vmgate/pools/${id}/entitlements`, { body: { principal: 'user:demo' } });
    assert.equal(e.status, 201);
    assert.deepEqual(((await rest('GET', `/api/vmgate/pools/${id}/entitlements`)).json as { principal: string }[]).map((x) => x.principal), ['user:demo']);
    assert.equal((await rest('DELETE', `/api/vmgate/pools/${id}/entitlements/${encodeURIComponent('user:demo')}`)).status, 204);
    assert.equal((await rest('DELETE', `/api/vmgate/pools/${id}`)).status, 204);
    assert.equal((await rest('GET', `/api/vmgate/pools/${id}`)).status, 404);
  });

  it('events: GET with query parameters', async () => {
    const r = await rest('GET', '/api/vmgate/events?limit=2');
    assert.equal(r.status, 200);
    const list = r.json as { id: number; time: string; severity: string }[];
    assert.equal(list.length, 2);
    assert.ok(list[0]!.id > list[1]!.id);
    assert.ok(['INFO', 'WARNING', 'ERROR'].includes(list[0]!.severity));
    const page = await rest('GET', `/api/vmgate/events?limit=1&before=${list[0]!.id}`);
    assert.deepEqual(page.json, [list[1]]);
  });

  it('malformed input: bad enum values, wrong types, bad query text', async () => {
    const cases: [string, string, unknown][] = [
      ['POST', '/api/vmgate/pools', { name: 'p', type: 'SHARED' }],
      ['POST', '/api/vmgate/pools', { name: 'p', type: 'FLOATING', protocols: ['TELNET'] }],
      ['POST', '/api/vmgate/pools', { name: 'p' }],
      ['POST', '/api/vmgate/pools/demo-desktops?action=add-vms', { vms: 'Desktop-0' }],
      ['POST', '/api/vmgate/pools/demo-desktops/entitlements', { principal: 5 }],
      ['GET', '/api/vmgate/events?limit=lots', undefined],
      ['GET', '/api/vmgate/events?before=1.5', undefined],
    ];
    for (const [method, path, body] of cases) {
      const r = await rest(method, path, body === undefined ? {} : { body });
      assert.equal(r.status, 400, `${method} ${path} ${JSON.stringify(body)}`);
      assert.equal((r.json as { error_type: string }).error_type, 'INVALID_ARGUMENT', `${method} ${path}`);
    }
    assert.equal((await rest('GET', '/api/vmgate/nothing-here')).status, 404);
  });
});

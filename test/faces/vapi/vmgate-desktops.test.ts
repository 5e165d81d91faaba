/**
 * com.vmgate.desktops over real HTTPS with the demo inventory: the `demo` user's desktop
 * pool and an application pool entitled through a group, launching each into a one-time
 * console ticket that opens the desktop's screen through the WebSocket proxy (demo holds no
 * VirtualMachine.Console permission: the entitlement is the authorization), and users
 * without an entitlement or without Desktop.Use.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { SYSTEM_CALLER } from '../../../src/core/index.ts';
import type { Vm } from '../../../src/core/index.ts';
import { UpgradeRefused, wsRfbSession } from '../../support/ws-rfb-client.ts';
import { useVapiServer } from '../../support/vapi-kit.ts';

const kit = useVapiServer();
const DEMO = 'demo:demo-password-1';
const WSS_TICKET = /^wss:\/\/127\.0\.0\.1:(\d+)\/console\/vnc\/[A-Za-z0-9_-]{43}$/;
const core = () => kit.s.server.core;
const vmNamed = async (name: string): Promise<Vm> => (await core().vms.list(SYSTEM_CALLER)).find((v) => v.name === name)!;

describe('com.vmgate.desktops (GET /api/vmgate/desktops, POST /api/vmgate/desktops/{pool}?action=launch)', () => {
  let appVm: Vm;
  before(async () => {
    // An application pool on a running VM, entitled to a group demo belongs to.
    appVm = await vmNamed('DC0_H0_VM0');
    assert.equal(appVm.powerState, 'poweredOn');
    const c = core();
    const pool = await c.vdi.createPool(SYSTEM_CALLER, { name: 'calc', displayName: 'Calculators', type: 'application', vmIds: [appVm.id] });
    assert.equal(pool.id, 'pool-2');
    const app = await c.vdi.publishApplication(SYSTEM_CALLER, pool.id, { name: 'Calculator', path: 'C:\\Windows\\System32\\calc.exe' });
    assert.equal(app.id, 'app-1');
    await c.identity.createGroup(SYSTEM_CALLER, { name: 'staff', members: ['demo'] });
    await c.vdi.entitle(SYSTEM_CALLER, pool.id, 'group:staff');
  });

  it('demo: its desktop pool (no desktop assigned yet) and the application entitled through its group', async () => {
    const r = await kit.rest('GET', '/api/vmgate/desktops', { basic: DEMO });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, [
      { pool: 'pool-1', name: 'Demo desktops', kind: 'DESKTOP' },
      { pool: 'pool-2', name: 'Calculator', kind: 'APPLICATION', application: 'app-1' },
    ]);
  });

  it('demo launches its desktop: a running VM and a one-time wss:// ticket that opens its screen', async () => {
    const r = await kit.rest('POST', '/api/vmgate/desktops/pool-1?action=launch', { basic: DEMO });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const { vm, ticket } = r.json as { vm: string; ticket: string };
    const desktop = await core().vms.get(SYSTEM_CALLER, vm);
    assert.match(desktop.name, /^Desktop-\d$/);
    assert.equal(desktop.powerState, 'poweredOn');
    assert.equal(Number(WSS_TICKET.exec(ticket)?.[1]), kit.s.port, ticket);
    const rfb = await wsRfbSession(ticket, kit.s.ca, { protocols: ['binary'] });
    assert.deepEqual(rfb, { protocol: 'binary', types: [1], name: desktop.name, width: 640, height: 480, firstMessageType: 0 });
    const again = await wsRfbSession(ticket, kit.s.ca).then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(again instanceof UpgradeRefused, String(again));
    assert.equal(again.status, 401);
    // The list now names the desktop and its state; launching again gives the same desktop.
    const list = await kit.rest('GET', '/api/vmgate/desktops', { basic: DEMO });
    assert.deepEqual((list.json as unknown[])[0], { pool: 'pool-1', name: 'Demo desktops', kind: 'DESKTOP', vm, power_state: 'POWERED_ON' });
    const second = await kit.rest('POST', '/api/vmgate/desktops/pool-1?action=launch', { basic: DEMO });
    assert.equal((second.json as { vm: string }).vm, vm);
  });

  it('demo launches the application (the pool’s only one, or named): the shared VM', async () => {
    const r = await kit.rest('POST', '/api/vmgate/desktops/pool-2?action=launch', { basic: DEMO });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal((r.json as { vm: string }).vm, appVm.id);
    assert.match((r.json as { ticket: string }).ticket, WSS_TICKET);
    const named = await kit.rest('POST', '/api/vmgate/desktops/pool-2?action=launch', { basic: DEMO, body: { application: 'app-1' } });
    assert.equal(named.status, 200);
    assert.equal((named.json as { vm: string }).vm, appVm.id);
    const list = await kit.rest('GET', '/api/vmgate/desktops', { basic: DEMO });
    assert.deepEqual((list.json as unknown[])[1], { pool: 'pool-2', name: 'Calculator', kind: 'APPLICATION', application: 'app-1', vm: appVm.id, power_state: 'POWERED_ON' });
  });

  it('bad launches: an application that is not the pool’s (404), an application on a desktop pool (400), an unknown pool (404)', async () => {
    const wrongApp = await kit.rest('POST', '/api/vmgate/desktops/pool-2?action=launch', { basic: DEMO, body: { application: 'app-9' } });
    assert.equal(wrongApp.status, 404);
    assert.equal((wrongApp.json as { error_type: string }).error_type, 'NOT_FOUND');
    const onDesktopPool = await kit.rest('POST', '/api/vmgate/desktops/pool-1?action=launch', { basic: DEMO, body: { application: 'app-1' } });
    assert.equal(onDesktopPool.status, 400);
    assert.equal((onDesktopPool.json as { error_type: string }).error_type, 'INVALID_ARGUMENT');
    assert.equal((await kit.rest('POST', '/api/vmgate/desktops/pool-77?action=launch', { basic: DEMO })).status, 404);
  });

  it('a desktop user with no entitlement sees nothing and cannot launch demo’s pool (404, as the broker’s NOT_ENTITLED)', async () => {
    const u = await core().identity.createUser(SYSTEM_CALLER, { name: 'outsider', password: 'outsider-password-1' });
    await core().identity.setPermission(SYSTEM_CALLER, { principal: `user:${u.user.id}`, entityId: 'root', roleId: 'desktop-user', propagate: false });
    const list = await kit.rest('GET', '/api/vmgate/desktops', { basic: 'outsider:outsider-password-1' });
    assert.deepEqual(list, { status: 200, json: [] });
    const r = await kit.rest('POST', '/api/vmgate/desktops/pool-1?action=launch', { basic: 'outsider:outsider-password-1' });
    assert.equal(r.status, 404);
    assert.equal((r.json as { error_type: string }).error_type, 'NOT_FOUND');
  });

  it('an administrator who is not entitled is refused the launch (403); a user without Desktop.Use cannot list (403)', async () => {
    const admin = await kit.rest('POST', '/api/vmgate/desktops/pool-1?action=launch');
    assert.equal(admin.status, 403);
    assert.equal((admin.json as { error_type: string }).error_type, 'UNAUTHORIZED');
    await core().identity.createUser(SYSTEM_CALLER, { name: 'plain', password: 'plain-password-1' });
    const plain = await kit.rest('GET', '/api/vmgate/desktops', { basic: 'plain:plain-password-1' });
    assert.equal(plain.status, 403);
  });
});

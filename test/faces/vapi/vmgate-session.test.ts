/**
 * com.vmgate.session over real HTTPS: who the caller is and their privileges on the
 * inventory root, as the administrator, the demo desktop user, and a user whose only
 * permission is on one VM (nothing on root).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SYSTEM_CALLER } from '../../../src/core/index.ts';
import { useVapiServer } from '../../support/vapi-kit.ts';

const kit = useVapiServer();

describe('com.vmgate.session get (GET /api/vmgate/session)', () => {
  it('the administrator: every privilege, sorted, administrator true', async () => {
    const r = await kit.rest('GET', '/api/vmgate/session');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, {
      user: 'administrator',
      administrator: true,
      privileges: [
        'Authorization.Modify',
        'Datastore.Browse',
        'Datastore.FileManagement',
        'Desktop.Admin',
        'Desktop.Use',
        'Host.Config',
        'System.View',
        'Task.Cancel',
        'VirtualMachine.Config',
        'VirtualMachine.Console',
        'VirtualMachine.GuestOps',
        'VirtualMachine.Inventory',
        'VirtualMachine.PowerOps',
        'VirtualMachine.Snapshot',
      ],
    });
  });

  it('the demo desktop user: Desktop.Use and VirtualMachine.Console, not an administrator', async () => {
    const r = await kit.rest('GET', '/api/vmgate/session', { basic: 'demo:demo-password-1' });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { user: 'demo', administrator: false, privileges: ['Desktop.Use', 'VirtualMachine.Console'] });
  });

  it('a user with an operator permission on one VM only: nothing on root', async () => {
    const core = kit.s.server.core;
    const u = await core.identity.createUser(SYSTEM_CALLER, { name: 'vmonly', password: 'vmonly-password-1' });
    const vm = (await core.vms.list(SYSTEM_CALLER))[0]!;
    await core.identity.setPermission(SYSTEM_CALLER, { principal: `user:${u.user.id}`, entityId: vm.id, roleId: 'operator' });
    const r = await kit.rest('GET', '/api/vmgate/session', { basic: 'vmonly:vmonly-password-1' });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { user: 'vmonly', administrator: false, privileges: [] });
  });

  it('without a session: 401', async () => {
    const r = await kit.s.request('GET', '/api/vmgate/session');
    assert.equal(r.status, 401);
  });

  it('the typed client has it as vmgate.session.get', async () => {
    const c = kit.client('jsonrpc');
    await c.login('demo', 'demo-password-1');
    assert.deepEqual(await c.vmgate.session.get(), { user: 'demo', administrator: false, privileges: ['Desktop.Use', 'VirtualMachine.Console'] });
    c.close();
  });
});

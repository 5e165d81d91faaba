import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TASK_KINDS } from '../../../src/core/model/index.ts';
import type { Task } from '../../../src/core/model/index.ts';
import { isImplemented } from '../../../src/faces/vapi/dispatch.ts';
import { TASK_OPERATIONS, taskDescription, taskOperation } from '../../../src/faces/vapi/handlers/mappings.ts';
import { taskInfo } from '../../../src/faces/vapi/handlers/tasks.ts';

describe('task kinds: core\'s one table, mapped by the vAPI face', () => {
  it('the face maps exactly the kinds core declares', () => {
    assert.deepEqual(Object.keys(TASK_OPERATIONS).sort(), Object.keys(TASK_KINDS).sort());
  });

  it('every kind maps to an operation the face implements, or to com.vmgate.tasks', () => {
    for (const [kind, op] of Object.entries(TASK_OPERATIONS)) {
      if (op.service === 'com.vmgate.tasks') assert.equal(op.operation, kind);
      else assert.ok(isImplemented(op.service, op.operation), `${kind} → ${op.service}.${op.operation}`);
    }
  });

  it('power kinds go to vm.power and vm.guest.power as vCenter names them', () => {
    assert.deepEqual(TASK_OPERATIONS['vm.powerOn'], { service: 'com.vmware.vcenter.vm.power', operation: 'start' });
    assert.deepEqual(TASK_OPERATIONS['vm.resume'], { service: 'com.vmware.vcenter.vm.power', operation: 'start' });
    assert.deepEqual(TASK_OPERATIONS['vm.shutdownGuest'], { service: 'com.vmware.vcenter.vm.guest.power', operation: 'shutdown' });
    assert.deepEqual(TASK_OPERATIONS['vm.clone'], { service: 'com.vmware.vcenter.VM', operation: 'clone' });
  });

  it('a kind written by another version still shows, as com.vmgate.tasks', () => {
    assert.deepEqual(taskOperation('host.enterMaintenance'), { service: 'com.vmgate.tasks', operation: 'host.enterMaintenance' });
    assert.equal(taskDescription({ kind: 'host.enterMaintenance' as Task['kind'], targetName: null }), 'host.enterMaintenance');
  });

  it('cis.tasks shows core\'s description with the target', () => {
    const t: Task = {
      id: '00000000-0000-4000-8000-000000000001', kind: 'vm.clone', targetId: 'vm-3', targetName: 'web01', state: 'running', progress: 5, step: 'Copying disks',
      cancellable: false, result: null, error: null, ownerId: null, ownerName: null, createdAt: '2026-01-01T00:00:00.000Z', startedAt: '2026-01-01T00:00:00.000Z', finishedAt: null,
    };
    const info = taskInfo(t);
    assert.equal(info.description.default_message, 'Clone a virtual machine: web01');
    assert.equal(info.description.id, 'vmgate.task.vm.clone');
    assert.equal(info.service, 'com.vmware.vcenter.VM');
    assert.equal(info.operation, 'clone');
  });
});

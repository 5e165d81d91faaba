/**
 * Translations between core's model and vSphere's vocabulary, shared by the handlers.
 */
import type { PowerState, Task, TaskKind } from '../../../core/model/index.ts';
import { TASK_KINDS, isTaskKind } from '../../../core/model/index.ts';
import type { StdError } from '../../../protocols/vapi/codec/index.ts';
import { message } from '../../../protocols/vapi/codec/index.ts';
import { stdErrorKindOf } from '../../../protocols/vapi/types/index.ts';
import { toStdError } from '../errors.ts';
import { VmgateError } from '../../../core/errors.ts';

export type VapiPowerState = 'POWERED_ON' | 'POWERED_OFF' | 'SUSPENDED';

/** vSphere has three power states; transitional ones report where the VM still is. */
export function vapiPowerState(s: PowerState): VapiPowerState {
  switch (s) {
    case 'poweredOff':
    case 'poweringOn':
      return 'POWERED_OFF';
    case 'suspended':
      return 'SUSPENDED';
    default:
      return 'POWERED_ON';
  }
}

export function corePowerStates(states: readonly string[]): PowerState[] {
  const out: PowerState[] = [];
  for (const s of states) {
    if (s === 'POWERED_ON') out.push('poweredOn', 'paused', 'resetting', 'poweringOff', 'suspending');
    else if (s === 'POWERED_OFF') out.push('poweredOff', 'poweringOn');
    else if (s === 'SUSPENDED') out.push('suspended');
  }
  return out;
}

/**
 * Core task kinds (TASK_KINDS) → the vAPI service and operation that start them (cis.tasks
 * shows these). Kinds no vAPI operation starts show as com.vmgate.tasks.
 */
export const TASK_OPERATIONS: Readonly<Record<TaskKind, { service: string; operation: string }>> = {
  'vm.powerOn': { service: 'com.vmware.vcenter.vm.power', operation: 'start' },
  'vm.resume': { service: 'com.vmware.vcenter.vm.power', operation: 'start' },
  'vm.powerOff': { service: 'com.vmware.vcenter.vm.power', operation: 'stop' },
  'vm.suspend': { service: 'com.vmware.vcenter.vm.power', operation: 'suspend' },
  'vm.reset': { service: 'com.vmware.vcenter.vm.power', operation: 'reset' },
  'vm.shutdownGuest': { service: 'com.vmware.vcenter.vm.guest.power', operation: 'shutdown' },
  'vm.rebootGuest': { service: 'com.vmware.vcenter.vm.guest.power', operation: 'reboot' },
  'vm.standbyGuest': { service: 'com.vmware.vcenter.vm.guest.power', operation: 'standby' },
  'vm.pause': { service: 'com.vmgate.tasks', operation: 'vm.pause' },
  'vm.unpause': { service: 'com.vmgate.tasks', operation: 'vm.unpause' },
  'vm.waitForTools': { service: 'com.vmgate.tasks', operation: 'vm.waitForTools' },
  'vm.relocate': { service: 'com.vmware.vcenter.VM', operation: 'relocate' },
  'vm.clone': { service: 'com.vmware.vcenter.VM', operation: 'clone' },
  'vm.upgrade': { service: 'com.vmware.vcenter.vm.hardware', operation: 'upgrade' },
  'vm.snapshot.create': { service: 'com.vmgate.vm.snapshots', operation: 'create' },
  'vm.snapshot.revert': { service: 'com.vmgate.vm.snapshots', operation: 'revert' },
  'vm.snapshot.remove': { service: 'com.vmgate.vm.snapshots', operation: 'delete' },
  'guest.run': { service: 'com.vmgate.vm.guest.programs', operation: 'run' },
  'datastore.fileCopy': { service: 'com.vmgate.tasks', operation: 'datastore.fileCopy' },
  'vm.brokerStart': { service: 'com.vmgate.tasks', operation: 'vm.brokerStart' },
  'vm.brokerPlace': { service: 'com.vmgate.tasks', operation: 'vm.brokerPlace' },
};

/** A kind this vmgate does not know (a row written by another version) shows as com.vmgate.tasks. */
export function taskOperation(kind: string): { service: string; operation: string } {
  return isTaskKind(kind) ? TASK_OPERATIONS[kind] : { service: 'com.vmgate.tasks', operation: kind };
}

/** The task's description in core's words (TASK_KINDS), with its target. */
export function taskDescription(t: Pick<Task, 'kind' | 'targetName'>): string {
  const what = isTaskKind(t.kind) ? TASK_KINDS[t.kind].description : t.kind;
  return `${what}${t.targetName ? `: ${t.targetName}` : ''}`;
}

/** A core task's error as the std error a vSphere client expects. */
export function taskStdError(t: Task): StdError | undefined {
  if (!t.error) return undefined;
  return toStdError(new VmgateError(t.error.kind, t.error.message, { module: 'core.tasks', ...(t.error.reason ? { reason: t.error.reason } : {}) }));
}

export { message, stdErrorKindOf };

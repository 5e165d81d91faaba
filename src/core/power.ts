import { notAllowedInCurrentState } from './errors.ts';
import type { PowerState, Vm } from './model/index.ts';

/** Every power operation core knows, the states it may start from, and where it goes. */
export type PowerOp =
  | 'powerOn'
  | 'resume'
  | 'powerOff'
  | 'shutdownGuest'
  | 'reset'
  | 'rebootGuest'
  | 'suspend'
  | 'standbyGuest'
  | 'pause'
  | 'unpause';

export interface PowerTransition {
  readonly from: readonly PowerState[];
  /** Transitional state while the driver works (null: none shown). */
  readonly via: PowerState | null;
  readonly to: PowerState;
  /** Needs tools running in the guest. */
  readonly needsTools: boolean;
  readonly label: string;
}

export const POWER_TRANSITIONS: Readonly<Record<PowerOp, PowerTransition>> = {
  powerOn: { from: ['poweredOff'], via: 'poweringOn', to: 'poweredOn', needsTools: false, label: 'power on' },
  resume: { from: ['suspended'], via: 'poweringOn', to: 'poweredOn', needsTools: false, label: 'resume' },
  powerOff: { from: ['poweredOn', 'paused', 'suspended'], via: 'poweringOff', to: 'poweredOff', needsTools: false, label: 'power off' },
  shutdownGuest: { from: ['poweredOn'], via: 'poweringOff', to: 'poweredOff', needsTools: true, label: 'shut down the guest of' },
  reset: { from: ['poweredOn', 'paused'], via: 'resetting', to: 'poweredOn', needsTools: false, label: 'reset' },
  rebootGuest: { from: ['poweredOn'], via: 'resetting', to: 'poweredOn', needsTools: true, label: 'reboot the guest of' },
  suspend: { from: ['poweredOn'], via: 'suspending', to: 'suspended', needsTools: false, label: 'suspend' },
  standbyGuest: { from: ['poweredOn'], via: 'suspending', to: 'suspended', needsTools: true, label: 'put the guest in standby of' },
  pause: { from: ['poweredOn'], via: null, to: 'paused', needsTools: false, label: 'pause' },
  unpause: { from: ['paused'], via: null, to: 'poweredOn', needsTools: false, label: 'unpause' },
};

const STATE_WORDS: Readonly<Record<PowerState, string>> = {
  poweredOff: 'powered off',
  poweringOn: 'powering on',
  poweredOn: 'powered on',
  suspending: 'suspending',
  suspended: 'suspended',
  poweringOff: 'powering off',
  resetting: 'resetting',
  paused: 'paused',
};

export function describePowerState(state: PowerState): string {
  return STATE_WORDS[state];
}

/** Throws not_allowed_in_current_state, with a message that names the VM and both states. */
export function checkPowerTransition(op: PowerOp, vm: Pick<Vm, 'id' | 'name' | 'powerState' | 'toolsState'>): PowerTransition {
  const t = POWER_TRANSITIONS[op];
  if (!t.from.includes(vm.powerState)) {
    const already = vm.powerState === t.to;
    const msg = already
      ? `cannot ${t.label} ${vm.id} (${vm.name}): it is already ${describePowerState(vm.powerState)}`
      : `cannot ${t.label} ${vm.id} (${vm.name}) while it is ${describePowerState(vm.powerState)}; allowed from: ${t.from.map(describePowerState).join(', ')}`;
    const reason = already ? 'already_in_state' : t.from.every((s) => s !== 'poweredOff') && vm.powerState === 'poweredOff' ? 'vm_not_running' : undefined;
    throw notAllowedInCurrentState(msg, { module: 'core.power', ...(reason ? { reason } : {}), details: { op, state: vm.powerState } });
  }
  if (t.needsTools && vm.toolsState !== 'running') {
    throw notAllowedInCurrentState(`cannot ${t.label} ${vm.id} (${vm.name}): VMware Tools / the guest agent is not running`, {
      module: 'core.power',
      reason: 'tools_not_running',
    });
  }
  return t;
}

/** States that count against host capacity. */
export function isRunningState(state: PowerState): boolean {
  return state !== 'poweredOff' && state !== 'suspended';
}

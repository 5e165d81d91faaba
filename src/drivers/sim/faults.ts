import type { ErrorKind, ErrorReason } from '../../core/errors.ts';
import { VmgateError } from '../../core/errors.ts';
import type { DriverVm } from '../../core/ports/driver.ts';
import { SIM_MODULE, simError } from './sim-error.ts';

/** Driver operations a fault can be attached to (the member names of the driver and its GuestOps). */
export type SimOperation =
  | 'powerOn'
  | 'powerOff'
  | 'reset'
  | 'suspend'
  | 'resume'
  | 'discardSuspendState'
  | 'pause'
  | 'unpause'
  | 'waitForTools'
  | 'createDisks'
  | 'createSnapshot'
  | 'revertSnapshot'
  | 'removeSnapshot'
  | 'console'
  | 'reattach'
  | 'authenticate'
  | 'startProgram'
  | 'waitProgram'
  | 'listProcesses'
  | 'killProcess'
  | 'stat'
  | 'listDirectory'
  | 'makeDirectory'
  | 'removeDirectory'
  | 'removeFile'
  | 'move'
  | 'createTempFile'
  | 'readFile'
  | 'writeFile'
  | 'environment'
  | 'setDeviceConnected';

/**
 * A failure to inject: when `op` runs on a VM whose name matches `vmName` (all VMs when
 * absent), it fails with `kind`/`message` with the given probability, before anything
 * changes. `{vm}` in the message becomes the VM's name.
 */
export interface SimFault {
  readonly op: SimOperation;
  readonly vmName?: string | RegExp;
  /** 0..1 */
  readonly probability: number;
  readonly kind: ErrorKind;
  readonly message: string;
  readonly reason?: ErrorReason;
}

/** Decides, per call, whether an injected fault fires. */
export class FaultInjector {
  readonly #faults: readonly SimFault[];
  readonly #random: () => number;

  constructor(faults: readonly SimFault[], random: () => number) {
    for (const f of faults) {
      if (!(f.probability >= 0 && f.probability <= 1)) throw simError('invalid_argument', `fault on ${f.op}: probability ${f.probability} is not between 0 and 1`);
    }
    this.#faults = faults;
    this.#random = random;
  }

  /** Throws the first matching fault that fires. */
  check(op: SimOperation, vm: DriverVm): void {
    for (const f of this.#faults) {
      if (f.op !== op || !matches(f.vmName, vm.name)) continue;
      if (f.probability === 0 || this.#random() >= f.probability) continue;
      throw new VmgateError(f.kind, f.message.replaceAll('{vm}', vm.name), {
        module: SIM_MODULE,
        ...(f.reason ? { reason: f.reason } : {}),
        details: { injectedFault: true, op, vmId: vm.id },
      });
    }
  }
}

function matches(pattern: string | RegExp | undefined, name: string): boolean {
  if (pattern === undefined) return true;
  if (typeof pattern === 'string') return pattern === name;
  pattern.lastIndex = 0;
  return pattern.test(name);
}

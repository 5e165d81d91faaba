/**
 * Port forwards of VMs on a `nat` network: a host address and port that lead to a port
 * of the guest. Each VM's list lives in its `.vmx` (src/core/vmx/vmx-port-forwards.ts);
 * the driver applies it when the guest starts (QEMU: passt's `-t`/`-u` options). A change
 * to a running VM applies at its next power-on (QEMU 7.2 cannot reconnect a NIC to a new
 * passt), and the reply says so.
 *
 * A host port (per protocol) belongs to one forward of one VM, whatever the address; a
 * new forward must also be bindable now (the driver checks: nothing else listens there,
 * and a port below 1024 only when the process may bind it). Changes are serialized across
 * VMs, so two requests cannot both take one port.
 */
import { isIP } from 'node:net';
import type { Caller } from './caller.ts';
import type { CoreContext } from './context.ts';
import { alreadyExists, invalidArgument, notFound } from './errors.ts';
import type { EventLog } from './events.ts';
import { KeyedSerializer } from './keyed-serializer.ts';
import type { PortForward, Vm } from './model/index.ts';
import type { DriverVm } from './ports/driver.ts';
import { isRunningState } from './power.ts';
import type { VmRuntime } from './vm-runtime.ts';
import type { VmService } from './vms.ts';
import { parseVmx, readPortForwards, writePortForwards } from './vmx/index.ts';

const MODULE = 'core.portForwards';
const MAX_FORWARDS_PER_VM = 64;

export interface PortForwardSpec {
  readonly protocol?: 'tcp' | 'udp';
  readonly hostPort: number;
  readonly guestPort: number;
  /** Default 127.0.0.1 (this machine only); 0.0.0.0 or :: listens on every address. */
  readonly hostAddress?: string;
}

/** A forward with its id: `<protocol>-<host port>` (`tcp-2222`), unique on this host. */
export interface PortForwardEntry extends PortForward {
  readonly id: string;
}

export interface PortForwardChange {
  readonly forward: PortForwardEntry;
  /** The VM runs (or is paused): its running network does not have the change until it is powered off and on. */
  readonly pendingUntilPowerOn: boolean;
}

export function portForwardId(f: Pick<PortForward, 'protocol' | 'hostPort'>): string {
  return `${f.protocol}-${f.hostPort}`;
}

export class PortForwardService {
  /** One key: the check against every VM's forwards and the write are one step. */
  readonly #serial = new KeyedSerializer();

  constructor(
    private readonly ctx: CoreContext,
    private readonly events: EventLog,
    private readonly vms: VmService,
    private readonly rt: VmRuntime,
  ) {}

  /** The VM's forwards (System.View on it). */
  async list(caller: Caller, ref: string): Promise<PortForwardEntry[]> {
    const vm = await this.vms.resolve(caller, ref);
    return (await this.#read(vm)).map(withId);
  }

  /** Adds a forward (VirtualMachine.Config on the VM). */
  async add(caller: Caller, ref: string, spec: PortForwardSpec): Promise<PortForwardChange> {
    const vm = await this.vms.resolve(caller, ref, 'VirtualMachine.Config');
    const f = checkSpec(spec);
    return this.#serial.run('all', async () => {
      const release = this.ctx.locks.acquire(vm.id, 'a port forward change');
      try {
        const cur = (await this.ctx.store.vms.get(vm.id)) ?? vm;
        const mine = await this.#read(cur);
        if (mine.length >= MAX_FORWARDS_PER_VM) throw invalidArgument(`${cur.id} (${cur.name}) has ${MAX_FORWARDS_PER_VM} port forwards, the most a VM may have`, { module: MODULE });
        for (const other of await this.ctx.store.vms.query({})) {
          const theirs = other.id === cur.id ? mine : await this.#read(other).catch(() => []);
          const clash = theirs.find((t) => t.protocol === f.protocol && t.hostPort === f.hostPort);
          if (clash) {
            throw alreadyExists(`${f.protocol} port ${f.hostPort} of this host is already forwarded to ${other.id} (${other.name}), port ${clash.guestPort}`, { module: MODULE });
          }
        }
        const driver = this.rt.driverFor(cur);
        if (driver.checkHostPort) await driver.checkHostPort(f);
        await this.#write(cur, [...mine, f]);
        const entry = withId(f);
        await this.events.record(cur.id, 'vm.portForwardAdded', `${f.protocol} ${hostPart(f)} forwarded to port ${f.guestPort} of ${cur.name}`, { caller });
        return { forward: entry, pendingUntilPowerOn: isRunningState(cur.powerState) };
      } finally {
        release();
      }
    });
  }

  /** Removes a forward by its id (`tcp-2222`); VirtualMachine.Config on the VM. */
  async remove(caller: Caller, ref: string, id: string): Promise<PortForwardChange> {
    const vm = await this.vms.resolve(caller, ref, 'VirtualMachine.Config');
    return this.#serial.run('all', async () => {
      const release = this.ctx.locks.acquire(vm.id, 'a port forward change');
      try {
        const cur = (await this.ctx.store.vms.get(vm.id)) ?? vm;
        const mine = await this.#read(cur);
        const gone = mine.find((f) => portForwardId(f) === id);
        if (!gone) throw notFound(`${cur.id} (${cur.name}) has no port forward ${id}${mine.length ? ` (it has ${mine.map(portForwardId).join(', ')})` : ''}`, { module: MODULE });
        await this.#write(cur, mine.filter((f) => f !== gone));
        await this.events.record(cur.id, 'vm.portForwardRemoved', `${gone.protocol} ${hostPart(gone)} no longer forwarded to ${cur.name}`, { caller });
        return { forward: withId(gone), pendingUntilPowerOn: isRunningState(cur.powerState) };
      } finally {
        release();
      }
    });
  }

  /** The driver's view of a VM that is about to start, with its forwards. */
  async forStart(vm: Vm, dvm: DriverVm): Promise<DriverVm> {
    const portForwards = await this.#read(vm);
    return portForwards.length ? { ...dvm, portForwards } : dvm;
  }

  async #read(vm: Vm): Promise<PortForward[]> {
    const files = this.ctx.files(await this.rt.datastoreOf(vm));
    return readPortForwards(parseVmx(await files.readText(vm.vmxRel)));
  }

  async #write(vm: Vm, forwards: readonly PortForward[]): Promise<void> {
    const files = this.ctx.files(await this.rt.datastoreOf(vm));
    const doc = parseVmx(await files.readText(vm.vmxRel));
    writePortForwards(doc, forwards);
    await files.writeAtomic(vm.vmxRel, doc.toString());
  }
}

function withId(f: PortForward): PortForwardEntry {
  return { id: portForwardId(f), ...f };
}

function hostPart(f: PortForward): string {
  return isIP(f.hostAddress) === 6 ? `[${f.hostAddress}]:${f.hostPort}` : `${f.hostAddress}:${f.hostPort}`;
}

function checkSpec(spec: PortForwardSpec): PortForward {
  const protocol = spec.protocol ?? 'tcp';
  if (protocol !== 'tcp' && protocol !== 'udp') throw invalidArgument(`protocol '${String(protocol)}' of a port forward: use tcp or udp`, { module: MODULE });
  for (const [what, p] of [['host port', spec.hostPort], ['guest port', spec.guestPort]] as const) {
    if (!Number.isInteger(p) || p < 1 || p > 65535) throw invalidArgument(`${what} ${String(p)} of a port forward: use a port number from 1 to 65535`, { module: MODULE });
  }
  const hostAddress = spec.hostAddress ?? '127.0.0.1';
  if (isIP(hostAddress) === 0) throw invalidArgument(`host address '${hostAddress}' of a port forward: use an IPv4 or IPv6 address of this host (127.0.0.1, 0.0.0.0 for every address)`, { module: MODULE });
  return { protocol, hostAddress, hostPort: spec.hostPort, guestPort: spec.guestPort };
}

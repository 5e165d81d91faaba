/**
 * The QEMU driver: real guests under qemu-system-x86_64 (KVM when it is proven to work,
 * TCG otherwise), controlled over QMP and the QEMU guest agent. See docs/drivers.md.
 *
 * Guests outlive the control plane: QEMU runs detached with a pidfile in the VM's folder,
 * and close()/forget() only let go of the sockets. reattach() finds running guests again
 * through the pidfile and the QMP socket.
 *
 * This file is the driver table; each concern lives in its own module, all sharing one
 * QemuDriverState: finding and reattaching processes (qemu-attach.ts), starting and
 * stopping them (qemu-launch.ts), power and lifecycle (qemu-power.ts), suspend and resume
 * (qemu-suspend.ts), snapshots (qemu-snapshots.ts), guest operations (qemu-guest-ops.ts).
 */
import type { PowerState, VirtualDisk } from '../../core/model/index.ts';
import type {
  ConsoleEndpoint,
  ConsoleTicket,
  DriverEvent,
  DriverVm,
  GuestNetworkInterface,
  GuestOps,
  HypervisorDriver,
  OpContext,
  PowerOffOptions,
  RuntimeState,
  SnapshotRef,
  VmStatistics,
  HostMachineStatistics,
} from '../../core/ports/driver.ts';
import { requireInstance, runtimeOf } from './qemu-attach.ts';
import { planDisks, resolveVmFile } from './command-line.ts';
import { imageInfo, importImage } from './qemu-img.ts';
import { exists } from './fs-helpers.ts';
import { qemuError } from './qemu-error.ts';
import { mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { QemuDriverState } from './qemu-driver-state.ts';
import type { QemuDriverOptions } from './qemu-driver-state.ts';
import { createQemuGuestOps } from './qemu-guest-ops.ts';
import { guestNetworkOf } from './guest-network.ts';
import { machineStatistics, statisticsOf } from './qemu-statistics.ts';
import * as power from './qemu-power.ts';
import * as snapshots from './qemu-snapshots.ts';
import * as suspension from './qemu-suspend.ts';

export type { QemuDriverLogger, QemuDriverOptions } from './qemu-driver-state.ts';

export function createQemuDriver(opts: QemuDriverOptions): HypervisorDriver {
  return new QemuDriver(opts);
}

class QemuDriver implements HypervisorDriver {
  readonly kind = 'qemu' as const;
  readonly guest: GuestOps;
  readonly #q: QemuDriverState;

  constructor(opts: QemuDriverOptions) {
    const q = new QemuDriverState(opts);
    this.#q = q;
    this.guest = createQemuGuestOps({
      async session(vm) {
        const inst = await requireInstance(q, vm, 'run guest operations in');
        return { agent: inst.agent, state: inst.guest };
      },
    });
  }

  onEvent(listener: (event: DriverEvent) => void): () => void {
    this.#q.listeners.add(listener);
    return () => this.#q.listeners.delete(listener);
  }

  // ---- state and reattach ---------------------------------------------------------------

  reattach(vm: DriverVm, _recorded: RuntimeState): Promise<RuntimeState> {
    return runtimeOf(this.#q, vm, true);
  }

  getRuntime(vm: DriverVm): Promise<RuntimeState> {
    return runtimeOf(this.#q, vm, false);
  }

  // ---- power and lifecycle --------------------------------------------------------------

  createDisks(vm: DriverVm, ctx?: OpContext): Promise<void> {
    return power.createDisks(this.#q, vm, ctx);
  }

  powerOn(vm: DriverVm, ctx?: OpContext): Promise<void> {
    return power.powerOn(this.#q, vm, ctx);
  }

  powerOff(vm: DriverVm, opts: PowerOffOptions, ctx?: OpContext): Promise<void> {
    return power.powerOff(this.#q, vm, opts, ctx);
  }

  reset(vm: DriverVm, opts: { soft: boolean }, _ctx?: OpContext): Promise<void> {
    return power.reset(this.#q, vm, opts);
  }

  pause(vm: DriverVm): Promise<void> {
    return power.pause(this.#q, vm);
  }

  unpause(vm: DriverVm): Promise<void> {
    return power.unpause(this.#q, vm);
  }

  waitForTools(vm: DriverVm, timeoutMs: number, ctx?: OpContext): Promise<void> {
    return power.waitForTools(this.#q, vm, timeoutMs, ctx);
  }

  async guestNetwork(vm: DriverVm): Promise<GuestNetworkInterface[]> {
    const inst = await requireInstance(this.#q, vm, 'read the guest network of');
    return guestNetworkOf(await inst.agent.execute('guest-network-get-interfaces'));
  }

  async statistics(vm: DriverVm): Promise<VmStatistics> {
    return statisticsOf(await requireInstance(this.#q, vm, 'read the statistics of'));
  }

  async hostStatistics(): Promise<HostMachineStatistics> {
    return machineStatistics();
  }

  console(vm: DriverVm, ticket?: ConsoleTicket): Promise<ConsoleEndpoint> {
    return power.consoleOf(this.#q, vm, ticket);
  }

  // ---- suspend and resume ---------------------------------------------------------------

  suspend(vm: DriverVm, ctx?: OpContext): Promise<void> {
    return suspension.suspend(this.#q, vm, ctx);
  }

  resume(vm: DriverVm, ctx?: OpContext): Promise<void> {
    return suspension.resume(this.#q, vm, ctx);
  }

  discardSuspendState(vm: DriverVm): Promise<void> {
    return suspension.discardSuspendState(this.#q, vm);
  }

  // ---- snapshots ------------------------------------------------------------------------

  createSnapshot(vm: DriverVm, snap: SnapshotRef, _running: boolean, ctx?: OpContext): Promise<void> {
    return snapshots.createSnapshot(this.#q, vm, snap, ctx);
  }

  revertSnapshot(vm: DriverVm, snap: SnapshotRef, ctx?: OpContext): Promise<PowerState> {
    return snapshots.revertSnapshot(this.#q, vm, snap, ctx);
  }

  removeSnapshot(vm: DriverVm, snap: SnapshotRef, _running: boolean, ctx?: OpContext): Promise<void> {
    return snapshots.removeSnapshot(this.#q, vm, snap, ctx);
  }

  prepareDisksForSnapshots(vm: DriverVm, ctx?: OpContext): Promise<VirtualDisk[] | null> {
    return snapshots.prepareDisksForSnapshots(this.#q, vm, ctx);
  }

  async diskCapacities(vm: DriverVm): Promise<(number | null)[]> {
    return Promise.all(planDisks(vm).map(async (d) => imageInfo(d.file, this.#q.img()).then((i) => i.virtualSize, () => null)));
  }

  async importDisk(vm: DriverVm, disk: VirtualDisk, source: string, ctx?: OpContext): Promise<number> {
    const target = resolveVmFile(vm, disk.fileName);
    if (await exists(target)) throw qemuError('already_exists', `disk file ${target} of ${vm.name} already exists`);
    await mkdir(dirname(target), { recursive: true });
    ctx?.progress?.(0, `converting ${source.split('/').pop() ?? source} to qcow2`);
    try {
      return await importImage(source, target, this.#q.img(ctx?.signal));
    } catch (e) {
      await rm(target, { force: true });
      throw e;
    }
  }

  async accelerator(): Promise<{ name: string; reason: string }> {
    const d = await this.#q.resolveAccel();
    return { name: d.accel, reason: d.reason };
  }

  // ---- letting go -----------------------------------------------------------------------

  async forget(vm: DriverVm): Promise<void> {
    const inst = this.#q.instances.get(vm.id);
    if (inst) await inst.release();
  }

  async close(): Promise<void> {
    this.#q.closed = true;
    await Promise.all([...this.#q.instances.values()].map((i) => i.release()));
    this.#q.listeners.clear();
  }
}

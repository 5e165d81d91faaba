import type { Caller } from './caller.ts';
import type { CoreContext } from './context.ts';
import { VmgateError } from './errors.ts';
import type { InventoryService } from './inventory.ts';
import type { Datastore, DriverKind, Host, PowerState, Vm } from './model/index.ts';
import type { HostMachineStatistics } from './ports/driver.ts';
import type { VmRuntime } from './vm-runtime.ts';
import type { VmService } from './vms.ts';

/** How much history is kept per VM and per host. */
export const HISTORY_SECONDS = 600;
/** Samples kept at most per VM and host (ten minutes at the shortest interval, one second). */
const KEPT = HISTORY_SECONDS;
/** States in which a VM has a process (or a simulated guest) to read. */
const RUNNING: readonly PowerState[] = ['poweredOn', 'paused'];

export interface VmSample {
  /** ISO time of the sample, by core's clock. */
  readonly time: string;
  /** Share of the VM's vCPUs used since the sample before, 0–100. */
  readonly cpuPercent: number;
  readonly memoryUsedMiB: number;
  readonly memorySizeMiB: number;
}

export interface HostSample {
  readonly time: string;
  readonly cpuPercent: number;
  readonly memoryUsedMiB: number;
  readonly memoryTotalMiB: number;
}

export interface DatastoreSpace {
  readonly datastore: Datastore;
  /** null when the datastore's directory cannot be read. */
  readonly usage: { readonly capacityBytes: number; readonly freeBytes: number } | null;
}

interface VmHistory {
  readonly samples: VmSample[];
  /** The driver's last reading, to take the next one's CPU time from. */
  last: { readonly cpuTimeMs: number; readonly atMs: number } | null;
}

/**
 * VM and host statistics: one timer samples every running VM's driver every
 * `statisticsIntervalSeconds` (5 by default) (CPU time → percent of its vCPUs, memory used)
 * and keeps {@link HISTORY_SECONDS} of samples per VM and per host (a host: the sum of
 * its VMs against its capacity; a host whose driver reads its machine — QEMU — the
 * machine's own figures, which include its guests). Samples are stamped with core's clock.
 * The timer runs only while some VM runs, and stops with core.
 */
export class StatisticsService {
  readonly #vms = new Map<string, VmHistory>();
  readonly #hosts = new Map<string, HostSample[]>();
  readonly #machines = new Map<DriverKind, HostMachineStatistics>();
  #timer: NodeJS.Timeout | null = null;
  #sampling: Promise<void> | null = null;
  #stopped = false;
  readonly #offs: (() => void)[] = [];

  constructor(
    private readonly ctx: CoreContext,
    private readonly vms: VmService,
    private readonly inventory: InventoryService,
    private readonly rt: VmRuntime,
  ) {}

  /** Starts watching: the timer is armed now if a VM runs, and whenever one starts. */
  async start(): Promise<void> {
    this.#offs.push(
      this.ctx.bus.on('vm.changed', (vm) => {
        if (RUNNING.includes(vm.powerState)) this.#arm();
      }),
      this.ctx.bus.on('vm.removed', (vm) => void this.#vms.delete(vm.id)),
    );
    if ((await this.ctx.store.vms.query({ powerStates: RUNNING, limit: 1 })).length > 0) this.#arm();
  }

  /** Stops the timer for good (core is closing) and waits for a sample in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#disarm();
    for (const off of this.#offs.splice(0)) off();
    await this.#sampling;
  }

  /** Seconds between two samples (core's `statisticsIntervalSeconds`). */
  get intervalSeconds(): number {
    return this.ctx.config.statisticsIntervalSeconds;
  }

  /** Whether the sampling timer is armed (it is only while some VM runs). */
  get active(): boolean {
    return this.#timer !== null;
  }

  /** Takes one sample of every running VM and every host now (what the timer does). */
  sampleNow(): Promise<void> {
    this.#sampling ??= this.#sample().finally(() => (this.#sampling = null));
    return this.#sampling;
  }

  /** A VM's samples, oldest first. Needs System.View on the VM. */
  async vmSamples(caller: Caller, ref: string): Promise<{ vm: Vm; samples: readonly VmSample[] }> {
    const vm = await this.vms.resolve(caller, ref);
    return { vm, samples: this.#recent(this.#vms.get(vm.id)?.samples ?? []) };
  }

  /** A host's samples, oldest first, and the space on its datastores. Needs System.View on the host. */
  async hostSamples(caller: Caller, ref: string): Promise<{ host: Host; samples: readonly HostSample[]; datastores: DatastoreSpace[] }> {
    const host = await this.inventory.getHost(caller, ref);
    const datastores: DatastoreSpace[] = [];
    for (const id of host.datastoreIds) {
      try {
        const { datastore, usage } = await this.inventory.datastoreUsage(caller, id);
        datastores.push({ datastore, usage });
      } catch (e) {
        // A datastore the caller may not see (or one that is gone) is left out.
        if (!(e instanceof VmgateError) || (e.kind !== 'not_found' && e.kind !== 'unauthorized')) throw e;
      }
    }
    return { host, samples: this.#recent(this.#hosts.get(host.id) ?? []), datastores };
  }

  #recent<T extends { time: string }>(samples: readonly T[]): T[] {
    const since = this.ctx.clock.now().getTime() - HISTORY_SECONDS * 1000;
    return samples.filter((s) => new Date(s.time).getTime() > since);
  }

  #arm(): void {
    if (this.#timer || this.#stopped) return;
    this.#timer = setInterval(() => void this.sampleNow(), this.intervalSeconds * 1000);
    this.#timer.unref();
  }

  #disarm(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  async #sample(): Promise<void> {
    const time = this.ctx.clock.now().toISOString();
    const running = await this.ctx.store.vms.query({ powerStates: RUNNING });
    const seen = new Set<string>();
    const perHost = new Map<string, { vcpuPercent: number; usedMiB: number }>();
    for (const vm of running) {
      seen.add(vm.id);
      const sample = await this.#sampleVm(vm, time).catch((e: unknown) => {
        this.ctx.log.debug({ err: e, vmId: vm.id }, 'could not read the statistics of a VM');
        return null;
      });
      if (!sample || !vm.hostId) continue;
      const h = perHost.get(vm.hostId) ?? { vcpuPercent: 0, usedMiB: 0 };
      // The VM's share of the host in vCPU-percent (one vCPU at 100 % = 100).
      h.vcpuPercent += sample.cpuPercent * vm.hardware.cpuCount;
      h.usedMiB += sample.memoryUsedMiB;
      perHost.set(vm.hostId, h);
    }
    // A VM that stopped starts afresh next time (its process, and its CPU time, are new).
    for (const [id, h] of this.#vms) if (!seen.has(id)) h.last = null;
    if (running.length > 0) await this.#sampleHosts(time, perHost);
    if (running.length === 0) this.#disarm();
  }

  async #sampleVm(vm: Vm, time: string): Promise<VmSample | null> {
    const { driver, dvm } = await this.rt.resolveDriverVm(vm);
    if (!driver.statistics) return null;
    const r = await driver.statistics(dvm);
    let h = this.#vms.get(vm.id);
    if (!h) {
      h = { samples: [], last: null };
      this.#vms.set(vm.id, h);
    }
    const last = h.last;
    h.last = { cpuTimeMs: r.cpuTimeMs, atMs: r.atMs };
    // The first reading only sets the mark: CPU use is a difference.
    if (!last || r.atMs <= last.atMs || r.cpuTimeMs < last.cpuTimeMs) return null;
    const share = (r.cpuTimeMs - last.cpuTimeMs) / ((r.atMs - last.atMs) * vm.hardware.cpuCount);
    const size = vm.hardware.memoryMiB;
    const sample: VmSample = {
      time,
      cpuPercent: round1(Math.min(100, Math.max(0, share * 100))),
      memoryUsedMiB: Math.round(Math.min(r.memoryUsedMiB, r.balloonMiB ?? size, size)),
      memorySizeMiB: size,
    };
    push(h.samples, sample);
    return sample;
  }

  async #sampleHosts(time: string, perHost: ReadonlyMap<string, { vcpuPercent: number; usedMiB: number }>): Promise<void> {
    const machines = new Map<DriverKind, { cpuPercent: number; usedMiB: number; totalMiB: number } | null>();
    for (const [kind, driver] of this.ctx.drivers) {
      if (!driver.hostStatistics) continue;
      const now = await driver.hostStatistics().catch(() => null);
      const before = this.#machines.get(kind);
      if (now) this.#machines.set(kind, now);
      machines.set(
        kind,
        now && before && now.cpuTotalMs > before.cpuTotalMs
          ? { cpuPercent: round1((100 * (now.cpuBusyMs - before.cpuBusyMs)) / (now.cpuTotalMs - before.cpuTotalMs)), usedMiB: now.memoryUsedMiB, totalMiB: now.memoryTotalMiB }
          : null,
      );
    }
    for (const host of await this.ctx.store.hosts.list()) {
      const machine = machines.get(host.driver);
      const vms = perHost.get(host.id);
      let sample: HostSample | null = null;
      if (machine) sample = { time, cpuPercent: machine.cpuPercent, memoryUsedMiB: Math.round(machine.usedMiB), memoryTotalMiB: Math.round(machine.totalMiB) };
      else if (!machines.has(host.driver)) {
        sample = {
          time,
          cpuPercent: round1(Math.min(100, (vms?.vcpuPercent ?? 0) / Math.max(1, host.cpuCount))),
          memoryUsedMiB: Math.round(vms?.usedMiB ?? 0),
          memoryTotalMiB: host.memoryMiB,
        };
      }
      if (!sample) continue;
      const list = this.#hosts.get(host.id) ?? [];
      push(list, sample);
      this.#hosts.set(host.id, list);
    }
  }
}

function push<T>(list: T[], sample: T): void {
  list.push(sample);
  if (list.length > KEPT) list.splice(0, list.length - KEPT);
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

import type { PowerState, ToolsState } from '../../core/model/index.ts';
import type { DriverVm, RuntimeState } from '../../core/ports/driver.ts';
import type { GuestFs } from './guest-fs.ts';
import type { RfbServer } from './rfb-server.ts';
import type { GuestMemoryImage, SimGuest } from './sim-guest.ts';
import { simError } from './sim-error.ts';

/** What a snapshot keeps: the disk, and the running guest when memory was included. */
export interface SimSnapshotData {
  readonly disk: GuestFs;
  readonly includeMemory: boolean;
  /** null: no memory, or a snapshot read back from its file after a restart. */
  readonly memory: { readonly guest: GuestMemoryImage; readonly toolsUp: boolean } | null;
}

/** The simulator's state of one VM, keyed by vm.id in the driver. */
export class SimVm {
  vm: DriverVm;
  power: PowerState = 'poweredOff';
  /** The booted guest while the VM runs, is paused or suspended (a frozen guest). */
  guest: SimGuest | null = null;
  /** Tools answer in the guest. */
  toolsUp = false;
  /** The guest's disk, loaded on first use. */
  disk: GuestFs | null = null;
  diskLoading: Promise<GuestFs> | null = null;
  /** The VNC server while the VM runs. */
  console: Promise<RfbServer> | null = null;
  /** Saves of the disk image, one after another. */
  saving: Promise<void> = Promise.resolve();
  readonly snapshots = new Map<string, SimSnapshotData>();
  forgotten = false;
  #nextPid = 100;
  readonly #watchers = new Set<() => void>();

  constructor(vm: DriverVm) {
    this.vm = vm;
  }

  /** A guest OS key containing 'notools' (test hook) means tools are not installed. */
  get notools(): boolean {
    return /notools/i.test(this.vm.hardware.guestOs);
  }

  get toolsState(): ToolsState {
    if (this.notools) return 'notInstalled';
    return this.toolsUp && (this.power === 'poweredOn' || this.power === 'paused') ? 'running' : 'unknown';
  }

  runtime(): RuntimeState {
    return { powerState: this.power, toolsState: this.toolsState };
  }

  nextPid(): number {
    return this.#nextPid++;
  }

  setPower(p: PowerState): void {
    this.power = p;
    this.changed();
  }

  /** Wakes everyone waiting for a change and refreshes the console picture. */
  changed(): void {
    const watchers = [...this.#watchers];
    this.#watchers.clear();
    for (const w of watchers) w();
    void this.console?.then((s) => s.invalidate(), () => undefined);
  }

  /** Resolves on the next change or after `ms`; rejects `cancelled` when a signal aborts. */
  waitChange(ms: number, signals: readonly (AbortSignal | undefined)[]): Promise<void> {
    return new Promise((resolve, reject) => {
      const live = signals.filter((s): s is AbortSignal => s !== undefined);
      const done = (): void => {
        clearTimeout(timer);
        this.#watchers.delete(wake);
        for (const s of live) s.removeEventListener('abort', abort);
      };
      const abort = (): void => {
        done();
        reject(simError('cancelled', `waiting for ${this.vm.name} was cancelled`));
      };
      const timer = setTimeout(() => {
        done();
        resolve();
      }, Math.max(0, ms));
      const wake = (): void => {
        done();
        resolve();
      };
      this.#watchers.add(wake);
      for (const s of live) {
        if (s.aborted) return abort();
        s.addEventListener('abort', abort, { once: true });
      }
    });
  }
}

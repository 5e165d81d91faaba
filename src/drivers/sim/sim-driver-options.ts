import type { SimGuestAccount } from './guest-accounts.ts';
import type { SimFault } from './faults.ts';

/** How long the simulated hypervisor takes, in milliseconds at speed 1. */
export interface SimDurations {
  readonly powerOn: number;
  readonly powerOff: number;
  /** A guest shutting down by itself (soft power-off with tools, `poweroff` in the guest). */
  readonly softPowerOff: number;
  readonly reset: number;
  readonly suspend: number;
  readonly resume: number;
  /** From power-on (or reset) until tools run, in guest time. */
  readonly toolsStart: number;
  readonly snapshot: number;
  readonly revert: number;
}

export const DEFAULT_SIM_DURATIONS: SimDurations = Object.freeze({
  powerOn: 2000,
  powerOff: 1000,
  softPowerOff: 1500,
  reset: 1000,
  suspend: 1500,
  resume: 1500,
  toolsStart: 3000,
  snapshot: 500,
  revert: 500,
});

export interface SimDriverOptions {
  /**
   * Time factor: every duration is divided by it (default 1). `Infinity` makes power and
   * snapshot operations near-instant. Guest programs (`sleep 5`) always run in real time.
   */
  readonly speed?: number;
  /** Overrides of DEFAULT_SIM_DURATIONS (ms at speed 1). */
  readonly durations?: Partial<SimDurations>;
  /** Failures to inject, like govmomi's simulator: by operation, VM name and probability. */
  readonly faults?: readonly SimFault[];
  /** Address the VNC consoles listen on (default 127.0.0.1). */
  readonly consoleHost?: string;
  /** false: no VNC servers (console() answers unsupported). Default true. */
  readonly consoles?: boolean;
  /** Random numbers in [0, 1) for faults and temporary names (default Math.random). */
  readonly random?: () => number;
  /** Guest logins (default DEFAULT_GUEST_ACCOUNTS: root/vmware and user/vmware). */
  readonly guestAccounts?: readonly SimGuestAccount[];
  /**
   * Keep each guest's disk in `<vm.dir>/sim-disk.json` (and snapshots beside it) so files
   * survive a restart of the control plane. Default true.
   */
  readonly persist?: boolean;
}

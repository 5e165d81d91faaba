/**
 * The hypervisor driver interface: like libvirt's driver table, one member per operation.
 * `sim` (in process) and `qemu` fill it; an optional member a driver lacks makes core
 * answer `unsupported`. Every face works on every driver because every face goes
 * through core, and core goes through this.
 *
 * Drivers do; they do not decide. Core has already checked permissions, state and the
 * per-VM lock before it calls a driver, and core records the outcome. A driver throws
 * VmgateError (see ../core/errors.ts) with the closest kind and, for guest operations,
 * a `reason` (guest_auth_failed, tools_not_running, file_not_found, …).
 */
import type { DriverKind, PowerState, ToolsState, VirtualDisk, VmHardware } from '../model/index.ts';

/** What a driver needs to know about a VM. Built by core from the inventory and .vmx. */
export interface DriverVm {
  readonly id: string;
  readonly uuid: string;
  readonly name: string;
  /** Absolute path of the VM's folder (holds the .vmx, disks, sockets, suspend file). */
  readonly dir: string;
  /** Absolute path of the .vmx. */
  readonly vmxPath: string;
  readonly hardware: VmHardware;
}

/** Progress reporting and cancellation handed to long operations. */
export interface OpContext {
  readonly signal?: AbortSignal;
  progress?(percent: number, step: string): void;
}

export interface PowerOffOptions {
  /** Ask the guest first (ACPI / tools), then force after `timeoutMs`. false = pull the plug. */
  readonly soft: boolean;
  readonly timeoutMs?: number;
}

export interface RuntimeState {
  readonly powerState: PowerState;
  readonly toolsState: ToolsState;
}

/** Something the hypervisor did on its own: a guest shut down, a process died, tools came up. */
export interface DriverEvent {
  readonly vmId: string;
  readonly powerState?: PowerState;
  readonly toolsState?: ToolsState;
  /** Why, for the event log: 'guest shut down', 'QEMU process exited (signal SIGKILL)'. */
  readonly reason: string;
  readonly severity?: 'info' | 'warning' | 'error';
  /**
   * With powerState 'poweredOff': false when the guest did not stop through a shutdown of
   * its own or a stop vmgate asked for (QEMU killed or crashed); vSphere's clean_power_off.
   */
  readonly clean?: boolean;
}

export interface GuestCredentials {
  readonly username: string;
  readonly password: string;
}

export interface GuestProgramSpec {
  /** Program path or name ('/bin/ls', 'echo'). */
  readonly path: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  readonly stdin?: Buffer;
  /** Keep stdout/stderr for `waitProcess`. */
  readonly captureOutput: boolean;
}

export interface GuestProcessInfo {
  readonly pid: number;
  readonly name: string;
  readonly owner: string;
  readonly commandLine: string;
  readonly startedAt: string;
  /** null while running. */
  readonly exitCode: number | null;
  readonly finishedAt: string | null;
}

export interface GuestProcessResult {
  readonly pid: number;
  readonly exitCode: number;
  readonly stdout: Buffer;
  readonly stderr: Buffer;
  readonly startedAt: string;
  readonly finishedAt: string;
}

export type GuestFileType = 'file' | 'directory' | 'symlink';

export interface GuestFileInfo {
  readonly name: string;
  /** Absolute path in the guest. */
  readonly path: string;
  readonly type: GuestFileType;
  readonly size: number;
  readonly modifiedAt: string;
  readonly mode: number;
  readonly owner: string;
}

/** Guest operations, as the logged-in guest user. Needs tools running. */
export interface GuestOps {
  /** Check the credentials; throws unauthenticated/guest_auth_failed when wrong. */
  authenticate(vm: DriverVm, creds: GuestCredentials): Promise<void>;
  startProgram(vm: DriverVm, creds: GuestCredentials, spec: GuestProgramSpec): Promise<number>;
  /** Resolves when the process ends; honours ctx.signal (then the process is killed). */
  waitProgram(vm: DriverVm, creds: GuestCredentials, pid: number, ctx?: OpContext): Promise<GuestProcessResult>;
  listProcesses(vm: DriverVm, creds: GuestCredentials, pids?: readonly number[]): Promise<GuestProcessInfo[]>;
  killProcess(vm: DriverVm, creds: GuestCredentials, pid: number): Promise<void>;
  stat(vm: DriverVm, creds: GuestCredentials, path: string): Promise<GuestFileInfo>;
  listDirectory(vm: DriverVm, creds: GuestCredentials, path: string): Promise<GuestFileInfo[]>;
  makeDirectory(vm: DriverVm, creds: GuestCredentials, path: string, parents: boolean): Promise<void>;
  removeDirectory(vm: DriverVm, creds: GuestCredentials, path: string, recursive: boolean): Promise<void>;
  removeFile(vm: DriverVm, creds: GuestCredentials, path: string): Promise<void>;
  move(vm: DriverVm, creds: GuestCredentials, from: string, to: string, overwrite: boolean): Promise<void>;
  createTempFile(vm: DriverVm, creds: GuestCredentials, opts: { prefix: string; suffix: string; directory?: string; directoryOnly?: boolean }): Promise<string>;
  /** Reads `length` bytes from `offset` (fewer at the end of the file). */
  readFile(vm: DriverVm, creds: GuestCredentials, path: string, offset: number, length: number): Promise<Buffer>;
  /** Writes at `offset` (0 truncates first when `truncate`); creates the file. */
  writeFile(vm: DriverVm, creds: GuestCredentials, path: string, data: Buffer, opts: { offset: number; truncate: boolean; overwrite: boolean }): Promise<void>;
  /** The guest's environment variables for that user (VIX ReadVariable GUEST_ENVIRONMENT_VARIABLE). */
  environment?(vm: DriverVm, creds: GuestCredentials): Promise<Record<string, string>>;
}

export interface ConsoleEndpoint {
  readonly protocol: 'VNC' | 'RDP';
  readonly host: string;
  readonly port: number;
  /** One-time password, if the endpoint needs one (the ticket's, when the driver enforces it). */
  readonly password: string | null;
}

/**
 * A one-time console password core issues (src/core/console-tickets.ts): the console
 * accepts it (VNC authentication) for one connection within `validForMs`, then no more.
 */
export interface ConsoleTicket {
  /** At most 8 characters: VNC authentication uses the first 8 bytes of a password. */
  readonly password: string;
  readonly validForMs: number;
}

/** One network interface of a guest, as its tools report it. */
export interface GuestNetworkInterface {
  readonly name: string;
  /** Lower case, colon-separated; null when the guest reports none. */
  readonly macAddress: string | null;
  readonly ipAddresses: readonly { readonly address: string; readonly prefixLength: number; readonly family: 'ipv4' | 'ipv6' }[];
}

/**
 * What a running VM uses, read now. Core samples it every few seconds and turns the CPU
 * time between two samples into a percentage over the driver's own elapsed time (`atMs`).
 */
export interface VmStatistics {
  /** CPU time the guest has used since it started, all vCPUs together, in ms (QEMU: the process's utime + stime). */
  readonly cpuTimeMs: number;
  /** When `cpuTimeMs` was read, on the driver's own steady clock in ms (QEMU: the host's monotonic time; sim: guest time). */
  readonly atMs: number;
  /** Guest memory in use, MiB (QEMU: the process's resident set, VmRSS). */
  readonly memoryUsedMiB: number;
  /** Memory the balloon leaves the guest, MiB (QEMU `query-balloon` `actual`), where there is a balloon; else null. */
  readonly balloonMiB: number | null;
}

/** The machine a driver runs its guests on (QEMU: this computer), read now. */
export interface HostMachineStatistics {
  /** CPU time all processors spent busy (not idle) since boot, ms, summed over processors. */
  readonly cpuBusyMs: number;
  /** CPU time all processors counted in all, ms, summed over processors. */
  readonly cpuTotalMs: number;
  readonly memoryUsedMiB: number;
  readonly memoryTotalMiB: number;
}

export interface SnapshotRef {
  readonly id: string;
  readonly includeMemory: boolean;
}

export interface HypervisorDriver {
  readonly kind: DriverKind;

  /** Subscribe to what the hypervisor does by itself. Returns an unsubscribe function. */
  onEvent(listener: (event: DriverEvent) => void): () => void;

  /**
   * After a control-plane restart: find out what really runs. `recorded` is the state the
   * database had. Returns the true state (and reconnects monitors for running guests).
   */
  reattach(vm: DriverVm, recorded: RuntimeState): Promise<RuntimeState>;

  /** Current state as the hypervisor sees it. */
  getRuntime(vm: DriverVm): Promise<RuntimeState>;

  /** Create the disk files a new VM's hardware names (qcow2, or sparse files for sim). */
  createDisks(vm: DriverVm, ctx?: OpContext): Promise<void>;

  powerOn(vm: DriverVm, ctx?: OpContext): Promise<void>;
  powerOff(vm: DriverVm, opts: PowerOffOptions, ctx?: OpContext): Promise<void>;
  reset(vm: DriverVm, opts: { soft: boolean }, ctx?: OpContext): Promise<void>;
  suspend?(vm: DriverVm, ctx?: OpContext): Promise<void>;
  /** Start from the saved suspend state. */
  resume?(vm: DriverVm, ctx?: OpContext): Promise<void>;
  /** Drop the saved suspend state of a suspended VM (power off while suspended). */
  discardSuspendState?(vm: DriverVm): Promise<void>;
  pause?(vm: DriverVm): Promise<void>;
  unpause?(vm: DriverVm): Promise<void>;

  /** Waits until tools run; throws timed_out (reason timeout_waiting_for_tools). */
  waitForTools(vm: DriverVm, timeoutMs: number, ctx?: OpContext): Promise<void>;

  createSnapshot?(vm: DriverVm, snap: SnapshotRef, running: boolean, ctx?: OpContext): Promise<void>;
  /** Returns the power state the VM is in afterwards. */
  revertSnapshot?(vm: DriverVm, snap: SnapshotRef, ctx?: OpContext): Promise<PowerState>;
  removeSnapshot?(vm: DriverVm, snap: SnapshotRef, running: boolean, ctx?: OpContext): Promise<void>;

  guest?: GuestOps;

  /**
   * The capacity in bytes of each of the VM's disks, read from the image files (QEMU:
   * `qemu-img info`); null for a disk it cannot read. Registering a `.vmx` fills in what
   * the file does not say.
   */
  diskCapacities?(vm: DriverVm): Promise<(number | null)[]>;

  /**
   * A disk of a new VM from an uploaded image (`source`, an absolute path on a datastore):
   * copied to the disk's file (QEMU: converted to qcow2 with qemu-img, from qcow2, raw or
   * vmdk). Returns the disk's capacity in bytes. Images that refer to other files (backing
   * files, external extents) are refused.
   */
  importDisk?(vm: DriverVm, disk: VirtualDisk, source: string, ctx?: OpContext): Promise<number>;

  /**
   * Before a snapshot: disks that cannot hold snapshots as they are (QEMU: a registered
   * `.vmdk`) are converted — a copy beside the original, which stays — and the VM's new
   * disk list is returned for core to record; null when nothing needs converting. A VM
   * that runs is refused with a message saying to power it off first.
   */
  prepareDisksForSnapshots?(vm: DriverVm, ctx?: OpContext): Promise<VirtualDisk[] | null>;

  /** How this driver runs guests (QEMU: `kvm` or `tcg`) and why; decided once per driver. */
  accelerator?(): Promise<{ readonly name: string; readonly reason: string }>;

  /**
   * The VM's console. It always asks for VNC authentication and accepts no password until
   * a ticket sets one; then it accepts the ticket's password once, within its validity.
   * The endpoint's `password` is the ticket's (null without a ticket). It listens on the
   * console address the driver was built with (`--console-address`).
   */
  console?(vm: DriverVm, ticket?: ConsoleTicket): Promise<ConsoleEndpoint>;

  /** What a running (or paused) VM uses now; a VM that does not run is `not_allowed_in_current_state`. */
  statistics?(vm: DriverVm): Promise<VmStatistics>;

  /** The machine's own load, for a driver whose guests run on this machine (QEMU); absent: hosts are the sum of their VMs. */
  hostStatistics?(): Promise<HostMachineStatistics>;

  /** The guest's network interfaces and addresses, from its tools (needs tools running). */
  guestNetwork?(vm: DriverVm): Promise<GuestNetworkInterface[]>;

  /** The VM is being unregistered or deleted: stop watching it, free what the driver holds. */
  forget(vm: DriverVm): Promise<void>;

  close(): Promise<void>;
}

import type { HypervisorDriver } from './ports/driver.ts';
import type { Store } from './ports/store.ts';
import type { Clock } from './clock.ts';
import type { EventBus } from './event-bus.ts';
import type { DriverKind } from './model/index.ts';
import type { DatastoreFilesFactory } from './ports/datastore-files.ts';
import type { KeyedSerializer } from './keyed-serializer.ts';
import type { VmLocks } from './vm-locks.ts';

/** Core's settings (flags and environment end up here). */
export interface CoreConfig {
  /** Wrong passwords from one source address before the account locks for that address. */
  readonly maxFailedLogins: number;
  /** How long such a lock lasts; also the window in which failures are counted. */
  readonly lockoutSeconds: number;
  /** Failed logins from one address (any account) before its attempts are slowed down. */
  readonly loginDelayAfterFailures: number;
  /** First delay; it doubles with each further failure, up to loginDelayMaxMs. 0 = no delays. */
  readonly loginDelayMs: number;
  readonly loginDelayMaxMs: number;
  /** Logins one address may have in progress at once; more are refused at once. */
  readonly loginQueuePerSource: number;
  /** Password hashes computed at once (libuv's pool has 4 threads; the rest stay for files). */
  readonly loginHashConcurrency: number;
  /** Sessions a user may hold; a new one beyond it ends the one idle longest. */
  readonly maxSessionsPerUser: number;
  readonly sessionIdleSeconds: number;
  readonly sessionMaxSeconds: number;
  /** Soft power-off waits this long for the guest before forcing. */
  readonly softPowerOffTimeoutMs: number;
  readonly toolsTimeoutMs: number;
  /** vCPUs a host may hand out per host CPU (placement and power-on admission). */
  readonly cpuOvercommit: number;
  /** Where new datastores are created: <dataDir>/datastores/<name>. */
  readonly datastoreRoot: string;
  /** Seconds between two statistics samples of running VMs and hosts (src/core/statistics.ts). */
  readonly statisticsIntervalSeconds: number;
  /** Driver for VMs in the library (their disks are made in its format). */
  readonly defaultDriver: DriverKind;
}

export const DEFAULT_CORE_CONFIG: Omit<CoreConfig, 'datastoreRoot' | 'defaultDriver'> = {
  maxFailedLogins: 5,
  lockoutSeconds: 15 * 60,
  loginDelayAfterFailures: 10,
  loginDelayMs: 200,
  loginDelayMaxMs: 5000,
  loginQueuePerSource: 32,
  loginHashConcurrency: 2,
  maxSessionsPerUser: 64,
  sessionIdleSeconds: 30 * 60,
  sessionMaxSeconds: 12 * 3600,
  softPowerOffTimeoutMs: 60_000,
  toolsTimeoutMs: 300_000,
  cpuOvercommit: 4,
  statisticsIntervalSeconds: 5,
};

/** Minimal logger shape (pino satisfies it). */
export interface Logger {
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  debug(obj: object | string, msg?: string): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {}, debug() {} };

/** What every core service shares. */
export interface CoreContext {
  readonly store: Store;
  readonly bus: EventBus;
  readonly clock: Clock;
  readonly log: Logger;
  readonly config: CoreConfig;
  readonly locks: VmLocks;
  /**
   * Inventory-wide sections, one key per thing that must stay unique among all VMs and is
   * checked and written outside one store transaction: 'mac' (a NIC's MAC address),
   * 'serial-port' (a serial port's loopback TCP port).
   */
  readonly sections: KeyedSerializer;
  readonly drivers: ReadonlyMap<DriverKind, HypervisorDriver>;
  /** Opens a datastore's files (the server passes src/datastore's implementation). */
  readonly files: DatastoreFilesFactory;
}

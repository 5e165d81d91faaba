/**
 * Typed QMP commands, one tiny function each (as libvirt's qemu_monitor.c over its JSON
 * codec). They take anything that can execute a command, so tests drive them through the
 * real client against a scripted server.
 */
import { VmgateError } from '../../../core/errors.ts';
import type { JsonObject } from './qmp-codec.ts';
import type { QmpEvent, QmpExecuteOptions } from './qmp-client.ts';

const MODULE = 'driver.qemu.qmp';

/** What the commands need of a QMP connection (QmpClient has it). */
export interface QmpExecutor {
  execute<T = unknown>(command: string, args?: JsonObject, opts?: QmpExecuteOptions): Promise<T>;
  waitForEvent(match: (event: QmpEvent) => boolean, opts?: QmpExecuteOptions): Promise<QmpEvent>;
}

/** QEMU run states (query-status `status`). */
export type QemuRunState =
  | 'debug'
  | 'inmigrate'
  | 'internal-error'
  | 'io-error'
  | 'paused'
  | 'postmigrate'
  | 'prelaunch'
  | 'finish-migrate'
  | 'restore-vm'
  | 'running'
  | 'save-vm'
  | 'shutdown'
  | 'suspended'
  | 'watchdog'
  | 'guest-panicked'
  | 'colo';

export interface QemuStatus {
  readonly running: boolean;
  readonly status: QemuRunState;
}

export function queryStatus(qmp: QmpExecutor, opts?: QmpExecuteOptions): Promise<QemuStatus> {
  return qmp.execute<QemuStatus>('query-status', undefined, opts);
}

/** ACPI power button: a request the guest may ignore. */
export async function systemPowerdown(qmp: QmpExecutor): Promise<void> {
  await qmp.execute('system_powerdown');
}

export async function systemReset(qmp: QmpExecutor): Promise<void> {
  await qmp.execute('system_reset');
}

/** QEMU exits; the reply may be the connection closing. */
export async function quit(qmp: QmpExecutor, opts?: QmpExecuteOptions): Promise<void> {
  await qmp.execute('quit', undefined, opts);
}

/** Pause the vCPUs. */
export async function stop(qmp: QmpExecutor): Promise<void> {
  await qmp.execute('stop');
}

/** Run the vCPUs (after -S, stop, or an incoming migration). */
export async function cont(qmp: QmpExecutor): Promise<void> {
  await qmp.execute('cont');
}

export async function setLink(qmp: QmpExecutor, name: string, up: boolean): Promise<void> {
  await qmp.execute('set_link', { name, up });
}

export interface QemuVncInfo {
  readonly enabled: boolean;
  readonly host?: string;
  readonly service?: string;
  readonly family?: string;
}

export function queryVnc(qmp: QmpExecutor): Promise<QemuVncInfo> {
  return qmp.execute<QemuVncInfo>('query-vnc');
}

/** The VNC password (QEMU started with `-vnc …,password=on`; VNC reads at most 8 characters). */
export async function setVncPassword(qmp: QmpExecutor, password: string): Promise<void> {
  await qmp.execute('set_password', { protocol: 'vnc', password });
}

/** When the VNC password stops working: `+N` seconds from now, `now` or `never`. */
export async function expireVncPassword(qmp: QmpExecutor, time: string): Promise<void> {
  await qmp.execute('expire_password', { protocol: 'vnc', time });
}

// ---- jobs --------------------------------------------------------------------------------

export interface QemuJobInfo {
  readonly id: string;
  readonly type: string;
  readonly status: string;
  readonly 'current-progress': number;
  readonly 'total-progress': number;
  readonly error?: string;
}

export function queryJobs(qmp: QmpExecutor): Promise<QemuJobInfo[]> {
  return qmp.execute<QemuJobInfo[]>('query-jobs');
}

export async function jobDismiss(qmp: QmpExecutor, id: string): Promise<void> {
  await qmp.execute('job-dismiss', { id });
}

export interface JobOptions {
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** How often query-jobs is asked when no JOB_STATUS_CHANGE event comes. Default 500 ms. */
  readonly pollMs?: number;
}

/**
 * Starts a job command (`job-id` in `args`) and waits until it concludes: on each
 * JOB_STATUS_CHANGE for it, or every `pollMs`, query-jobs tells where it is. A concluded
 * job is dismissed; its error, if any, is thrown.
 */
export async function runJob(qmp: QmpExecutor, command: string, args: JsonObject & { 'job-id': string }, opts: JobOptions = {}): Promise<void> {
  const id = args['job-id'];
  const timeoutMs = opts.timeoutMs ?? 600_000;
  const pollMs = opts.pollMs ?? 500;
  const deadline = Date.now() + timeoutMs;
  await qmp.execute(command, args, { signal: opts.signal });
  for (;;) {
    const job = (await queryJobs(qmp)).find((j) => j.id === id);
    if (!job) throw new VmgateError('internal', `QMP ${command}: job ${id} disappeared before it concluded`, { module: MODULE, details: { command, jobId: id } });
    if (job.status === 'concluded' || job.status === 'null') {
      await jobDismiss(qmp, id).catch(() => undefined);
      if (job.error !== undefined) {
        throw new VmgateError('internal', `QMP ${command} (job ${id}) failed: ${job.error}`, { module: MODULE, details: { command, jobId: id, jobError: job.error } });
      }
      return;
    }
    if (Date.now() > deadline) {
      await qmp.execute('job-cancel', { id }).catch(() => undefined);
      throw new VmgateError('timed_out', `QMP ${command} (job ${id}) did not conclude within ${timeoutMs} ms (status ${job.status})`, { module: MODULE, details: { command, jobId: id } });
    }
    try {
      await qmp.waitForEvent((e) => e.event === 'JOB_STATUS_CHANGE' && e.data.id === id, { timeoutMs: pollMs, signal: opts.signal });
    } catch (e) {
      if (e instanceof VmgateError && e.kind === 'timed_out') continue;
      throw e;
    }
  }
}

// ---- snapshots (QEMU >= 6.0) ---------------------------------------------------------------

export interface SnapshotJobArgs {
  readonly jobId: string;
  /** Snapshot name inside the qcow2 files. */
  readonly tag: string;
  /** Block node that receives (or holds) the memory state. */
  readonly vmstate: string;
  /** Block nodes whose disks are snapshotted / reverted. */
  readonly devices: readonly string[];
}

/** Disks and memory; the guest stops while its RAM is written and runs on afterwards. */
export function snapshotSave(qmp: QmpExecutor, a: SnapshotJobArgs, opts?: JobOptions): Promise<void> {
  return runJob(qmp, 'snapshot-save', { 'job-id': a.jobId, tag: a.tag, vmstate: a.vmstate, devices: [...a.devices] }, opts);
}

/** Loads disks and memory; the guest runs afterwards only if it ran before. */
export function snapshotLoad(qmp: QmpExecutor, a: SnapshotJobArgs, opts?: JobOptions): Promise<void> {
  return runJob(qmp, 'snapshot-load', { 'job-id': a.jobId, tag: a.tag, vmstate: a.vmstate, devices: [...a.devices] }, opts);
}

export function snapshotDelete(qmp: QmpExecutor, a: Omit<SnapshotJobArgs, 'vmstate'>, opts?: JobOptions): Promise<void> {
  return runJob(qmp, 'snapshot-delete', { 'job-id': a.jobId, tag: a.tag, devices: [...a.devices] }, opts);
}

/** Disk-only internal snapshots of several nodes at once (one transaction), no memory. */
export async function snapshotDisksInternal(qmp: QmpExecutor, tag: string, devices: readonly string[]): Promise<void> {
  await qmp.execute('transaction', {
    actions: devices.map((device) => ({ type: 'blockdev-snapshot-internal-sync', data: { device, name: tag } })),
  });
}

// ---- migration (suspend to a file, resume from it) -----------------------------------------

export interface MigrationInfo {
  readonly status?: 'none' | 'setup' | 'cancelling' | 'cancelled' | 'active' | 'postcopy-active' | 'postcopy-paused' | 'postcopy-recover' | 'completed' | 'failed' | 'colo' | 'pre-switchover' | 'device' | 'wait-unplug';
  readonly ram?: { readonly transferred?: number; readonly remaining?: number; readonly total?: number };
  readonly 'error-desc'?: string;
}

export function queryMigrate(qmp: QmpExecutor): Promise<MigrationInfo> {
  return qmp.execute<MigrationInfo>('query-migrate');
}

export async function migrate(qmp: QmpExecutor, uri: string): Promise<void> {
  await qmp.execute('migrate', { uri });
}

export async function migrateCancel(qmp: QmpExecutor): Promise<void> {
  await qmp.execute('migrate_cancel');
}

/** With `-incoming defer`: start receiving. */
export async function migrateIncoming(qmp: QmpExecutor, uri: string): Promise<void> {
  await qmp.execute('migrate-incoming', { uri });
}

/** Single-quotes a path for the shell QEMU runs `exec:` migration URIs with. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** `exec:` URIs work on every QEMU; `file:` exists from 8.2 on. */
export function migrationUriToFile(path: string): string {
  return `exec:cat > ${shellQuote(path)}`;
}

export function migrationUriFromFile(path: string): string {
  return `exec:cat ${shellQuote(path)}`;
}

export interface MigrateWaitOptions {
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  readonly pollMs?: number;
  onProgress?(fraction: number): void;
}

/** Polls query-migrate until the outgoing migration completed; throws if it failed. */
export async function waitForMigration(qmp: QmpExecutor, opts: MigrateWaitOptions = {}): Promise<MigrationInfo> {
  const timeoutMs = opts.timeoutMs ?? 600_000;
  const pollMs = opts.pollMs ?? 200;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (opts.signal?.aborted) {
      await migrateCancel(qmp).catch(() => undefined);
      throw new VmgateError('cancelled', 'the migration was cancelled', { module: MODULE });
    }
    const info = await queryMigrate(qmp);
    if (info.status === 'completed') return info;
    if (info.status === 'failed' || info.status === 'cancelled') {
      throw new VmgateError('internal', `migration ${info.status}: ${info['error-desc'] ?? 'no reason given'}`, { module: MODULE, details: { status: info.status } });
    }
    const total = info.ram?.total ?? 0;
    if (total > 0 && info.ram?.transferred !== undefined) opts.onProgress?.(Math.min(1, info.ram.transferred / total));
    if (Date.now() > deadline) {
      await migrateCancel(qmp).catch(() => undefined);
      throw new VmgateError('timed_out', `migration did not complete within ${timeoutMs} ms (status ${info.status ?? 'unknown'})`, { module: MODULE });
    }
    await delay(pollMs);
  }
}

/** `migrate` to a file and wait for it: the memory and device state of a stopped guest. */
export async function migrateToFile(qmp: QmpExecutor, path: string, opts: MigrateWaitOptions = {}): Promise<void> {
  await migrate(qmp, migrationUriToFile(path));
  await waitForMigration(qmp, opts);
}

/**
 * Waits until an incoming migration (-incoming) has been loaded: the run state leaves
 * `inmigrate`. Throws if the migration failed.
 */
export async function waitForIncoming(qmp: QmpExecutor, opts: MigrateWaitOptions = {}): Promise<QemuStatus> {
  const timeoutMs = opts.timeoutMs ?? 600_000;
  const pollMs = opts.pollMs ?? 200;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const st = await queryStatus(qmp);
    if (st.status !== 'inmigrate') return st;
    const info = await queryMigrate(qmp).catch((): MigrationInfo => ({}));
    if (info.status === 'failed') {
      throw new VmgateError('internal', `loading the saved state failed: ${info['error-desc'] ?? 'no reason given'}`, { module: MODULE });
    }
    if (opts.signal?.aborted) throw new VmgateError('cancelled', 'the operation was cancelled', { module: MODULE });
    if (Date.now() > deadline) throw new VmgateError('timed_out', `the saved state was not loaded within ${timeoutMs} ms`, { module: MODULE });
    await delay(pollMs);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

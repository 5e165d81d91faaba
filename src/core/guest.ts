import type { GuestCredentials, GuestFileInfo, GuestNetworkInterface, GuestProcessInfo, GuestProgramSpec, HypervisorDriver, DriverVm } from './ports/driver.ts';
import type { Caller } from './caller.ts';
import type { CoreContext } from './context.ts';
import type { EventLog } from './events.ts';
import { invalidArgument, notAllowedInCurrentState, timedOut, unsupported } from './errors.ts';
import type { Task, Vm } from './model/index.ts';
import { describePowerState } from './power.ts';
import type { TaskEngine } from './tasks.ts';
import type { VmRuntime } from './vm-runtime.ts';
import type { VmService } from './vms.ts';

export interface ProgramResult {
  readonly pid: number;
  readonly exitCode: number;
  /** UTF-8 text (binary output is replaced); at most OUTPUT_LIMIT bytes each. */
  readonly stdout: string;
  readonly stderr: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly elapsedMs: number;
}

/** Who is at a VM (vmserverd VM_Who): its desktop (console) sessions and guest logins. */
export interface VmWho {
  /** Desktop sessions of the View broker: the users at the VM's console (VNC, RDP, web console). */
  readonly console: readonly { readonly user: string; readonly protocol: string; readonly state: 'connected' | 'disconnected'; readonly since: string }[];
  /** Guest logins made through core (LoginInGuest), while the VM runs; forgotten after {@link GUEST_SESSION_IDLE_MS} idle. */
  readonly guest: readonly { readonly user: string; readonly guestUser: string; readonly since: string; readonly lastUsed: string }[];
}

/** A guest login is shown by `who` until this long after its last use (or the VM stops). */
export const GUEST_SESSION_IDLE_MS = 30 * 60_000;

interface GuestLogin {
  readonly user: string;
  readonly guestUser: string;
  readonly since: string;
  lastUsed: string;
  lastUsedMs: number;
}

const OUTPUT_LIMIT = 4 * 1024 * 1024;
export const MAX_GUEST_CHUNK = 16 * 1024 * 1024;

/**
 * Guest operations as a guest user: programs, processes, files. Each checks the
 * GuestOps privilege, that the VM runs and that tools run, then calls the driver.
 */
export class GuestService {
  /** Guest logins per VM, keyed `vmgate user` + NUL + `guest user` (in memory: a restart forgets them, as it ends them). */
  readonly #logins = new Map<string, Map<string, GuestLogin>>();

  constructor(
    private readonly ctx: CoreContext,
    private readonly events: EventLog,
    private readonly tasks: TaskEngine,
    private readonly vms: VmService,
    private readonly rt: VmRuntime,
  ) {}

  private async open(caller: Caller, ref: string, creds: GuestCredentials): Promise<{ vm: Vm; driver: HypervisorDriver; dvm: DriverVm; g: NonNullable<HypervisorDriver['guest']> }> {
    const vm = await this.vms.resolve(caller, ref, 'VirtualMachine.GuestOps');
    if (!creds || typeof creds.username !== 'string' || typeof creds.password !== 'string' || creds.username.length === 0) {
      throw invalidArgument('guest operations need guest credentials: a user name and a password', { module: 'core.guest' });
    }
    if (vm.powerState !== 'poweredOn') throw notAllowedInCurrentState(`${vm.id} (${vm.name}) is ${describePowerState(vm.powerState)}: guest operations need a powered-on VM`, { module: 'core.guest', reason: 'vm_not_running' });
    if (vm.toolsState !== 'running') throw notAllowedInCurrentState(`tools are not running in ${vm.id} (${vm.name})`, { module: 'core.guest', reason: 'tools_not_running' });
    const { driver, dvm } = await this.rt.resolveDriverVm(vm);
    if (!driver.guest) throw unsupported(`the ${driver.kind} driver has no guest operations`, { module: 'core.guest' });
    return { vm, driver, dvm, g: driver.guest };
  }

  /**
   * The guest's network interfaces and addresses as its tools report them (QEMU: the guest
   * agent's guest-network-get-interfaces). Needs System.View and running tools; a driver
   * that cannot tell answers an empty list.
   */
  async networkInterfaces(caller: Caller, ref: string): Promise<GuestNetworkInterface[]> {
    const vm = await this.vms.resolve(caller, ref);
    if (vm.powerState !== 'poweredOn') throw notAllowedInCurrentState(`${vm.id} (${vm.name}) is ${describePowerState(vm.powerState)}: its guest reports no network`, { module: 'core.guest', reason: 'vm_not_running' });
    if (vm.toolsState !== 'running') throw notAllowedInCurrentState(`tools are not running in ${vm.id} (${vm.name})`, { module: 'core.guest', reason: 'tools_not_running' });
    const { driver, dvm } = await this.rt.resolveDriverVm(vm);
    return driver.guestNetwork ? driver.guestNetwork(dvm) : [];
  }

  async login(caller: Caller, ref: string, creds: GuestCredentials): Promise<void> {
    const { vm, dvm, g } = await this.open(caller, ref, creds);
    await g.authenticate(dvm, creds);
    const now = this.ctx.clock.now();
    const perVm = this.#logins.get(vm.id) ?? new Map<string, GuestLogin>();
    this.#logins.set(vm.id, perVm);
    const key = `${caller.userName}\0${creds.username}`;
    const known = perVm.get(key);
    if (known) {
      known.lastUsed = now.toISOString();
      known.lastUsedMs = now.getTime();
    } else {
      perVm.set(key, { user: caller.userName, guestUser: creds.username, since: now.toISOString(), lastUsed: now.toISOString(), lastUsedMs: now.getTime() });
      await this.events.record(vm.id, 'guest.login', `${caller.userName} logged in to the guest of ${vm.name} as ${creds.username}`, { caller });
    }
  }

  /** Who is at a VM: desktop (console) sessions and guest logins. Needs the VM to be visible. */
  async who(caller: Caller, ref: string): Promise<VmWho> {
    const vm = await this.vms.get(caller, ref);
    const sessions = await this.ctx.store.desktopSessions.listForVm(vm.id);
    const console = [];
    for (const s of sessions.sort((a, b) => (a.startedAt < b.startedAt ? -1 : a.startedAt > b.startedAt ? 1 : 0))) {
      const user = await this.ctx.store.users.get(s.userId);
      console.push({ user: user?.name ?? s.userId, protocol: s.protocol, state: s.state, since: s.startedAt });
    }
    const perVm = this.#logins.get(vm.id);
    const now = this.ctx.clock.now().getTime();
    if (perVm && vm.powerState !== 'poweredOn') this.#logins.delete(vm.id);
    else if (perVm) for (const [k, l] of perVm) if (now - l.lastUsedMs > GUEST_SESSION_IDLE_MS) perVm.delete(k);
    const guest = vm.powerState === 'poweredOn' && perVm ? [...perVm.values()].map(({ user, guestUser, since, lastUsed }) => ({ user, guestUser, since, lastUsed })) : [];
    return { console, guest };
  }

  async startProgram(caller: Caller, ref: string, creds: GuestCredentials, spec: GuestProgramSpec): Promise<number> {
    checkSpec(spec);
    const { vm, dvm, g } = await this.open(caller, ref, creds);
    const pid = await g.startProgram(dvm, creds, spec);
    await this.events.record(vm.id, 'guest.programStarted', `'${[spec.path, ...spec.args].join(' ').slice(0, 200)}' started as ${creds.username} (pid ${pid})`, { caller });
    return pid;
  }

  /**
   * Runs a program to its end as a task; the result is a ProgramResult. Cancelling kills it;
   * so does `timeoutMs` running out, and the task then fails with timed_out.
   */
  async runProgram(caller: Caller, ref: string, creds: GuestCredentials, spec: GuestProgramSpec, opts: { timeoutMs?: number } = {}): Promise<Task> {
    checkSpec(spec);
    const { timeoutMs } = opts;
    if (timeoutMs !== undefined && (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0)) throw invalidArgument(`a guest program timeout must be a positive number of milliseconds, not ${timeoutMs}`, { module: 'core.guest' });
    const { vm, dvm, g } = await this.open(caller, ref, creds);
    return this.tasks.start({ kind: 'guest.run', targetId: vm.id, targetName: vm.name, caller, cancellable: true, step: `Running ${spec.path}` }, async (t) => {
      const pid = await g.startProgram(dvm, creds, { ...spec, captureOutput: true });
      t.progress(10, `Running ${spec.path} (pid ${pid})`);
      const timeout = timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs);
      let r: Awaited<ReturnType<typeof g.waitProgram>>;
      try {
        r = await g.waitProgram(dvm, creds, pid, { signal: timeout ? AbortSignal.any([t.signal, timeout]) : t.signal });
      } catch (e) {
        if (timeout?.aborted && !t.signal.aborted) throw timedOut(`'${spec.path}' (pid ${pid}) in ${vm.id} (${vm.name}) did not end within ${timeoutMs} ms and was killed`, { module: 'core.guest', cause: e });
        throw e;
      }
      const out: ProgramResult = {
        pid,
        exitCode: r.exitCode,
        stdout: r.stdout.subarray(0, OUTPUT_LIMIT).toString('utf8'),
        stderr: r.stderr.subarray(0, OUTPUT_LIMIT).toString('utf8'),
        startedAt: r.startedAt,
        finishedAt: r.finishedAt,
        elapsedMs: new Date(r.finishedAt).getTime() - new Date(r.startedAt).getTime(),
      };
      return out;
    });
  }

  async listProcesses(caller: Caller, ref: string, creds: GuestCredentials, pids?: readonly number[]): Promise<GuestProcessInfo[]> {
    const { dvm, g } = await this.open(caller, ref, creds);
    return g.listProcesses(dvm, creds, pids);
  }

  async killProcess(caller: Caller, ref: string, creds: GuestCredentials, pid: number): Promise<void> {
    if (!Number.isInteger(pid) || pid <= 0) throw invalidArgument(`process id '${pid}' is not valid`, { module: 'core.guest' });
    const { dvm, g } = await this.open(caller, ref, creds);
    await g.killProcess(dvm, creds, pid);
  }

  async stat(caller: Caller, ref: string, creds: GuestCredentials, path: string): Promise<GuestFileInfo> {
    const { dvm, g } = await this.open(caller, ref, creds);
    return g.stat(dvm, creds, checkPath(path));
  }

  async listDirectory(caller: Caller, ref: string, creds: GuestCredentials, path: string): Promise<GuestFileInfo[]> {
    const { dvm, g } = await this.open(caller, ref, creds);
    return g.listDirectory(dvm, creds, checkPath(path));
  }

  async makeDirectory(caller: Caller, ref: string, creds: GuestCredentials, path: string, parents = false): Promise<void> {
    const { dvm, g } = await this.open(caller, ref, creds);
    await g.makeDirectory(dvm, creds, checkPath(path), parents);
  }

  async removeDirectory(caller: Caller, ref: string, creds: GuestCredentials, path: string, recursive = false): Promise<void> {
    const { dvm, g } = await this.open(caller, ref, creds);
    await g.removeDirectory(dvm, creds, checkPath(path), recursive);
  }

  async removeFile(caller: Caller, ref: string, creds: GuestCredentials, path: string): Promise<void> {
    const { dvm, g } = await this.open(caller, ref, creds);
    await g.removeFile(dvm, creds, checkPath(path));
  }

  async move(caller: Caller, ref: string, creds: GuestCredentials, from: string, to: string, overwrite = false): Promise<void> {
    const { dvm, g } = await this.open(caller, ref, creds);
    await g.move(dvm, creds, checkPath(from), checkPath(to), overwrite);
  }

  async createTempFile(caller: Caller, ref: string, creds: GuestCredentials, opts: { prefix?: string; suffix?: string; directory?: string; directoryOnly?: boolean } = {}): Promise<string> {
    const { dvm, g } = await this.open(caller, ref, creds);
    return g.createTempFile(dvm, creds, { prefix: opts.prefix ?? 'vmgate', suffix: opts.suffix ?? '', ...(opts.directory ? { directory: checkPath(opts.directory) } : {}), ...(opts.directoryOnly ? { directoryOnly: true } : {}) });
  }

  async readFile(caller: Caller, ref: string, creds: GuestCredentials, path: string, offset: number, length: number): Promise<Buffer> {
    if (!Number.isSafeInteger(offset) || offset < 0) throw invalidArgument(`offset ${offset} is not valid`, { module: 'core.guest' });
    if (!Number.isSafeInteger(length) || length < 0 || length > MAX_GUEST_CHUNK) throw invalidArgument(`a read may take 0–${MAX_GUEST_CHUNK} bytes, not ${length}`, { module: 'core.guest' });
    const { dvm, g } = await this.open(caller, ref, creds);
    return g.readFile(dvm, creds, checkPath(path), offset, length);
  }

  async writeFile(caller: Caller, ref: string, creds: GuestCredentials, path: string, data: Buffer, opts: { offset?: number; truncate?: boolean; overwrite?: boolean } = {}): Promise<void> {
    const offset = opts.offset ?? 0;
    if (!Number.isSafeInteger(offset) || offset < 0) throw invalidArgument(`offset ${offset} is not valid`, { module: 'core.guest' });
    if (data.length > MAX_GUEST_CHUNK) throw invalidArgument(`a write may carry at most ${MAX_GUEST_CHUNK} bytes; send the file in chunks`, { module: 'core.guest' });
    const { dvm, g } = await this.open(caller, ref, creds);
    await g.writeFile(dvm, creds, checkPath(path), data, { offset, truncate: opts.truncate ?? offset === 0, overwrite: opts.overwrite ?? true });
  }

  async environment(caller: Caller, ref: string, creds: GuestCredentials): Promise<Record<string, string>> {
    const { driver, dvm, g } = await this.open(caller, ref, creds);
    if (!g.environment) throw unsupported(`the ${driver.kind} driver cannot read guest environment variables`, { module: 'core.guest' });
    return g.environment(dvm, creds);
  }
}

function checkSpec(spec: GuestProgramSpec): void {
  if (!spec || typeof spec.path !== 'string' || spec.path.length === 0 || spec.path.length > 4096) throw invalidArgument('a guest program needs a path', { module: 'core.guest' });
  if (!Array.isArray(spec.args) || spec.args.some((a) => typeof a !== 'string')) throw invalidArgument('guest program arguments must be a list of strings', { module: 'core.guest' });
}

function checkPath(p: string): string {
  if (typeof p !== 'string' || p.length === 0 || p.length > 4096 || p.includes('\0')) throw invalidArgument(`guest path '${String(p).slice(0, 100)}' is not valid`, { module: 'core.guest' });
  return p;
}

import { isVmgateError } from '../../core/errors.ts';
import type { VmgateError } from '../../core/errors.ts';
import type { GuestCredentials, GuestProcessInfo, GuestProcessResult, GuestProgramSpec } from '../../core/ports/driver.ts';
import type { SimGuestAccount } from './guest-accounts.ts';
import { GuestClock, GuestHalted } from './guest-clock.ts';
import { DEFAULT_GUEST_PATH, resolveCommand, runResolved } from './guest-exec.ts';
import type { ProcessBase, ResolvedCommand } from './guest-exec.ts';
import type { GuestFs } from './guest-fs.ts';
import { guestBasename, resolveGuestPath } from './guest-path.ts';
import { GuestProcess, quoteArg } from './guest-process.ts';
import type { GuestProcessSpec } from './guest-process.ts';
import { bufferSource } from './guest-shell.ts';
import type { GuestSystem, ProgramResume } from './program-context.ts';
import { simError } from './sim-error.ts';

export interface SimGuestOptions {
  /** The VM's name, for messages. */
  readonly vmName: () => string;
  /** The guest's disk; the guest changes it in place. */
  readonly fs: GuestFs;
  readonly accounts: readonly SimGuestAccount[];
  readonly random: () => number;
  /** Process ids are handed out by the VM so they never repeat while the driver runs. */
  readonly nextPid: () => number;
  /** The guest ran poweroff/halt/shutdown (called on a later turn of the event loop). */
  readonly onPowerOff: () => void;
  /** The guest ran reboot (called on a later turn of the event loop). */
  readonly onReboot: () => void;
}

/** One process as a memory snapshot keeps it. */
export interface GuestProcessImage {
  readonly pid: number;
  readonly owner: string;
  readonly name: string;
  readonly commandLine: string;
  readonly spec: GuestProcessSpec;
  readonly startedAt: string;
  readonly exitCode: number | null;
  readonly finishedAt: string | null;
  readonly stdout: Buffer;
  readonly stderr: Buffer;
  readonly checkpoint: unknown;
  readonly sleepRemainingMs: number | null;
}

/** The running state of a guest that a memory snapshot keeps (the disk is kept apart). */
export interface GuestMemoryImage {
  readonly processes: readonly GuestProcessImage[];
}

const EXITED_KEEP_MS = 5 * 60_000;
const EXITED_KEEP_MAX = 256;

/**
 * A booted simulated guest: accounts, a process table with `init` as pid 1, built-in
 * programs run by startProgram, and guest time that freezes while the VM is paused or
 * suspended. The file system is the VM's disk, which outlives the guest.
 */
export class SimGuest implements GuestSystem {
  readonly clock = new GuestClock();
  readonly fs: GuestFs;
  readonly random: () => number;
  readonly #opts: SimGuestOptions;
  readonly #procs = new Map<number, GuestProcess>();
  #halted = false;

  constructor(opts: SimGuestOptions) {
    this.#opts = opts;
    this.fs = opts.fs;
    this.random = opts.random;
    const root = opts.accounts.find((a) => a.uid === 0) ?? { username: 'root', password: '', uid: 0, home: '/root' };
    this.#procs.set(1, new GuestProcess(1, root, 'init', '/sbin/init', { argv: ['/sbin/init'], env: {}, cwd: '/', stdin: Buffer.alloc(0), capture: false }));
  }

  /** Boots a guest from a memory snapshot: its processes run on from where they were. */
  static restore(opts: SimGuestOptions, image: GuestMemoryImage): SimGuest {
    const guest = new SimGuest(opts);
    for (const p of image.processes) {
      const owner = opts.accounts.find((a) => a.username === p.owner) ?? { username: p.owner, password: '', uid: 65534, home: '/' };
      const proc = new GuestProcess(p.pid, owner, p.name, p.commandLine, p.spec, new Date(p.startedAt));
      proc.restoreOutput(p.stdout, p.stderr);
      guest.#procs.set(p.pid, proc);
      if (p.exitCode !== null) {
        proc.finish(p.exitCode, p.finishedAt ? new Date(p.finishedAt) : new Date());
        continue;
      }
      try {
        const cmd = resolveCommand(guest, owner, p.spec.argv[0] ?? '', p.spec.env, p.spec.cwd);
        guest.#launch(proc, cmd, { state: p.checkpoint, sleepRemainingMs: p.sleepRemainingMs });
      } catch (e) {
        proc.writeErr(`${p.name}: ${e instanceof Error ? e.message : String(e)}\n`);
        proc.finish(127);
      }
    }
    return guest;
  }

  get halted(): boolean {
    return this.#halted;
  }

  // ---- GuestSystem ----------------------------------------------------------------------

  hostname(): string {
    try {
      const name = this.fs.readAll('/etc/hostname', ROOT).toString('utf8').trim();
      if (name) return name;
    } catch {
      // fall through
    }
    return this.#opts.vmName();
  }

  accounts(): readonly SimGuestAccount[] {
    return this.#opts.accounts;
  }

  processes(): GuestProcessInfo[] {
    return this.list();
  }

  kill(user: SimGuestAccount, pid: number, signal: number): void {
    const proc = this.#find(pid);
    if (!proc.running) throw simError('not_found', `process ${pid} in ${this.#opts.vmName()} has already exited`, 'no_such_process');
    if (user.uid !== 0 && proc.owner.username !== user.username) {
      throw simError('unauthorized', `permission denied: user '${user.username}' may not kill process ${pid} (owned by ${proc.owner.username})`);
    }
    if (pid === 1) return; // init ignores signals, as on Linux
    proc.kill(signal);
  }

  powerOff(): void {
    if (!this.#halted) setImmediate(() => !this.#halted && this.#opts.onPowerOff());
  }

  reboot(): void {
    if (!this.#halted) setImmediate(() => !this.#halted && this.#opts.onReboot());
  }

  // ---- guest operations -----------------------------------------------------------------

  /** The account for these credentials; unauthenticated (guest_auth_failed) when wrong. */
  authenticate(creds: GuestCredentials): SimGuestAccount {
    const account = this.#opts.accounts.find((a) => a.username === creds.username);
    if (!account || account.password !== creds.password) {
      throw simError('unauthenticated', `guest login of user '${creds.username}' in ${this.#opts.vmName()} failed: wrong user name or password`, 'guest_auth_failed');
    }
    return account;
  }

  environment(user: SimGuestAccount): Record<string, string> {
    return { HOME: user.home, LOGNAME: user.username, USER: user.username, PATH: DEFAULT_GUEST_PATH, SHELL: '/bin/sh', PWD: user.home };
  }

  /** Starts a program as `user`; throws not_found (file_not_found) when there is none. */
  start(user: SimGuestAccount, spec: GuestProgramSpec): number {
    this.#prune();
    const home = this.fs.isDirectory(user.home, user) ? user.home : '/';
    const cwd = resolveGuestPath(home, spec.cwd ?? home);
    if (this.fs.stat(cwd, user).type !== 'directory') throw simError('invalid_argument', `'${cwd}': not a directory`, 'not_a_directory');
    const env = { ...this.environment(user), ...(spec.env ?? {}), PWD: cwd };
    const cmd = resolveCommand(this, user, spec.path, env, cwd);
    const argv = [spec.path, ...spec.args];
    const pid = this.#opts.nextPid();
    const proc = new GuestProcess(pid, user, guestBasename(spec.path), argv.map(quoteArg).join(' '), {
      argv,
      env,
      cwd,
      stdin: spec.stdin ?? Buffer.alloc(0),
      capture: spec.captureOutput,
    });
    this.#procs.set(pid, proc);
    this.#launch(proc, cmd, undefined);
    return pid;
  }

  /** Waits for a process; on abort the process is killed and the wait rejects `cancelled`. */
  async wait(pid: number, signal?: AbortSignal): Promise<GuestProcessResult> {
    const proc = this.#find(pid);
    try {
      return await proc.wait(signal);
    } catch (e) {
      if (signal?.aborted) proc.kill(9);
      throw e;
    }
  }

  list(pids?: readonly number[]): GuestProcessInfo[] {
    this.#prune();
    const wanted = pids && pids.length > 0 ? new Set(pids) : null;
    return [...this.#procs.values()].filter((p) => !wanted || wanted.has(p.pid)).sort((a, b) => a.pid - b.pid).map((p) => p.info());
  }

  freeze(): void {
    this.clock.freeze();
  }

  thaw(): void {
    this.clock.thaw();
  }

  /** Stops the guest for good: processes end, waiters get `why`, timers stop. */
  halt(why: VmgateError): void {
    if (this.#halted) return;
    this.#halted = true;
    for (const p of this.#procs.values()) p.lose(why);
    this.clock.dispose();
  }

  captureMemory(): GuestMemoryImage {
    const now = this.clock.now();
    const processes = [...this.#procs.values()]
      .filter((p) => p.pid !== 1)
      .map((p) => ({
        pid: p.pid,
        owner: p.owner.username,
        name: p.name,
        commandLine: p.commandLine,
        spec: p.spec,
        startedAt: p.startedAt.toISOString(),
        exitCode: p.exitCode,
        finishedAt: p.finishedAt?.toISOString() ?? null,
        stdout: p.stdout,
        stderr: p.stderr,
        checkpoint: p.checkpoint,
        sleepRemainingMs: p.running && p.sleepDeadline !== null ? Math.max(0, p.sleepDeadline - now) : null,
      }));
    return { processes };
  }

  // ---- internals ------------------------------------------------------------------------

  #find(pid: number): GuestProcess {
    const proc = this.#procs.get(pid);
    if (!proc) throw simError('not_found', `there is no process ${pid} in ${this.#opts.vmName()}`, 'no_such_process');
    return proc;
  }

  #launch(proc: GuestProcess, cmd: ResolvedCommand, resume: ProgramResume | undefined): void {
    const base: ProcessBase = {
      sys: this,
      user: proc.owner,
      pid: proc.pid,
      signal: proc.controller.signal,
      sleep: async (ms) => {
        proc.sleepDeadline = this.clock.now() + ms;
        try {
          await this.clock.sleep(ms, proc.controller.signal);
        } finally {
          proc.sleepDeadline = null;
        }
      },
    };
    const io = { stdin: bufferSource(proc.spec.stdin), stdout: (d: string | Buffer) => proc.writeOut(d), stderr: (d: string | Buffer) => proc.writeErr(d) };
    runResolved(base, cmd, proc.spec.argv, {
      env: proc.spec.env,
      cwd: proc.spec.cwd,
      io,
      resume,
      checkpoint: (state) => {
        proc.checkpoint = state;
      },
    }).then(
      (code) => proc.finish(code & 0xff),
      (e: unknown) => {
        if (proc.controller.signal.aborted || e instanceof GuestHalted) return;
        proc.writeErr(`${proc.name}: ${e instanceof Error ? e.message : String(e)}\n`);
        proc.finish(isVmgateError(e) ? 1 : 70);
      },
    );
  }

  #prune(): void {
    const exited = [...this.#procs.values()].filter((p) => !p.running && p.pid !== 1);
    const cutoff = Date.now() - EXITED_KEEP_MS;
    exited.forEach((p, n) => {
      if ((p.finishedAt?.getTime() ?? 0) < cutoff || n < exited.length - EXITED_KEEP_MAX) this.#procs.delete(p.pid);
    });
  }
}

const ROOT = { username: 'root', uid: 0 };

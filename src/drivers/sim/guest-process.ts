import type { VmgateError } from '../../core/errors.ts';
import type { GuestProcessInfo, GuestProcessResult } from '../../core/ports/driver.ts';
import type { SimGuestAccount } from './guest-accounts.ts';
import { simError } from './sim-error.ts';

/** What a process was started with (kept so a memory snapshot can start it again). */
export interface GuestProcessSpec {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  readonly stdin: Buffer;
  readonly capture: boolean;
}

/** Why a killed process's program stops: the abort reason of its signal. */
export class ProcessSignal extends Error {
  constructor(readonly signal: number) {
    super(`killed by signal ${signal}`);
    this.name = 'ProcessSignal';
  }
}

const MAX_CAPTURE = 64 * 1024 * 1024;

interface Waiter {
  resolve(r: GuestProcessResult): void;
  reject(e: unknown): void;
}

/** One entry of a guest's process table, running or recently exited. */
export class GuestProcess {
  exitCode: number | null = null;
  finishedAt: Date | null = null;
  readonly controller = new AbortController();
  /** What the main program last passed to `checkpoint` (memory snapshots). */
  checkpoint: unknown = null;
  /** Guest-clock time the current sleep ends, while the process sleeps. */
  sleepDeadline: number | null = null;
  #out: Buffer[] = [];
  #err: Buffer[] = [];
  #captured = 0;
  readonly #waiters = new Set<Waiter>();

  constructor(
    readonly pid: number,
    readonly owner: SimGuestAccount,
    readonly name: string,
    readonly commandLine: string,
    readonly spec: GuestProcessSpec,
    readonly startedAt: Date = new Date(),
  ) {}

  get running(): boolean {
    return this.exitCode === null;
  }

  get stdout(): Buffer {
    return Buffer.concat(this.#out);
  }

  get stderr(): Buffer {
    return Buffer.concat(this.#err);
  }

  writeOut(data: string | Buffer): void {
    this.#capture(this.#out, data);
  }

  writeErr(data: string | Buffer): void {
    this.#capture(this.#err, data);
  }

  /** Records the exit (once) and wakes the waiters. */
  finish(code: number, at: Date = new Date()): void {
    if (this.exitCode !== null) return;
    this.exitCode = code;
    this.finishedAt = at;
    const result = this.result();
    for (const w of this.#waiters) w.resolve(result);
    this.#waiters.clear();
  }

  /** Ends the process now with 128 + signal; its program stops at its next wait. */
  kill(signal: number): void {
    if (this.exitCode !== null) return;
    this.finish(128 + signal);
    this.controller.abort(new ProcessSignal(signal));
  }

  /** The guest went away: the process ends (SIGKILL) and waiters get `why`. */
  lose(why: VmgateError): void {
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    if (this.exitCode === null) {
      this.exitCode = 137;
      this.finishedAt = new Date();
      this.controller.abort(new ProcessSignal(9));
    }
    for (const w of waiters) w.reject(why);
  }

  /** Resolves when the process exits; rejects `cancelled` on abort (the caller kills it). */
  wait(signal?: AbortSignal): Promise<GuestProcessResult> {
    if (this.exitCode !== null) return Promise.resolve(this.result());
    if (signal?.aborted) return Promise.reject(simError('cancelled', `waiting for process ${this.pid} was cancelled`));
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        this.#waiters.delete(w);
        reject(simError('cancelled', `waiting for process ${this.pid} was cancelled`));
      };
      const w: Waiter = {
        resolve: (r) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(r);
        },
        reject: (e) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      };
      this.#waiters.add(w);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  info(): GuestProcessInfo {
    return {
      pid: this.pid,
      name: this.name,
      owner: this.owner.username,
      commandLine: this.commandLine,
      startedAt: this.startedAt.toISOString(),
      exitCode: this.exitCode,
      finishedAt: this.finishedAt?.toISOString() ?? null,
    };
  }

  result(): GuestProcessResult {
    return {
      pid: this.pid,
      exitCode: this.exitCode ?? -1,
      stdout: this.stdout,
      stderr: this.stderr,
      startedAt: this.startedAt.toISOString(),
      finishedAt: (this.finishedAt ?? new Date()).toISOString(),
    };
  }

  /** Output captured so far, for memory snapshots. */
  restoreOutput(stdout: Buffer, stderr: Buffer): void {
    this.#out = [Buffer.from(stdout)];
    this.#err = [Buffer.from(stderr)];
    this.#captured = stdout.length + stderr.length;
  }

  #capture(into: Buffer[], data: string | Buffer): void {
    if (!this.spec.capture || this.exitCode !== null) return;
    const b = typeof data === 'string' ? Buffer.from(data) : data;
    if (this.#captured + b.length > MAX_CAPTURE) return;
    this.#captured += b.length;
    into.push(Buffer.from(b));
  }
}

/** Quotes an argument for a command line the way a shell would need it. */
export function quoteArg(arg: string): string {
  return arg !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

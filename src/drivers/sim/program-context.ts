import type { GuestProcessInfo } from '../../core/ports/driver.ts';
import type { SimGuestAccount } from './guest-accounts.ts';
import type { GuestClock } from './guest-clock.ts';
import type { GuestFs } from './guest-fs.ts';

/** Where a program reads its input: a buffer consumed once, like a pipe. */
export interface StdinSource {
  /** Everything not read yet (empty afterwards). */
  readAll(): Buffer;
}

export interface ProgramIo {
  readonly stdin: StdinSource;
  readonly stdout: (data: string | Buffer) => void;
  readonly stderr: (data: string | Buffer) => void;
}

/** What a guest program sees of the guest it runs in. */
export interface GuestSystem {
  readonly fs: GuestFs;
  readonly clock: GuestClock;
  readonly random: () => number;
  hostname(): string;
  accounts(): readonly SimGuestAccount[];
  processes(): GuestProcessInfo[];
  /** Sends `signal` (9, 15, …) to a process as `user`; throws not_found / unauthorized. */
  kill(user: SimGuestAccount, pid: number, signal: number): void;
  /** The guest asks to be switched off (poweroff, halt, shutdown). */
  powerOff(): void;
  /** The guest asks to be restarted (reboot, shutdown -r). */
  reboot(): void;
}

/**
 * State a process's main program gets back when a memory snapshot is reverted: what it
 * last passed to `checkpoint` and how much of the sleep it was in was left.
 */
export interface ProgramResume {
  readonly state: unknown;
  readonly sleepRemainingMs: number | null;
}

export interface ExecOptions {
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  readonly io: ProgramIo;
  /** Only for the main program of a process (see ProgramResume). */
  readonly resume?: ProgramResume;
  readonly checkpoint?: (state: unknown) => void;
}

export interface ProgramContext extends ProgramIo {
  /** argv[0] is the name the program was started by. */
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  readonly user: SimGuestAccount;
  readonly pid: number;
  readonly sys: GuestSystem;
  /** Aborted when the process is killed or the guest halts. */
  readonly signal: AbortSignal;
  /** Waits `ms` of guest time (stands still while the VM is paused or suspended). */
  sleep(ms: number): Promise<void>;
  /**
   * Runs another program (argv[0] looked up in PATH) in this process and returns its exit
   * code; throws not_found (file_not_found) or unauthorized when it cannot be started.
   */
  exec(argv: readonly string[], opts: ExecOptions): Promise<number>;
  readonly resume?: ProgramResume;
  checkpoint?(state: unknown): void;
}

/** A built-in guest program: returns its exit code. */
export type Program = (ctx: ProgramContext) => number | Promise<number>;

import type { SimGuestAccount } from './guest-accounts.ts';
import { resolveGuestPath } from './guest-path.ts';
import { GUEST_PROGRAMS } from './guest-programs.ts';
import type { ExecOptions, GuestSystem, Program, ProgramContext } from './program-context.ts';
import { simError } from './sim-error.ts';

/** The first line of a built-in program's file in /bin: `#!builtin echo`. */
export const BUILTIN_MARK = '#!builtin ';

export const DEFAULT_GUEST_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The process a program runs in. */
export interface ProcessBase {
  readonly sys: GuestSystem;
  readonly user: SimGuestAccount;
  readonly pid: number;
  readonly signal: AbortSignal;
  sleep(ms: number): Promise<void>;
}

export interface ResolvedCommand {
  /** Absolute path of the file that was found. */
  readonly path: string;
  readonly program: Program;
  /** The argv the program gets: a `#!` script runs its interpreter with the script's path. */
  argv(argv: readonly string[]): string[];
}

/**
 * Finds what `name` runs, like execvp: a path with '/' is taken as it is, a bare name is
 * looked up in PATH. Throws not_found (file_not_found) when there is nothing to run,
 * unauthorized when the file is not executable, invalid_argument for an unknown format.
 */
export function resolveCommand(sys: GuestSystem, user: SimGuestAccount, name: string, env: Readonly<Record<string, string>>, cwd: string, depth = 0): ResolvedCommand {
  let path: string | undefined;
  if (name.includes('/')) {
    path = resolveGuestPath(cwd, name);
  } else if (name !== '') {
    for (const dir of (env.PATH ?? DEFAULT_GUEST_PATH).split(':')) {
      if (dir === '') continue;
      const candidate = resolveGuestPath(cwd, `${dir}/${name}`);
      if (sys.fs.exists(candidate, user) && !sys.fs.isDirectory(candidate, user)) {
        path = candidate;
        break;
      }
    }
    if (path === undefined) throw simError('not_found', `'${name}': program not found (PATH ${env.PATH ?? DEFAULT_GUEST_PATH})`, 'file_not_found');
  } else {
    throw simError('not_found', "'': program not found", 'file_not_found');
  }
  const content = sys.fs.executable(path, user);
  const firstLine = content.subarray(0, Math.max(0, content.indexOf(10)) || Math.min(content.length, 256)).toString('utf8').trim();
  if (firstLine.startsWith(BUILTIN_MARK)) {
    const builtin = firstLine.slice(BUILTIN_MARK.length).trim();
    const program = Object.hasOwn(GUEST_PROGRAMS, builtin) ? GUEST_PROGRAMS[builtin] : undefined;
    if (!program) throw simError('invalid_argument', `'${path}': exec format error (no built-in program '${builtin}')`);
    const found = path;
    return { path: found, program, argv: (argv) => [argv[0] ?? found, ...argv.slice(1)] };
  }
  if (firstLine.startsWith('#!') && depth < 2) {
    const [interpreter, ...opt] = firstLine.slice(2).trim().split(/\s+/);
    if (!interpreter) throw simError('invalid_argument', `'${path}': exec format error (empty #! line)`);
    const inner = resolveCommand(sys, user, interpreter, env, cwd, depth + 1);
    const script = path;
    return { path: script, program: inner.program, argv: (argv) => inner.argv([interpreter, ...opt.slice(0, 1), script, ...argv.slice(1)]) };
  }
  throw simError('invalid_argument', `'${path}': exec format error`);
}

/** Runs a resolved command in `base`'s process. */
export function runResolved(base: ProcessBase, cmd: ResolvedCommand, argv: readonly string[], opts: ExecOptions): Promise<number> {
  const ctx: ProgramContext = {
    argv: cmd.argv(argv),
    env: opts.env,
    cwd: opts.cwd,
    user: base.user,
    pid: base.pid,
    sys: base.sys,
    signal: base.signal,
    stdin: opts.io.stdin,
    stdout: opts.io.stdout,
    stderr: opts.io.stderr,
    sleep: (ms) => base.sleep(ms),
    exec: (a, o) => execCommand(base, a, o),
    resume: opts.resume,
    checkpoint: opts.checkpoint,
  };
  return Promise.resolve().then(() => cmd.program(ctx));
}

/** Resolves argv[0] and runs it in `base`'s process. */
export function execCommand(base: ProcessBase, argv: readonly string[], opts: ExecOptions): Promise<number> {
  if (base.signal.aborted) return Promise.reject(base.signal.reason);
  const cmd = resolveCommand(base.sys, base.user, argv[0] ?? '', opts.env, opts.cwd);
  return runResolved(base, cmd, argv, opts);
}

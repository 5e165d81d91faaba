import { isVmgateError } from '../../core/errors.ts';
import { GuestHalted } from './guest-clock.ts';
import { guestBasename, resolveGuestPath } from './guest-path.ts';
import type { ProgramContext, ProgramIo, StdinSource } from './program-context.ts';
import type { AndOrItem, Pipeline, ShellScript, SimpleCommand, Word, WordPart } from './shell-parser.ts';

/** Where a top-level shell is, for memory snapshots: the next and-or item to run. */
export interface ShellCheckpoint {
  readonly list: number;
  readonly item: number;
  readonly status: number;
  readonly vars: Readonly<Record<string, string>>;
  readonly exported: readonly string[];
  readonly cwd: string;
}

export interface ShellRunOptions {
  /** $0, $1, … */
  readonly positional: readonly string[];
}

class ShellExit {
  constructor(readonly code: number) {}
}

interface ShellState {
  readonly vars: Map<string, string>;
  readonly exported: Set<string>;
  readonly positional: readonly string[];
  cwd: string;
  status: number;
}

type Sink = (data: string | Buffer) => void;

/**
 * Runs a parsed script in the calling program's process and returns its exit status.
 * Commands run one after another (a pipeline's stages too, each reading what the one
 * before wrote). A process's top-level shell reports where it is through
 * `ctx.checkpoint`, and picks up there from `ctx.resume` after a memory-snapshot revert.
 */
export async function runShell(script: ShellScript, ctx: ProgramContext, opts: ShellRunOptions): Promise<number> {
  const resumeAt = isCheckpoint(ctx.resume?.state) ? ctx.resume.state : null;
  const state: ShellState = {
    vars: new Map(Object.entries(resumeAt?.vars ?? ctx.env)),
    exported: new Set(resumeAt?.exported ?? Object.keys(ctx.env)),
    positional: opts.positional,
    cwd: resumeAt?.cwd ?? ctx.cwd,
    status: resumeAt?.status ?? 0,
  };
  let sleepLeft = resumeAt ? (ctx.resume?.sleepRemainingMs ?? null) : null;
  try {
    for (let l = resumeAt?.list ?? 0; l < script.lists.length; l++) {
      const items = script.lists[l];
      const startItem = resumeAt && l === resumeAt.list ? resumeAt.item : 0;
      for (let k = startItem; k < items.length; k++) {
        const item: AndOrItem = items[k];
        const resuming = resumeAt !== null && l === resumeAt.list && k === startItem;
        if (!resuming && item.op === '&&' && state.status !== 0) continue;
        if (!resuming && item.op === '||' && state.status === 0) continue;
        ctx.checkpoint?.({ list: l, item: k, status: state.status, vars: Object.fromEntries(state.vars), exported: [...state.exported], cwd: state.cwd } satisfies ShellCheckpoint);
        if (resuming && sleepLeft !== null && isSimpleSleep(item.pipeline)) {
          const ms = sleepLeft;
          sleepLeft = null;
          await ctx.sleep(ms);
          state.status = item.pipeline.negated ? 1 : 0;
          continue;
        }
        state.status = await runPipeline(item.pipeline, state, ctx);
        ctx.signal.throwIfAborted();
      }
    }
    return state.status;
  } catch (e) {
    if (e instanceof ShellExit) return e.code;
    throw e;
  }
}

function isCheckpoint(v: unknown): v is ShellCheckpoint {
  return typeof v === 'object' && v !== null && typeof (v as ShellCheckpoint).list === 'number' && typeof (v as ShellCheckpoint).item === 'number';
}

function isSimpleSleep(p: Pipeline): boolean {
  const c = p.commands[0];
  const w = c?.words[0];
  return p.commands.length === 1 && w?.length === 1 && w[0].type === 'text' && guestBasename(w[0].value) === 'sleep';
}

async function runPipeline(p: Pipeline, state: ShellState, ctx: ProgramContext): Promise<number> {
  let stdin: StdinSource = ctx.stdin;
  let status = 0;
  for (let n = 0; n < p.commands.length; n++) {
    const last = n === p.commands.length - 1;
    const chunks: Buffer[] = [];
    const stdout: Sink = last ? ctx.stdout : (d) => chunks.push(Buffer.from(d));
    status = await runCommand(p.commands[n], state, ctx, { stdin, stdout, stderr: ctx.stderr }, p.commands.length > 1);
    if (!last) stdin = bufferSource(Buffer.concat(chunks));
  }
  return p.negated ? (status === 0 ? 1 : 0) : status;
}

/** Runs the command substitutions of a command's words, left to right: part → its output. */
async function substitutions(cmd: SimpleCommand, state: ShellState, ctx: ProgramContext, io: ProgramIo): Promise<Map<WordPart, string>> {
  const out = new Map<WordPart, string>();
  const words = [...cmd.assignments.map((a) => a.value), ...cmd.words, ...cmd.redirects.map((r) => r.target)];
  for (const part of words.flat()) {
    if (part.type !== 'cmdsub') continue;
    const chunks: Buffer[] = [];
    const env: Record<string, string> = {};
    for (const name of state.exported) {
      const v = state.vars.get(name);
      if (v !== undefined) env[name] = v;
    }
    state.status = await ctx.exec(['sh', '-c', part.source], {
      env,
      cwd: state.cwd,
      io: { stdin: bufferSource(Buffer.alloc(0)), stdout: (d) => chunks.push(Buffer.from(d)), stderr: io.stderr },
    });
    ctx.signal.throwIfAborted();
    out.set(part, Buffer.concat(chunks).toString('utf8').replace(/\n+$/, ''));
  }
  return out;
}

async function runCommand(cmd: SimpleCommand, state: ShellState, ctx: ProgramContext, io: ProgramIo, inPipeline: boolean): Promise<number> {
  const subs = await substitutions(cmd, state, ctx, io);
  const argv: string[] = [];
  for (const w of cmd.words) argv.push(...expandWord(w, state, ctx, true, subs));
  const assigned: [string, string][] = cmd.assignments.map((a) => [a.name, expandWord(a.value, state, ctx, false, subs).join('')]);

  // Redirects, left to right.
  const fds = new Map<number, Sink | StdinSource>([
    [0, io.stdin],
    [1, io.stdout],
    [2, io.stderr],
  ]);
  try {
    for (const r of cmd.redirects) {
      const target = expandWord(r.target, state, ctx, false, subs).join('');
      if (r.op === '>&') {
        const from = fds.get(Number(target));
        if (!/^[0-9]$/.test(target) || !from || r.fd === 0) throw new Error(`${target}: bad file descriptor`);
        fds.set(r.fd, from);
        continue;
      }
      const path = resolveGuestPath(state.cwd, target);
      if (path === '/dev/null') {
        fds.set(r.fd, r.op === '<' ? bufferSource(Buffer.alloc(0)) : () => undefined);
        continue;
      }
      if (r.op === '<') {
        fds.set(r.fd, bufferSource(ctx.sys.fs.readAll(path, ctx.user)));
        continue;
      }
      if (r.op === '>') ctx.sys.fs.write(path, ctx.user, Buffer.alloc(0), { offset: 0, truncate: true, overwrite: true });
      else ctx.sys.fs.append(path, ctx.user, Buffer.alloc(0));
      fds.set(r.fd, (d) => ctx.sys.fs.append(path, ctx.user, Buffer.from(d)));
    }
  } catch (e) {
    io.stderr(`sh: ${(e as Error).message}\n`);
    return 1;
  }
  const cio: ProgramIo = {
    stdin: asSource(fds.get(0)),
    stdout: asSink(fds.get(1)),
    stderr: asSink(fds.get(2)),
  };

  if (argv.length === 0) {
    for (const [k, v] of assigned) state.vars.set(k, v);
    return 0;
  }
  const builtin = BUILTINS[argv[0]];
  if (builtin) {
    const status = builtin(argv, state, cio, ctx);
    if (status instanceof ShellExit && inPipeline) return status.code;
    if (status instanceof ShellExit) throw status;
    return status;
  }

  const env: Record<string, string> = {};
  for (const name of state.exported) {
    const v = state.vars.get(name);
    if (v !== undefined) env[name] = v;
  }
  for (const [k, v] of assigned) env[k] = v;
  env.PWD = state.cwd;
  try {
    return await ctx.exec(argv, { env, cwd: state.cwd, io: cio });
  } catch (e) {
    if (ctx.signal.aborted || e instanceof GuestHalted) throw e;
    if (isVmgateError(e)) {
      if (e.kind === 'not_found') {
        cio.stderr(`sh: ${argv[0]}: not found\n`);
        return 127;
      }
      cio.stderr(`sh: ${argv[0]}: ${e.message}\n`);
      return 126;
    }
    throw e;
  }
}

type Builtin = (argv: readonly string[], state: ShellState, io: ProgramIo, ctx: ProgramContext) => number | ShellExit;

const BUILTINS: Readonly<Record<string, Builtin>> = {
  ':': () => 0,
  exit: (argv, state) => new ShellExit(argv[1] === undefined ? state.status : Number.parseInt(argv[1], 10) & 255 || 0),
  cd: (argv, state, io, ctx) => {
    const target = resolveGuestPath(state.cwd, argv[1] ?? state.vars.get('HOME') ?? '/');
    try {
      if (!ctx.sys.fs.isDirectory(target, ctx.user)) {
        io.stderr(`sh: cd: can't cd to ${argv[1] ?? target}: No such directory\n`);
        return 1;
      }
      ctx.sys.fs.list(target, ctx.user);
    } catch (e) {
      io.stderr(`sh: cd: ${(e as Error).message}\n`);
      return 1;
    }
    state.cwd = target;
    state.vars.set('PWD', target);
    return 0;
  },
  export: (argv, state) => {
    for (const a of argv.slice(1)) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a : a.slice(0, eq);
      if (eq >= 0) state.vars.set(name, a.slice(eq + 1));
      state.exported.add(name);
    }
    return 0;
  },
  unset: (argv, state) => {
    for (const name of argv.slice(1)) {
      state.vars.delete(name);
      state.exported.delete(name);
    }
    return 0;
  },
  set: (argv, state, io) => {
    if (argv.length === 1) {
      for (const [k, v] of [...state.vars].sort(([a], [b]) => (a < b ? -1 : 1))) io.stdout(`${k}='${v.replace(/'/g, `'\\''`)}'\n`);
    }
    return 0;
  },
};

function asSink(v: Sink | StdinSource | undefined): Sink {
  return typeof v === 'function' ? v : () => undefined;
}

function asSource(v: Sink | StdinSource | undefined): StdinSource {
  return v !== undefined && typeof v !== 'function' ? v : bufferSource(Buffer.alloc(0));
}

export function bufferSource(data: Buffer): StdinSource {
  let rest: Buffer = data;
  return {
    readAll() {
      const out = rest;
      rest = Buffer.alloc(0);
      return out;
    },
  };
}

// ---- word expansion -------------------------------------------------------------------

interface Field {
  /** Characters with a flag: true = unquoted glob character. */
  chars: { c: string; glob: boolean }[];
  /** Quoted text, even empty, makes a field exist. */
  exists: boolean;
}

function special(name: string, state: ShellState, ctx: ProgramContext): string | undefined {
  if (name === '?') return String(state.status);
  if (name === '$') return String(ctx.pid);
  if (name === '#') return String(Math.max(0, state.positional.length - 1));
  if (name === '@' || name === '*') return state.positional.slice(1).join(' ');
  if (name === '!') return '';
  if (/^[0-9]+$/.test(name)) return state.positional[Number(name)] ?? '';
  return state.vars.get(name);
}

/**
 * Expands one word into fields: variables, command substitutions (their output in `subs`),
 * `~`, field splitting and globbing of unquoted parts.
 */
function expandWord(word: Word, state: ShellState, ctx: ProgramContext, split: boolean, subs: ReadonlyMap<WordPart, string>): string[] {
  const fields: Field[] = [];
  let cur: Field = { chars: [], exists: false };
  const add = (s: string, glob: boolean): void => {
    for (const c of s) cur.chars.push({ c, glob: glob && (c === '*' || c === '?') });
  };
  for (const part of word) {
    if (part.type === 'tilde') {
      add(state.vars.get('HOME') ?? ctx.user.home, false);
      cur.exists = true;
    } else if (part.type === 'text') {
      add(part.value, !part.quoted && split);
      if (part.quoted || part.value !== '') cur.exists = true;
    } else {
      const value = part.type === 'cmdsub' ? (subs.get(part) ?? '') : (special(part.name, state, ctx) ?? '');
      if (part.quoted || !split) {
        add(value, false);
        cur.exists = true;
        continue;
      }
      const pieces = value.split(/[ \t\n]+/);
      pieces.forEach((piece, n) => {
        if (n > 0) {
          if (cur.exists || cur.chars.length > 0) fields.push(cur);
          cur = { chars: [], exists: false };
        }
        if (piece !== '') {
          add(piece, false);
          cur.exists = true;
        }
      });
    }
  }
  if (cur.exists || cur.chars.length > 0) fields.push(cur);
  const out: string[] = [];
  for (const f of fields) {
    const literal = f.chars.map((x) => x.c).join('');
    if (split && f.chars.some((x) => x.glob)) {
      const matches = glob(f, state.cwd, ctx);
      out.push(...(matches.length > 0 ? matches : [literal]));
    } else {
      out.push(literal);
    }
  }
  return out;
}

function glob(field: Field, cwd: string, ctx: ProgramContext): string[] {
  const segments: Field['chars'][] = [[]];
  for (const x of field.chars) {
    if (x.c === '/' && !x.glob) segments.push([]);
    else segments[segments.length - 1].push(x);
  }
  const absolute = segments[0].length === 0 && segments.length > 1;
  let paths = [absolute ? '/' : ''];
  const join = (p: string, name: string): string => (p === '' ? name : p === '/' ? `/${name}` : `${p}/${name}`);
  for (const seg of segments) {
    if (seg.length === 0) continue;
    const text = seg.map((x) => x.c).join('');
    if (!seg.some((x) => x.glob)) {
      paths = paths.map((p) => join(p, text));
      continue;
    }
    const re = new RegExp('^' + seg.map((x) => (x.glob ? (x.c === '*' ? '.*' : '.') : x.c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('') + '$', 's');
    const next: string[] = [];
    for (const p of paths) {
      let entries: string[] = [];
      try {
        entries = ctx.sys.fs.list(resolveGuestPath(cwd, p || '.'), ctx.user).map((e) => e.name);
      } catch {
        continue;
      }
      for (const name of entries) if (re.test(name) && (!name.startsWith('.') || text.startsWith('.'))) next.push(join(p, name));
    }
    paths = next;
    if (paths.length === 0) return [];
  }
  return paths.filter((p) => ctx.sys.fs.exists(resolveGuestPath(cwd, p), ctx.user)).sort();
}

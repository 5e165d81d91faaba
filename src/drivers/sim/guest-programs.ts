import { isVmgateError } from '../../core/errors.ts';
import type { GuestFileInfo } from '../../core/ports/driver.ts';
import { runShell } from './guest-shell.ts';
import { guestBasename, guestDirname, resolveGuestPath } from './guest-path.ts';
import type { Program, ProgramContext } from './program-context.ts';
import { parseShell, ShellSyntaxError } from './shell-parser.ts';

/**
 * The built-in programs of a simulated guest, busybox style: each is a file in /bin whose
 * content names it. Output and exit codes follow busybox closely enough that the driver
 * conformance suite passes on the sim and on the QEMU test guest alike.
 */
export const GUEST_PROGRAMS: Readonly<Record<string, Program>> = {
  echo,
  printf,
  cat,
  ls,
  sleep,
  true: () => 0,
  false: () => 1,
  env,
  pwd: (ctx) => (ctx.stdout(`${ctx.cwd}\n`), 0),
  mkdir,
  rm,
  rmdir,
  touch,
  cp,
  mv,
  chmod,
  id,
  whoami: (ctx) => (ctx.stdout(`${ctx.user.username}\n`), 0),
  hostname: (ctx) => (ctx.stdout(`${ctx.sys.hostname()}\n`), 0),
  uname,
  date,
  head,
  tail,
  wc,
  grep,
  sort,
  tee,
  basename: (ctx) => (ctx.argv[1] === undefined ? usage(ctx, 'NAME') : (ctx.stdout(`${stripSuffix(guestBasename(ctx.argv[1]), ctx.argv[2])}\n`), 0)),
  dirname: (ctx) => (ctx.argv[1] === undefined ? usage(ctx, 'NAME') : (ctx.stdout(`${guestDirname(ctx.argv[1])}\n`), 0)),
  seq,
  test: (ctx) => test(ctx, ctx.argv.slice(1)),
  '[': (ctx) => (ctx.argv[ctx.argv.length - 1] !== ']' ? fail(ctx, "missing ']'", 2) : test(ctx, ctx.argv.slice(1, -1))),
  ps,
  kill,
  sh,
  poweroff: (ctx) => power(ctx, 'off'),
  halt: (ctx) => power(ctx, 'off'),
  reboot: (ctx) => power(ctx, 'reboot'),
  shutdown: (ctx) => power(ctx, ctx.argv.includes('-r') ? 'reboot' : 'off'),
};

// ---- helpers ----------------------------------------------------------------------------

function name(ctx: ProgramContext): string {
  return guestBasename(ctx.argv[0] ?? 'sh');
}

function fail(ctx: ProgramContext, message: string, code = 1): number {
  ctx.stderr(`${name(ctx)}: ${message}\n`);
  return code;
}

function usage(ctx: ProgramContext, args: string): number {
  return fail(ctx, `usage: ${name(ctx)} ${args}`);
}

function why(e: unknown): string {
  if (isVmgateError(e)) return e.message;
  throw e;
}

function path(ctx: ProgramContext, p: string): string {
  return resolveGuestPath(ctx.cwd, p);
}

/** Splits leading single-letter flags ('-la' → l, a) from operands; '--' ends them. */
function flags(args: readonly string[], withValue = ''): { set: Set<string>; values: Map<string, string>; rest: string[] } {
  const set = new Set<string>();
  const values = new Map<string, string>();
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i];
    if (a === '--') {
      i++;
      break;
    }
    if (!a.startsWith('-') || a === '-') break;
    for (let k = 1; k < a.length; k++) {
      const f = a[k];
      if (withValue.includes(f)) {
        const v = a.slice(k + 1) || args[++i] || '';
        values.set(f, v);
        break;
      }
      set.add(f);
    }
  }
  return { set, values, rest: args.slice(i) };
}

function stripSuffix(s: string, suffix: string | undefined): string {
  return suffix && s.endsWith(suffix) && s !== suffix ? s.slice(0, -suffix.length) : s;
}

function escapes(s: string): { text: string; stop: boolean } {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== '\\' || i + 1 >= s.length) {
      out += s[i];
      continue;
    }
    const c = s[++i];
    const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', a: '\x07', b: '\b', f: '\f', v: '\v', e: '\x1b' };
    if (c === 'c') return { text: out, stop: true };
    if (c in map) out += map[c];
    else if (c === '0') {
      const m = /^[0-7]{0,3}/.exec(s.slice(i + 1))![0];
      out += String.fromCharCode(Number.parseInt(m || '0', 8));
      i += m.length;
    } else out += '\\' + c;
  }
  return { text: out, stop: false };
}

/** The lines of some text; a trailing newline does not make an extra line. */
function lines(text: string): string[] {
  const all = text.split('\n');
  if (all[all.length - 1] === '') all.pop();
  return all;
}

/** Reads the named files (or stdin for none or '-'); reports unreadable ones. */
function inputs(ctx: ProgramContext, files: readonly string[]): { data: Buffer[]; ok: boolean } {
  const data: Buffer[] = [];
  let ok = true;
  for (const f of files.length === 0 ? ['-'] : files) {
    if (f === '-') {
      data.push(ctx.stdin.readAll());
      continue;
    }
    try {
      data.push(ctx.sys.fs.readAll(path(ctx, f), ctx.user));
    } catch (e) {
      ctx.stderr(`${name(ctx)}: can't open '${f}': ${why(e)}\n`);
      ok = false;
    }
  }
  return { data, ok };
}

// ---- programs ---------------------------------------------------------------------------

function echo(ctx: ProgramContext): number {
  let args = ctx.argv.slice(1);
  let newline = true;
  let interpret = false;
  while (args.length > 0 && /^-[neE]+$/.test(args[0])) {
    for (const f of args[0].slice(1)) {
      if (f === 'n') newline = false;
      else interpret = f === 'e';
    }
    args = args.slice(1);
  }
  let text = args.join(' ');
  if (interpret) {
    const r = escapes(text);
    text = r.text;
    if (r.stop) newline = false;
  }
  ctx.stdout(newline ? `${text}\n` : text);
  return 0;
}

function printf(ctx: ProgramContext): number {
  const format = ctx.argv[1];
  if (format === undefined) return usage(ctx, 'FORMAT [ARG]...');
  const args = ctx.argv.slice(2);
  let out = '';
  let used = 0;
  do {
    const start = used;
    out += format.replace(/%([-+ 0#]*[0-9]*(?:\.[0-9]+)?)([sdixXoc%b])/g, (_m, spec: string, conv: string) => {
      if (conv === '%') return '%';
      const arg = args[used++] ?? '';
      let s: string;
      if (conv === 's') s = arg;
      else if (conv === 'b') s = escapes(arg).text;
      else if (conv === 'c') s = arg.slice(0, 1);
      else {
        const n = Number.parseInt(arg || '0', 10) || 0;
        s = conv === 'x' ? n.toString(16) : conv === 'X' ? n.toString(16).toUpperCase() : conv === 'o' ? n.toString(8) : String(n);
      }
      const width = Number.parseInt(spec.replace(/[^0-9.]/g, '').split('.')[0] || '0', 10);
      return spec.includes('-') ? s.padEnd(width) : s.padStart(width, spec.startsWith('0') && conv !== 's' ? '0' : ' ');
    });
    if (used === start) break;
  } while (used < args.length);
  ctx.stdout(escapes(out).text);
  return 0;
}

function cat(ctx: ProgramContext): number {
  const { data, ok } = inputs(ctx, ctx.argv.slice(1).filter((a) => a !== '-u'));
  for (const d of data) ctx.stdout(d);
  return ok ? 0 : 1;
}

function modeString(f: GuestFileInfo): string {
  const t = f.type === 'directory' ? 'd' : f.type === 'symlink' ? 'l' : '-';
  const bits = 'rwxrwxrwx'.split('').map((c, i) => (f.mode & (1 << (8 - i)) ? c : '-'));
  if (f.mode & 0o1000) bits[8] = bits[8] === 'x' ? 't' : 'T';
  return t + bits.join('');
}

function longLine(f: GuestFileInfo, label: string): string {
  const d = new Date(f.modifiedAt);
  const month = d.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  const when = `${month} ${String(d.getUTCDate()).padStart(2)} ${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
  return `${modeString(f)}    1 ${f.owner.padEnd(8)} ${f.owner.padEnd(8)} ${String(f.size).padStart(9)} ${when} ${label}\n`;
}

function ls(ctx: ProgramContext): number {
  const { set, rest } = flags(ctx.argv.slice(1));
  const long = set.has('l');
  const all = set.has('a') || set.has('A');
  const targets = rest.length === 0 ? ['.'] : rest;
  let status = 0;
  const files: [string, GuestFileInfo][] = [];
  const dirs: [string, GuestFileInfo[]][] = [];
  for (const t of targets) {
    try {
      const st = ctx.sys.fs.stat(path(ctx, t), ctx.user);
      if (st.type === 'directory' && !set.has('d')) dirs.push([t, ctx.sys.fs.list(path(ctx, t), ctx.user)]);
      else files.push([t, st]);
    } catch (e) {
      ctx.stderr(`ls: ${t}: ${why(e)}\n`);
      status = 2;
    }
  }
  for (const [label, f] of files) ctx.stdout(long ? longLine(f, label) : `${label}\n`);
  dirs.forEach(([label, entries], n) => {
    if (targets.length > 1) ctx.stdout(`${n > 0 || files.length > 0 ? '\n' : ''}${label}:\n`);
    for (const f of entries) {
      if (!all && f.name.startsWith('.')) continue;
      ctx.stdout(long ? longLine(f, f.name) : `${f.name}\n`);
    }
  });
  return status;
}

/** Seconds with an optional suffix s/m/h/d, summed: `sleep 1m 30` is 90 s. */
export function parseSleepSeconds(args: readonly string[]): number | null {
  let total = 0;
  for (const a of args) {
    const m = /^([0-9]*\.?[0-9]+)([smhd]?)$/.exec(a);
    if (!m) return null;
    total += Number(m[1]) * ({ '': 1, s: 1, m: 60, h: 3600, d: 86400 } as Record<string, number>)[m[2]];
  }
  return total;
}

async function sleep(ctx: ProgramContext): Promise<number> {
  const left = ctx.resume?.sleepRemainingMs;
  if (typeof left === 'number') {
    await ctx.sleep(left);
    return 0;
  }
  if (ctx.argv.length < 2) return usage(ctx, 'N[smhd]...');
  const seconds = parseSleepSeconds(ctx.argv.slice(1));
  if (seconds === null) return fail(ctx, `invalid number '${ctx.argv.slice(1).join(' ')}'`);
  await ctx.sleep(seconds * 1000);
  return 0;
}

async function env(ctx: ProgramContext): Promise<number> {
  const args = ctx.argv.slice(1);
  let vars: Record<string, string> = { ...ctx.env };
  let i = 0;
  if (args[0] === '-i' || args[0] === '-') {
    vars = {};
    i++;
  }
  for (; i < args.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(args[i]); i++) {
    const eq = args[i].indexOf('=');
    vars[args[i].slice(0, eq)] = args[i].slice(eq + 1);
  }
  if (i >= args.length) {
    for (const [k, v] of Object.entries(vars)) ctx.stdout(`${k}=${v}\n`);
    return 0;
  }
  try {
    return await ctx.exec(args.slice(i), { env: vars, cwd: ctx.cwd, io: ctx });
  } catch (e) {
    if (ctx.signal.aborted || !isVmgateError(e)) throw e;
    ctx.stderr(`env: can't execute '${args[i]}': ${e.message}\n`);
    return e.kind === 'not_found' ? 127 : 126;
  }
}

function mkdir(ctx: ProgramContext): number {
  const { set, values, rest } = flags(ctx.argv.slice(1), 'm');
  if (rest.length === 0) return usage(ctx, '[-p] [-m MODE] DIRECTORY...');
  const mode = values.has('m') ? Number.parseInt(values.get('m')!, 8) : undefined;
  let status = 0;
  for (const d of rest) {
    try {
      ctx.sys.fs.mkdir(path(ctx, d), ctx.user, mode === undefined ? { parents: set.has('p') } : { parents: set.has('p'), mode });
    } catch (e) {
      ctx.stderr(`mkdir: can't create directory '${d}': ${why(e)}\n`);
      status = 1;
    }
  }
  return status;
}

function rm(ctx: ProgramContext): number {
  const { set, rest } = flags(ctx.argv.slice(1));
  const recursive = set.has('r') || set.has('R');
  const force = set.has('f');
  if (rest.length === 0 && !force) return usage(ctx, '[-rf] FILE...');
  let status = 0;
  for (const f of rest) {
    const p = path(ctx, f);
    try {
      if (ctx.sys.fs.isDirectory(p, ctx.user)) {
        if (!recursive) {
          ctx.stderr(`rm: '${f}' is a directory\n`);
          status = 1;
          continue;
        }
        ctx.sys.fs.rmdir(p, ctx.user, true);
      } else {
        ctx.sys.fs.unlink(p, ctx.user);
      }
    } catch (e) {
      if (force && isVmgateError(e) && e.kind === 'not_found') continue;
      ctx.stderr(`rm: can't remove '${f}': ${why(e)}\n`);
      status = 1;
    }
  }
  return status;
}

function rmdir(ctx: ProgramContext): number {
  const { rest } = flags(ctx.argv.slice(1));
  if (rest.length === 0) return usage(ctx, 'DIRECTORY...');
  let status = 0;
  for (const d of rest) {
    try {
      ctx.sys.fs.rmdir(path(ctx, d), ctx.user, false);
    } catch (e) {
      ctx.stderr(`rmdir: '${d}': ${why(e)}\n`);
      status = 1;
    }
  }
  return status;
}

function touch(ctx: ProgramContext): number {
  const { rest } = flags(ctx.argv.slice(1));
  if (rest.length === 0) return usage(ctx, 'FILE...');
  let status = 0;
  for (const f of rest) {
    try {
      ctx.sys.fs.touch(path(ctx, f), ctx.user);
    } catch (e) {
      ctx.stderr(`touch: ${f}: ${why(e)}\n`);
      status = 1;
    }
  }
  return status;
}

function copyTree(ctx: ProgramContext, from: string, to: string): void {
  const fs = ctx.sys.fs;
  const st = fs.stat(from, ctx.user);
  if (st.type !== 'directory') {
    fs.write(to, ctx.user, fs.readAll(from, ctx.user), { offset: 0, truncate: true, overwrite: true, mode: st.mode });
    return;
  }
  if (!fs.isDirectory(to, ctx.user)) fs.mkdir(to, ctx.user, { parents: false, mode: st.mode });
  for (const e of fs.list(from, ctx.user)) copyTree(ctx, e.path, resolveGuestPath(to, e.name));
}

/** Where `cp`/`mv` put a source: into DEST when it is a directory, else at DEST. */
function destination(ctx: ProgramContext, src: string, dest: string, many: boolean): string {
  const d = path(ctx, dest);
  if (ctx.sys.fs.isDirectory(d, ctx.user)) return resolveGuestPath(d, guestBasename(src));
  if (many) throw new Error(`'${dest}' is not a directory`);
  return d;
}

function cp(ctx: ProgramContext): number {
  const { set, rest } = flags(ctx.argv.slice(1));
  if (rest.length < 2) return usage(ctx, '[-r] SOURCE... DEST');
  const dest = rest[rest.length - 1];
  let status = 0;
  for (const s of rest.slice(0, -1)) {
    try {
      const from = path(ctx, s);
      const to = destination(ctx, s, dest, rest.length > 2);
      if (ctx.sys.fs.isDirectory(from, ctx.user) && !(set.has('r') || set.has('R') || set.has('a'))) {
        ctx.stderr(`cp: omitting directory '${s}'\n`);
        status = 1;
        continue;
      }
      copyTree(ctx, from, to);
    } catch (e) {
      ctx.stderr(`cp: ${s}: ${e instanceof Error ? e.message : String(e)}\n`);
      status = 1;
    }
  }
  return status;
}

function mv(ctx: ProgramContext): number {
  const { rest } = flags(ctx.argv.slice(1));
  if (rest.length < 2) return usage(ctx, 'SOURCE... DEST');
  const dest = rest[rest.length - 1];
  let status = 0;
  for (const s of rest.slice(0, -1)) {
    try {
      ctx.sys.fs.rename(path(ctx, s), destination(ctx, s, dest, rest.length > 2), ctx.user, true);
    } catch (e) {
      ctx.stderr(`mv: ${s}: ${e instanceof Error ? e.message : String(e)}\n`);
      status = 1;
    }
  }
  return status;
}

function chmod(ctx: ProgramContext): number {
  const [mode, ...files] = ctx.argv.slice(1);
  if (mode === undefined || files.length === 0) return usage(ctx, 'MODE FILE...');
  let status = 0;
  for (const f of files) {
    try {
      const p = path(ctx, f);
      const cur = ctx.sys.fs.stat(p, ctx.user).mode;
      ctx.sys.fs.chmod(p, ctx.user, symbolicMode(mode, cur));
    } catch (e) {
      ctx.stderr(`chmod: ${f}: ${e instanceof Error ? e.message : String(e)}\n`);
      status = 1;
    }
  }
  return status;
}

/** An octal mode, or a simple symbolic one: [ugoa]*[+-=][rwx]*. */
function symbolicMode(spec: string, current: number): number {
  if (/^[0-7]{1,4}$/.test(spec)) return Number.parseInt(spec, 8);
  let mode = current;
  for (const clause of spec.split(',')) {
    const m = /^([ugoa]*)([+=-])([rwxt]*)$/.exec(clause);
    if (!m) throw new Error(`invalid mode '${spec}'`);
    const who = m[1] === '' || m[1].includes('a') ? 'ugo' : m[1];
    let bits = 0;
    for (const w of who) {
      const shift = w === 'u' ? 6 : w === 'g' ? 3 : 0;
      for (const p of m[3]) if (p !== 't') bits |= ({ r: 4, w: 2, x: 1 } as Record<string, number>)[p] << shift;
    }
    if (m[3].includes('t')) bits |= 0o1000;
    if (m[2] === '+') mode |= bits;
    else if (m[2] === '-') mode &= ~bits;
    else {
      let clear = 0;
      for (const w of who) clear |= 7 << (w === 'u' ? 6 : w === 'g' ? 3 : 0);
      mode = (mode & ~clear) | bits;
    }
  }
  return mode;
}

function id(ctx: ProgramContext): number {
  const { set, rest } = flags(ctx.argv.slice(1));
  let who = ctx.user;
  if (rest[0] !== undefined) {
    const found = ctx.sys.accounts().find((a) => a.username === rest[0]);
    if (!found) return fail(ctx, `unknown user ${rest[0]}`);
    who = found;
  }
  if (set.has('u') || set.has('g')) ctx.stdout(set.has('n') ? `${who.username}\n` : `${who.uid}\n`);
  else ctx.stdout(`uid=${who.uid}(${who.username}) gid=${who.uid}(${who.username}) groups=${who.uid}(${who.username})\n`);
  return 0;
}

function uname(ctx: ProgramContext): number {
  const { set } = flags(ctx.argv.slice(1));
  const parts: [string, string][] = [
    ['s', 'Linux'],
    ['n', ctx.sys.hostname()],
    ['r', '6.1.0-vmgate-sim'],
    ['v', '#1 SMP vmgate simulator'],
    ['m', 'x86_64'],
    ['o', 'GNU/Linux'],
  ];
  const chosen = set.has('a') ? parts : parts.filter(([f]) => set.has(f));
  ctx.stdout(`${(chosen.length === 0 ? [parts[0]] : chosen).map(([, v]) => v).join(' ')}\n`);
  return 0;
}

function date(ctx: ProgramContext): number {
  const now = new Date();
  const fmt = ctx.argv.slice(1).find((a) => a.startsWith('+'));
  if (fmt) {
    const p2 = (n: number): string => String(n).padStart(2, '0');
    const map: Record<string, string> = {
      s: String(Math.floor(now.getTime() / 1000)),
      Y: String(now.getUTCFullYear()),
      m: p2(now.getUTCMonth() + 1),
      d: p2(now.getUTCDate()),
      H: p2(now.getUTCHours()),
      M: p2(now.getUTCMinutes()),
      S: p2(now.getUTCSeconds()),
      '%': '%',
    };
    ctx.stdout(`${fmt.slice(1).replace(/%(.)/g, (m, c: string) => map[c] ?? m)}\n`);
    return 0;
  }
  const [wd, day, mon, year, time] = now.toUTCString().replace(',', '').split(' ');
  ctx.stdout(`${wd} ${mon} ${String(Number(day)).padStart(2)} ${time} UTC ${year}\n`);
  return 0;
}

function head(ctx: ProgramContext): number {
  const { values, rest } = flags(ctx.argv.slice(1), 'n');
  const n = Number.parseInt(values.get('n') ?? '10', 10);
  const { data, ok } = inputs(ctx, rest);
  for (const d of data) for (const l of lines(d.toString('utf8')).slice(0, n)) ctx.stdout(`${l}\n`);
  return ok ? 0 : 1;
}

function tail(ctx: ProgramContext): number {
  const { values, rest } = flags(ctx.argv.slice(1), 'n');
  const n = Number.parseInt(values.get('n') ?? '10', 10);
  const { data, ok } = inputs(ctx, rest);
  for (const d of data) for (const l of lines(d.toString('utf8')).slice(-n)) ctx.stdout(`${l}\n`);
  return ok ? 0 : 1;
}

function wc(ctx: ProgramContext): number {
  const { set, rest } = flags(ctx.argv.slice(1));
  const { data, ok } = inputs(ctx, rest);
  const which = set.size === 0 ? ['l', 'w', 'c'] : ['l', 'w', 'c'].filter((f) => set.has(f));
  data.forEach((d, n) => {
    const text = d.toString('utf8');
    const counts: Record<string, number> = { l: (text.match(/\n/g) ?? []).length, w: text.split(/\s+/).filter(Boolean).length, c: d.length };
    const cols = which.map((f) => (which.length === 1 ? String(counts[f]) : String(counts[f]).padStart(7)));
    ctx.stdout(`${cols.join(' ')}${rest[n] !== undefined && rest[n] !== '-' ? ` ${rest[n]}` : ''}\n`);
  });
  return ok ? 0 : 1;
}

function grep(ctx: ProgramContext): number {
  const { set, values, rest } = flags(ctx.argv.slice(1), 'e');
  const pattern = values.get('e') ?? rest.shift();
  if (pattern === undefined) return usage(ctx, '[-civnqFE] PATTERN [FILE]...');
  let re: RegExp;
  try {
    const src = set.has('F') ? pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : pattern;
    re = new RegExp(src, set.has('i') ? 'i' : '');
  } catch {
    return fail(ctx, `bad regex '${pattern}'`, 2);
  }
  const { data, ok } = inputs(ctx, rest);
  let matched = 0;
  data.forEach((d, n) => {
    lines(d.toString('utf8')).forEach((l, i) => {
      if (re.test(l) === set.has('v')) return;
      matched++;
      if (set.has('q') || set.has('c')) return;
      const prefix = (rest.length > 1 ? `${rest[n]}:` : '') + (set.has('n') ? `${i + 1}:` : '');
      ctx.stdout(`${prefix}${l}\n`);
    });
  });
  if (set.has('c') && !set.has('q')) ctx.stdout(`${matched}\n`);
  return !ok ? 2 : matched > 0 ? 0 : 1;
}

function sort(ctx: ProgramContext): number {
  const { set, rest } = flags(ctx.argv.slice(1));
  const { data, ok } = inputs(ctx, rest);
  let all = data.flatMap((d) => lines(d.toString('utf8')));
  all = set.has('n') ? all.sort((a, b) => Number.parseFloat(a) - Number.parseFloat(b)) : all.sort();
  if (set.has('r')) all.reverse();
  if (set.has('u')) all = all.filter((l, i) => i === 0 || l !== all[i - 1]);
  for (const l of all) ctx.stdout(`${l}\n`);
  return ok ? 0 : 1;
}

function tee(ctx: ProgramContext): number {
  const { set, rest } = flags(ctx.argv.slice(1));
  const input = ctx.stdin.readAll();
  let status = 0;
  for (const f of rest) {
    try {
      if (set.has('a')) ctx.sys.fs.append(path(ctx, f), ctx.user, input);
      else ctx.sys.fs.write(path(ctx, f), ctx.user, input, { offset: 0, truncate: true, overwrite: true });
    } catch (e) {
      ctx.stderr(`tee: ${f}: ${why(e)}\n`);
      status = 1;
    }
  }
  ctx.stdout(input);
  return status;
}

function seq(ctx: ProgramContext): number {
  const nums = ctx.argv.slice(1).map(Number);
  if (nums.length === 0 || nums.length > 3 || nums.some((n) => !Number.isFinite(n))) return usage(ctx, '[FIRST [INC]] LAST');
  const [first, inc, last] = nums.length === 1 ? [1, 1, nums[0]] : nums.length === 2 ? [nums[0], 1, nums[1]] : nums;
  if (inc === 0) return fail(ctx, 'increment must not be 0');
  for (let n = first, k = 0; inc > 0 ? n <= last : n >= last; n = first + ++k * inc) {
    if (k > 1_000_000) break;
    ctx.stdout(`${n}\n`);
  }
  return 0;
}

/** `test` / `[`: file tests, string and integer comparisons, `!`, `-a`, `-o`. */
function test(ctx: ProgramContext, args: readonly string[]): number {
  const fs = ctx.sys.fs;
  const stat = (p: string): GuestFileInfo | null => {
    try {
      return fs.stat(path(ctx, p), ctx.user);
    } catch {
      return null;
    }
  };
  const int = (s: string): number => {
    if (!/^\s*-?[0-9]+\s*$/.test(s)) throw new Error(`${s}: bad number`);
    return Number.parseInt(s, 10);
  };
  const primary = (a: readonly string[]): boolean => {
    if (a.length === 0) return false;
    if (a[0] === '!') return !primary(a.slice(1));
    if (a.length === 1) return a[0] !== '';
    if (a.length === 2) {
      const [op, v] = a;
      const st = stat(v);
      switch (op) {
        case '-n':
          return v !== '';
        case '-z':
          return v === '';
        case '-e':
          return st !== null;
        case '-f':
          return st?.type === 'file';
        case '-d':
          return st?.type === 'directory';
        case '-s':
          return st !== null && st.size > 0 && st.type === 'file';
        case '-r':
        case '-w':
        case '-x':
          return st !== null;
        default:
          throw new Error(`${op}: unknown operand`);
      }
    }
    if (a.length === 3) {
      const [l, op, r] = a;
      switch (op) {
        case '=':
        case '==':
          return l === r;
        case '!=':
          return l !== r;
        case '-eq':
          return int(l) === int(r);
        case '-ne':
          return int(l) !== int(r);
        case '-lt':
          return int(l) < int(r);
        case '-le':
          return int(l) <= int(r);
        case '-gt':
          return int(l) > int(r);
        case '-ge':
          return int(l) >= int(r);
        default:
          throw new Error(`${op}: unknown operand`);
      }
    }
    throw new Error('too many arguments');
  };
  const expr = (a: readonly string[]): boolean => {
    const o = a.indexOf('-o');
    if (o > 0) return expr(a.slice(0, o)) || expr(a.slice(o + 1));
    const n = a.indexOf('-a');
    if (n > 0) return expr(a.slice(0, n)) && expr(a.slice(n + 1));
    return primary(a);
  };
  try {
    return expr(args) ? 0 : 1;
  } catch (e) {
    return fail(ctx, (e as Error).message, 2);
  }
}

function ps(ctx: ProgramContext): number {
  ctx.stdout('  PID USER     COMMAND\n');
  for (const p of ctx.sys.processes()) if (p.exitCode === null) ctx.stdout(`${String(p.pid).padStart(5)} ${p.owner.padEnd(8)} ${p.commandLine}\n`);
  return 0;
}

const SIGNALS: Readonly<Record<string, number>> = { HUP: 1, INT: 2, QUIT: 3, KILL: 9, USR1: 10, USR2: 12, TERM: 15 };

function kill(ctx: ProgramContext): number {
  let args = ctx.argv.slice(1);
  let signal = 15;
  if (args[0] === '-s' && args[1] !== undefined) {
    signal = SIGNALS[args[1].replace(/^SIG/, '')] ?? Number(args[1]);
    args = args.slice(2);
  } else if (args[0]?.startsWith('-') && args[0] !== '-l') {
    const s = args[0].slice(1).replace(/^SIG/, '');
    signal = SIGNALS[s] ?? Number(s);
    args = args.slice(1);
  }
  if (!Number.isInteger(signal) || signal <= 0 || signal > 64) return fail(ctx, 'bad signal name');
  if (args.length === 0) return usage(ctx, '[-SIGNAL] PID...');
  let status = 0;
  for (const a of args) {
    try {
      ctx.sys.kill(ctx.user, Number.parseInt(a, 10), signal);
    } catch (e) {
      ctx.stderr(`kill: can't kill pid ${a}: ${why(e)}\n`);
      status = 1;
    }
  }
  return status;
}

async function sh(ctx: ProgramContext): Promise<number> {
  let args = ctx.argv.slice(1);
  while (args[0] !== undefined && /^-[eux]+$/.test(args[0])) args = args.slice(1);
  let source: string;
  let positional: string[];
  if (args[0] === '-c') {
    if (args[1] === undefined) return fail(ctx, '-c requires an argument', 2);
    source = args[1];
    positional = [args[2] ?? ctx.argv[0], ...args.slice(3)];
  } else if (args[0] !== undefined) {
    try {
      source = ctx.sys.fs.readAll(path(ctx, args[0]), ctx.user).toString('utf8');
    } catch (e) {
      return fail(ctx, `can't open '${args[0]}': ${why(e)}`, 127);
    }
    positional = args;
  } else {
    source = ctx.stdin.readAll().toString('utf8');
    positional = [ctx.argv[0]];
  }
  let script;
  try {
    script = parseShell(source);
  } catch (e) {
    if (e instanceof ShellSyntaxError) return fail(ctx, e.message, 2);
    throw e;
  }
  return runShell(script, ctx, { positional });
}

function power(ctx: ProgramContext, what: 'off' | 'reboot'): number {
  if (ctx.user.uid !== 0) return fail(ctx, 'Operation not permitted (you must be root)');
  if (what === 'off') ctx.sys.powerOff();
  else ctx.sys.reboot();
  return 0;
}

/**
 * Guest operations of the QEMU driver, through the guest agent.
 *
 * The user model: qemu-ga runs as root and `guest-exec` has no user parameter, so the
 * driver checks the password itself (AUTH_SCRIPT compares crypt(password, salt) with
 * /etc/shadow inside the guest) and runs everything a user asks for through `su` as that
 * user: programs, stat/ls/mkdir/rm/mv/mktemp, kill. File contents move with
 * guest-file-open/read/write (as root) after a permission check run as the user, which
 * also creates new files so that they belong to the user. A verified login is remembered
 * for 5 minutes per user and password; a permission check for 30 s per file.
 */
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { VmgateError } from '../../core/errors.ts';
import type { ErrorReason } from '../../core/errors.ts';
import type {
  DriverVm,
  GuestCredentials,
  GuestFileInfo,
  GuestOps,
  GuestProcessInfo,
  GuestProcessResult,
  GuestProgramSpec,
  OpContext,
} from '../../core/ports/driver.ts';
import { agentErrorDesc } from './guest-agent-client.ts';
import type { GuestAgentClient, GuestExecStatus } from './guest-agent-client.ts';
import {
  ACCESS_SCRIPT,
  AUTH_SCRIPT,
  ENV_SCRIPT,
  KILL_SCRIPT,
  LIST_SCRIPT,
  MKDIR_SCRIPT,
  MKTEMP_SCRIPT,
  MV_SCRIPT,
  PROGRAM_CHECK_SCRIPT,
  PS_SCRIPT,
  RM_SCRIPT,
  RMDIR_SCRIPT,
  RUN_SCRIPT,
  SCRIPT_EXIT,
  STAT_SCRIPT,
} from './guest-scripts.ts';
import { qemuError } from './qemu-error.ts';
import type { QemuGuestState, TrackedProcess } from './qemu-guest-state.ts';

/** What the guest operations need from the driver. */
export interface QemuGuestHost {
  /** The agent and caches of a running VM; throws (vm_not_running) when it does not run. */
  session(vm: DriverVm): Promise<{ agent: GuestAgentClient; state: QemuGuestState }>;
}

export interface QemuGuestOpsOptions {
  /** Largest guest-file-read / guest-file-write payload. Default 1 MiB. */
  readonly fileChunkBytes?: number;
  /** How long a helper command may run. Default 60 s. */
  readonly commandTimeoutMs?: number;
}

interface CommandResult {
  readonly exitCode: number;
  readonly stdout: Buffer;
  readonly stderr: Buffer;
}

const USER_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*\$?$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function createQemuGuestOps(host: QemuGuestHost, opts: QemuGuestOpsOptions = {}): GuestOps {
  const chunk = opts.fileChunkBytes ?? 1024 * 1024;
  const commandTimeoutMs = opts.commandTimeoutMs ?? 60_000;

  /** The agent of a running VM, with tools failures turned into tools_not_running. */
  async function session(vm: DriverVm): Promise<{ agent: GuestAgentClient; state: QemuGuestState }> {
    return host.session(vm);
  }

  async function guard<T>(vm: DriverVm, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof VmgateError && e.reason === 'tools_not_running') {
        throw qemuError('not_allowed_in_current_state', `the guest agent of ${vm.id} (${vm.name}) is not answering`, { reason: 'tools_not_running', cause: e });
      }
      throw e;
    }
  }

  /**
   * Starts `argv` as `user` through su, which gives it the user's HOME, SHELL, USER and
   * LOGNAME; `direct` runs it as qemu-ga's own root process (the driver's helpers). Returns
   * the guest pid.
   */
  async function spawnAs(agent: GuestAgentClient, user: string, argv: readonly string[], o: { cwd?: string; env?: Readonly<Record<string, string>>; input?: Buffer; capture: boolean; direct?: boolean }): Promise<number> {
    const exports = Object.entries(o.env ?? {}).map(([k, v]) => {
      if (!ENV_NAME.test(k)) throw qemuError('invalid_argument', `'${k}' is not a valid environment variable name`);
      return `${k}=${v}`;
    });
    const inner = ['-c', RUN_SCRIPT, 'vmgate-run', o.cwd ?? '', String(exports.length), ...exports, ...argv];
    const req =
      o.direct && user === 'root'
        ? { path: '/bin/sh', args: inner }
        : // `--` ends su's options: the program's own arguments may start with '-'.
          { path: 'su', args: ['-s', '/bin/sh', '-c', RUN_SCRIPT, '--', user, ...inner.slice(2)] };
    return agent.exec({ ...req, input: o.input, captureOutput: o.capture });
  }

  async function waitExec(agent: GuestAgentClient, pid: number, o: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<GuestExecStatus> {
    const deadline = o.timeoutMs === undefined ? Infinity : Date.now() + o.timeoutMs;
    let interval = 10;
    for (;;) {
      const st = await agent.execStatus(pid);
      if (st.exited) return st;
      if (o.signal?.aborted) throw qemuError('cancelled', `waiting for guest process ${pid} was cancelled`);
      if (Date.now() > deadline) throw qemuError('timed_out', `guest process ${pid} did not finish within ${o.timeoutMs} ms`);
      await sleep(interval);
      interval = Math.min(interval * 2, 250);
    }
  }

  /** Runs a helper script as `user` and waits for it. */
  async function run(agent: GuestAgentClient, user: string, script: string, args: readonly string[], o: { input?: Buffer; name?: string; direct?: boolean } = {}): Promise<CommandResult> {
    const pid = await spawnAs(agent, user, ['/bin/sh', '-c', script, o.name ?? 'vmgate', ...args], { input: o.input, capture: true, direct: o.direct ?? true });
    const st = await waitExec(agent, pid, { timeoutMs: commandTimeoutMs });
    return { exitCode: exitCodeOf(st), stdout: st.stdout, stderr: st.stderr };
  }

  async function authenticate(vm: DriverVm, creds: GuestCredentials): Promise<{ agent: GuestAgentClient; state: QemuGuestState }> {
    const s = await session(vm);
    const key = `${creds.username}\0${createHash('sha256').update(creds.password).digest('hex')}`;
    if (s.state.isLoggedIn(key)) return s;
    const fail = (): VmgateError =>
      qemuError('unauthenticated', `guest login of user '${creds.username}' in ${vm.id} (${vm.name}) failed: wrong user name or password`, { reason: 'guest_auth_failed' });
    if (!USER_NAME.test(creds.username) || creds.password.includes('\n')) throw fail();
    const r = await guard(vm, () => run(s.agent, 'root', AUTH_SCRIPT, [creds.username], { input: Buffer.from(`${creds.password}\n`) }));
    if (r.exitCode === SCRIPT_EXIT.ok) {
      s.state.rememberLogin(key);
      return s;
    }
    if (r.exitCode === SCRIPT_EXIT.cannotVerify) {
      throw qemuError('unsupported', `cannot check guest passwords in ${vm.id} (${vm.name}): it has neither perl, busybox mkpasswd nor python3 crypt for this hash`);
    }
    throw fail();
  }

  /** Runs a helper as the logged-in user and maps its exit code. */
  async function runChecked(vm: DriverVm, creds: GuestCredentials, what: { verb: string; path: string; wrongType?: ErrorReason }, script: string, args: readonly string[]): Promise<CommandResult> {
    const { agent } = await authenticate(vm, creds);
    const r = await guard(vm, () => run(agent, creds.username, script, args));
    if (r.exitCode !== SCRIPT_EXIT.ok) throw scriptError(vm, creds, what, r);
    return r;
  }

  function scriptError(vm: DriverVm, creds: GuestCredentials, what: { verb: string; path: string; wrongType?: ErrorReason }, r: CommandResult): VmgateError {
    const p = what.path;
    switch (r.exitCode) {
      case SCRIPT_EXIT.notFound:
        return qemuError('not_found', `'${p}': no such file or directory in ${vm.name}`, { reason: 'file_not_found' });
      case SCRIPT_EXIT.wrongType:
        return what.wrongType === 'not_a_directory'
          ? qemuError('invalid_argument', `'${p}': not a directory`, { reason: 'not_a_directory' })
          : qemuError('invalid_argument', `'${p}': is a directory, not a file`, { reason: 'not_a_file' });
      case SCRIPT_EXIT.exists:
        return qemuError('already_exists', `'${p}': file exists`, { reason: 'file_exists' });
      case SCRIPT_EXIT.denied:
        return qemuError('unauthorized', `permission denied: user '${creds.username}' may not ${what.verb} '${p}'`);
      case SCRIPT_EXIT.notEmpty:
        return qemuError('invalid_argument', `'${p}': directory not empty`);
      default:
        return qemuError('internal', `could not ${what.verb} '${p}' in ${vm.name} (exit ${r.exitCode}): ${r.stderr.toString().trim()}`);
    }
  }

  /** Permission check (and creation, for writes) as the user; remembered for a while. */
  async function checkAccess(vm: DriverVm, creds: GuestCredentials, state: QemuGuestState, path: string, mode: 'r' | 'w', overwrite: boolean): Promise<void> {
    const key = `${creds.username}\0${mode}\0${path}`;
    if (overwrite && state.hasAccess(key)) return;
    await runChecked(vm, creds, { verb: mode === 'r' ? 'read' : 'write', path }, ACCESS_SCRIPT, [path, mode, overwrite ? '1' : '0']);
    state.rememberAccess(key);
  }

  function fileError(vm: DriverVm, creds: GuestCredentials, path: string, verb: string, e: unknown): unknown {
    const desc = agentErrorDesc(e);
    if (desc === undefined) return e;
    if (/No such file/i.test(desc)) return qemuError('not_found', `'${path}': no such file or directory in ${vm.name}`, { reason: 'file_not_found', cause: e });
    if (/Is a directory/i.test(desc)) return qemuError('invalid_argument', `'${path}': is a directory, not a file`, { reason: 'not_a_file', cause: e });
    if (/Not a directory/i.test(desc)) return qemuError('not_found', `'${path}': a parent is not a directory`, { reason: 'file_not_found', cause: e });
    if (/Permission denied|Operation not permitted/i.test(desc)) return qemuError('unauthorized', `permission denied: user '${creds.username}' may not ${verb} '${path}'`, { cause: e });
    return e;
  }

  function parseStat(line: string, dir: string | null): GuestFileInfo {
    const [type, size, mtime, mode, owner, ...rest] = line.split('\t');
    const name = rest.join('\t');
    const path = dir === null ? name : posix.join(dir, name);
    return {
      name: posix.basename(path) || path,
      path,
      type: /directory/.test(type) ? 'directory' : /symbolic link/.test(type) ? 'symlink' : 'file',
      size: Number(size) || 0,
      modifiedAt: new Date((Number(mtime) || 0) * 1000).toISOString(),
      mode: Number.parseInt(mode, 8) || 0,
      owner: owner ?? '',
    };
  }

  /** Polls a started program to its end once, however many wait for it; keeps the result. */
  function awaitProcess(agent: GuestAgentClient, t: TrackedProcess): Promise<GuestProcessResult> {
    t.waiting ??= (async () => {
      const st = await waitExec(agent, t.info.pid);
      const result: GuestProcessResult = {
        pid: t.info.pid,
        exitCode: exitCodeOf(st),
        stdout: st.stdout,
        stderr: st.stderr,
        startedAt: t.info.startedAt,
        finishedAt: new Date().toISOString(),
      };
      t.result = result;
      return result;
    })().finally(() => {
      t.waiting = null;
    });
    return t.waiting;
  }

  async function killAsRoot(agent: GuestAgentClient, pid: number): Promise<void> {
    await run(agent, 'root', KILL_SCRIPT, [String(pid)]).catch(() => undefined);
  }

  const ops: GuestOps = {
    async authenticate(vm, creds) {
      await authenticate(vm, creds);
    },

    async startProgram(vm, creds, spec: GuestProgramSpec) {
      const { agent, state } = await authenticate(vm, creds);
      // A missing program is an error now, not exit code 127 later.
      await runChecked(vm, creds, { verb: 'run', path: spec.path }, PROGRAM_CHECK_SCRIPT, [spec.path]);
      const startedAt = new Date().toISOString();
      const pid = await guard(vm, () => spawnAs(agent, creds.username, [spec.path, ...spec.args], { cwd: spec.cwd, env: spec.env, input: spec.stdin, capture: spec.captureOutput }));
      state.track({
        pid,
        name: posix.basename(spec.path),
        owner: creds.username,
        commandLine: [spec.path, ...spec.args].join(' '),
        startedAt,
        exitCode: null,
        finishedAt: null,
      });
      return pid;
    },

    async waitProgram(vm, creds, pid, ctx?: OpContext) {
      const { agent, state } = await authenticate(vm, creds);
      let t = state.processes.get(pid);
      if (!t) {
        // Started before a control-plane restart: qemu-ga still knows it until it is reaped.
        const st = await agent.execStatus(pid).catch(() => null);
        if (!st) throw qemuError('not_found', `there is no process ${pid} started through vmgate in ${vm.name}`, { reason: 'no_such_process' });
        const now = new Date().toISOString();
        t = state.track({ pid, name: '', owner: creds.username, commandLine: '', startedAt: now, exitCode: null, finishedAt: null });
        if (st.exited) t.result = { pid, exitCode: exitCodeOf(st), stdout: st.stdout, stderr: st.stderr, startedAt: now, finishedAt: now };
      }
      if (t.result) return t.result;
      const tracked = t;
      const waiting = guard(vm, () => awaitProcess(agent, tracked));
      const signal = ctx?.signal;
      if (!signal) return waiting;
      if (signal.aborted) {
        await killAsRoot(agent, pid);
        throw qemuError('cancelled', `waiting for process ${pid} in ${vm.name} was cancelled; the process was killed`);
      }
      return new Promise<GuestProcessResult>((resolve, reject) => {
        const onAbort = (): void => {
          reject(qemuError('cancelled', `waiting for process ${pid} in ${vm.name} was cancelled; the process is killed`));
          void killAsRoot(agent, pid);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        waiting.then(
          (r) => {
            signal.removeEventListener('abort', onAbort);
            resolve(r);
          },
          (e: unknown) => {
            signal.removeEventListener('abort', onAbort);
            reject(e);
          },
        );
      });
    },

    async listProcesses(vm, creds, pids) {
      const { agent, state } = await authenticate(vm, creds);
      const r = await guard(vm, () => run(agent, 'root', PS_SCRIPT, [], { name: 'vmgate-ps' }));
      const seen = new Map<number, GuestProcessInfo>();
      for (const line of r.stdout.toString().split('\n')) {
        if (!line) continue;
        const [pid, owner, start, name, ...cmd] = line.split('\t');
        const n = Number(pid);
        if (!Number.isSafeInteger(n)) continue;
        const tracked = state.processes.get(n);
        seen.set(n, {
          pid: n,
          name,
          owner,
          commandLine: cmd.join('\t'),
          startedAt: tracked?.info.startedAt ?? new Date(Number(start) * 1000).toISOString(),
          exitCode: null,
          finishedAt: null,
        });
      }
      // Programs vmgate started that have ended: their exit codes, as VIX lists them.
      for (const t of state.processes.values()) {
        const live = seen.get(t.info.pid);
        if (live && !t.result) continue;
        if (!t.result) {
          const st = await agent.execStatus(t.info.pid).catch(() => null);
          if (st?.exited) {
            t.result = { pid: t.info.pid, exitCode: exitCodeOf(st), stdout: st.stdout, stderr: st.stderr, startedAt: t.info.startedAt, finishedAt: new Date().toISOString() };
          } else if (st === null) {
            continue; // the agent no longer knows it (another waiter took the result)
          }
        }
        if (t.result) seen.set(t.info.pid, { ...t.info, exitCode: t.result.exitCode, finishedAt: t.result.finishedAt });
      }
      const all = [...seen.values()].sort((a, b) => a.pid - b.pid);
      return pids && pids.length > 0 ? all.filter((p) => pids.includes(p.pid)) : all;
    },

    async killProcess(vm, creds, pid) {
      const { state } = await authenticate(vm, creds);
      const t = state.processes.get(pid);
      if (t?.result) throw qemuError('not_found', `process ${pid} in ${vm.name} has already exited`, { reason: 'no_such_process' });
      const { agent } = await session(vm);
      const r = await guard(vm, () => run(agent, creds.username, KILL_SCRIPT, [String(pid)]));
      if (r.exitCode === SCRIPT_EXIT.notFound) throw qemuError('not_found', `there is no process ${pid} in ${vm.name}`, { reason: 'no_such_process' });
      if (r.exitCode === SCRIPT_EXIT.denied) throw qemuError('unauthorized', `permission denied: user '${creds.username}' may not kill process ${pid} in ${vm.name}`);
      if (r.exitCode !== SCRIPT_EXIT.ok) throw qemuError('internal', `kill ${pid} in ${vm.name} failed (exit ${r.exitCode}): ${r.stderr.toString().trim()}`);
    },

    async stat(vm, creds, path) {
      const r = await runChecked(vm, creds, { verb: 'stat', path }, STAT_SCRIPT, [path]);
      return parseStat(r.stdout.toString().replace(/\n$/, ''), null);
    },

    async listDirectory(vm, creds, path) {
      const r = await runChecked(vm, creds, { verb: 'list', path, wrongType: 'not_a_directory' }, LIST_SCRIPT, [path]);
      return r.stdout
        .toString()
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => parseStat(l, path));
    },

    async makeDirectory(vm, creds, path, parents) {
      await runChecked(vm, creds, { verb: 'create', path }, MKDIR_SCRIPT, [path, parents ? '1' : '0']);
    },

    async removeDirectory(vm, creds, path, recursive) {
      const { state } = await authenticate(vm, creds);
      await runChecked(vm, creds, { verb: 'remove', path, wrongType: 'not_a_directory' }, RMDIR_SCRIPT, [path, recursive ? '1' : '0']);
      state.forgetAccess();
    },

    async removeFile(vm, creds, path) {
      const { state } = await authenticate(vm, creds);
      await runChecked(vm, creds, { verb: 'remove', path }, RM_SCRIPT, [path]);
      state.forgetAccess();
    },

    async move(vm, creds, from, to, overwrite) {
      const { state } = await authenticate(vm, creds);
      await runChecked(vm, creds, { verb: 'move', path: from }, MV_SCRIPT, [from, to, overwrite ? '1' : '0']);
      state.forgetAccess();
    },

    async createTempFile(vm, creds, o) {
      const r = await runChecked(vm, creds, { verb: 'create a file in', path: o.directory ?? '$TMPDIR' }, MKTEMP_SCRIPT, [o.prefix, o.suffix, o.directory ?? '', o.directoryOnly ? '1' : '0']);
      return r.stdout.toString();
    },

    async readFile(vm, creds, path, offset, length) {
      if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
        throw qemuError('invalid_argument', `offset ${offset} / length ${length} are not valid for '${path}'`);
      }
      const { agent, state } = await authenticate(vm, creds);
      if (creds.username !== 'root') await checkAccess(vm, creds, state, path, 'r', true);
      const handle = await guard(vm, () => agent.fileOpen(path, 'r')).catch((e: unknown) => {
        throw fileError(vm, creds, path, 'read', e);
      });
      const parts: Buffer[] = [];
      let got = 0;
      try {
        if (offset > 0) await agent.fileSeek(handle, offset, 'set');
        while (got < length) {
          const c = await agent.fileRead(handle, Math.min(chunk, length - got), { timeoutMs: 60_000 });
          parts.push(c.data);
          got += c.data.length;
          if (c.eof || c.data.length === 0) break;
        }
      } catch (e) {
        throw fileError(vm, creds, path, 'read', e);
      } finally {
        await agent.fileClose(handle).catch(() => undefined);
      }
      return Buffer.concat(parts, got);
    },

    async writeFile(vm, creds, path, data, o) {
      if (!Number.isSafeInteger(o.offset) || o.offset < 0) throw qemuError('invalid_argument', `offset ${o.offset} is not valid for '${path}'`);
      const { agent, state } = await authenticate(vm, creds);
      const overwrite = o.overwrite || o.offset > 0;
      if (creds.username !== 'root' || !overwrite) await checkAccess(vm, creds, state, path, 'w', overwrite);
      const open = (mode: string): Promise<number> => guard(vm, () => agent.fileOpen(path, mode));
      let handle: number;
      try {
        handle = o.truncate ? await open('w') : await open('r+').catch((e: unknown) => (/No such file/i.test(agentErrorDesc(e) ?? '') ? open('w') : Promise.reject(e)));
      } catch (e) {
        throw fileError(vm, creds, path, 'write', e);
      }
      try {
        if (o.offset > 0) await agent.fileSeek(handle, o.offset, 'set');
        for (let at = 0; at < data.length; ) {
          const part = data.subarray(at, at + chunk);
          const n = await agent.fileWrite(handle, part, { timeoutMs: 60_000 });
          if (n <= 0) throw qemuError('internal', `guest-file-write wrote nothing to '${path}' in ${vm.name}`);
          at += n;
        }
        await agent.fileFlush(handle);
      } catch (e) {
        throw fileError(vm, creds, path, 'write', e);
      } finally {
        await agent.fileClose(handle).catch(() => undefined);
      }
    },

    async environment(vm, creds) {
      const { agent } = await authenticate(vm, creds);
      const r = await guard(vm, () => run(agent, creds.username, ENV_SCRIPT, [], { direct: false }));
      const env: Record<string, string> = {};
      for (const line of r.stdout.toString().split('\n')) {
        const i = line.indexOf('=');
        if (i > 0) env[line.slice(0, i)] = line.slice(i + 1);
      }
      return env;
    },
  };
  return ops;
}

/** Exit code of an exited process; a signal counts as 128 + its number, as shells report. */
function exitCodeOf(st: GuestExecStatus): number {
  if (st.exitCode !== null) return st.exitCode;
  if (st.signal !== null) return 128 + st.signal;
  return -1;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

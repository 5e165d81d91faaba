/**
 * What every guest operation of the QEMU driver shares: the guest agent of a running VM,
 * helper scripts run through `su` as the logged-in user, the login check and the
 * permission check before file transfers, and the mapping of their failures to errors.
 */
import { createHash } from 'node:crypto';
import { VmgateError } from '../../core/errors.ts';
import type { ErrorReason } from '../../core/errors.ts';
import type { DriverVm, GuestCredentials } from '../../core/ports/driver.ts';
import { agentErrorDesc } from './guest-agent-client.ts';
import type { GuestAgentClient, GuestExecStatus } from './guest-agent-client.ts';
import { ACCESS_SCRIPT, AUTH_SCRIPT, RUN_SCRIPT, SCRIPT_EXIT } from './guest-scripts.ts';
import { sleep } from './fs-helpers.ts';
import { qemuError } from './qemu-error.ts';
import type { QemuGuestState } from './qemu-guest-state.ts';

/** What the guest operations need from the driver. */
export interface QemuGuestHost {
  /** The agent and caches of a running VM; throws (vm_not_running) when it does not run. */
  session(vm: DriverVm): Promise<GuestSession>;
}

export interface GuestSession {
  readonly agent: GuestAgentClient;
  readonly state: QemuGuestState;
}

export interface QemuGuestOpsOptions {
  /** Largest guest-file-read / guest-file-write payload. Default 1 MiB. */
  readonly fileChunkBytes?: number;
  /** How long a helper command may run. Default 60 s. */
  readonly commandTimeoutMs?: number;
}

export interface CommandResult {
  readonly exitCode: number;
  readonly stdout: Buffer;
  readonly stderr: Buffer;
}

/** What a helper script was doing, for its error message. */
export interface ScriptTarget {
  readonly verb: string;
  readonly path: string;
  readonly wrongType?: ErrorReason;
}

const USER_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*\$?$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export class QemuGuestRunner {
  /** Largest guest-file-read / guest-file-write payload. */
  readonly chunk: number;
  private readonly commandTimeoutMs: number;

  constructor(
    private readonly host: QemuGuestHost,
    opts: QemuGuestOpsOptions = {},
  ) {
    this.chunk = opts.fileChunkBytes ?? 1024 * 1024;
    this.commandTimeoutMs = opts.commandTimeoutMs ?? 60_000;
  }

  /** The agent of a running VM. */
  session(vm: DriverVm): Promise<GuestSession> {
    return this.host.session(vm);
  }

  /** Runs `fn`, turning a silent guest agent into tools_not_running. */
  async guard<T>(vm: DriverVm, fn: () => Promise<T>): Promise<T> {
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
  async spawnAs(agent: GuestAgentClient, user: string, argv: readonly string[], o: { cwd?: string; env?: Readonly<Record<string, string>>; input?: Buffer; capture: boolean; direct?: boolean }): Promise<number> {
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

  /** Polls a guest process until it exits. */
  async waitExec(agent: GuestAgentClient, pid: number, o: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<GuestExecStatus> {
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
  async run(agent: GuestAgentClient, user: string, script: string, args: readonly string[], o: { input?: Buffer; name?: string; direct?: boolean } = {}): Promise<CommandResult> {
    const pid = await this.spawnAs(agent, user, ['/bin/sh', '-c', script, o.name ?? 'vmgate', ...args], { input: o.input, capture: true, direct: o.direct ?? true });
    const st = await this.waitExec(agent, pid, { timeoutMs: this.commandTimeoutMs });
    return { exitCode: exitCodeOf(st), stdout: st.stdout, stderr: st.stderr };
  }

  /** Checks the guest login (remembered for a while); the session of the VM. */
  async authenticate(vm: DriverVm, creds: GuestCredentials): Promise<GuestSession> {
    const s = await this.session(vm);
    const key = `${creds.username}\0${createHash('sha256').update(creds.password).digest('hex')}`;
    if (s.state.isLoggedIn(key)) return s;
    const fail = (): VmgateError =>
      qemuError('unauthenticated', `guest login of user '${creds.username}' in ${vm.id} (${vm.name}) failed: wrong user name or password`, { reason: 'guest_auth_failed' });
    if (!USER_NAME.test(creds.username) || creds.password.includes('\n')) throw fail();
    const r = await this.guard(vm, () => this.run(s.agent, 'root', AUTH_SCRIPT, [creds.username], { input: Buffer.from(`${creds.password}\n`) }));
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
  async runChecked(vm: DriverVm, creds: GuestCredentials, what: ScriptTarget, script: string, args: readonly string[]): Promise<CommandResult> {
    const { agent } = await this.authenticate(vm, creds);
    const r = await this.guard(vm, () => this.run(agent, creds.username, script, args));
    if (r.exitCode !== SCRIPT_EXIT.ok) throw scriptError(vm, creds, what, r);
    return r;
  }

  /** Permission check (and creation, for writes) as the user; remembered for a while. */
  async checkAccess(vm: DriverVm, creds: GuestCredentials, state: QemuGuestState, path: string, mode: 'r' | 'w', overwrite: boolean): Promise<void> {
    const key = `${creds.username}\0${mode}\0${path}`;
    if (overwrite && state.hasAccess(key)) return;
    await this.runChecked(vm, creds, { verb: mode === 'r' ? 'read' : 'write', path }, ACCESS_SCRIPT, [path, mode, overwrite ? '1' : '0']);
    state.rememberAccess(key);
  }
}

/** A guest agent file error as the error of the file operation (other errors unchanged). */
export function fileError(vm: DriverVm, creds: GuestCredentials, path: string, verb: string, e: unknown): unknown {
  const desc = agentErrorDesc(e);
  if (desc === undefined) return e;
  if (/No such file/i.test(desc)) return qemuError('not_found', `'${path}': no such file or directory in ${vm.name}`, { reason: 'file_not_found', cause: e });
  if (/Is a directory/i.test(desc)) return qemuError('invalid_argument', `'${path}': is a directory, not a file`, { reason: 'not_a_file', cause: e });
  if (/Not a directory/i.test(desc)) return qemuError('not_found', `'${path}': a parent is not a directory`, { reason: 'file_not_found', cause: e });
  if (/Permission denied|Operation not permitted/i.test(desc)) return qemuError('unauthorized', `permission denied: user '${creds.username}' may not ${verb} '${path}'`, { cause: e });
  return e;
}

/** Exit code of an exited process; a signal counts as 128 + its number, as shells report. */
export function exitCodeOf(st: GuestExecStatus): number {
  if (st.exitCode !== null) return st.exitCode;
  if (st.signal !== null) return 128 + st.signal;
  return -1;
}

function scriptError(vm: DriverVm, creds: GuestCredentials, what: ScriptTarget, r: CommandResult): VmgateError {
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

/**
 * Guest programs of the QEMU driver: started through `su` as the logged-in user with
 * `guest-exec`, waited for by polling `guest-exec-status` (one poll loop per program,
 * however many wait), listed with ps, killed as the user.
 */
import { posix } from 'node:path';
import type { DriverVm, GuestCredentials, GuestProcessInfo, GuestProcessResult, GuestProgramSpec, OpContext } from '../../core/ports/driver.ts';
import type { GuestAgentClient } from './guest-agent-client.ts';
import { ENV_SCRIPT, KILL_SCRIPT, PROGRAM_CHECK_SCRIPT, PS_SCRIPT, SCRIPT_EXIT } from './guest-scripts.ts';
import { qemuError } from './qemu-error.ts';
import { exitCodeOf } from './qemu-guest-runner.ts';
import type { QemuGuestRunner } from './qemu-guest-runner.ts';
import type { TrackedProcess } from './qemu-guest-state.ts';

export async function startProgram(g: QemuGuestRunner, vm: DriverVm, creds: GuestCredentials, spec: GuestProgramSpec): Promise<number> {
  const { agent, state } = await g.authenticate(vm, creds);
  // A missing program is an error now, not exit code 127 later.
  await g.runChecked(vm, creds, { verb: 'run', path: spec.path }, PROGRAM_CHECK_SCRIPT, [spec.path]);
  const startedAt = new Date().toISOString();
  const pid = await g.guard(vm, () => g.spawnAs(agent, creds.username, [spec.path, ...spec.args], { cwd: spec.cwd, env: spec.env, input: spec.stdin, capture: spec.captureOutput }));
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
}

export async function waitProgram(g: QemuGuestRunner, vm: DriverVm, creds: GuestCredentials, pid: number, ctx?: OpContext): Promise<GuestProcessResult> {
  const { agent, state } = await g.authenticate(vm, creds);
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
  const waiting = g.guard(vm, () => awaitProcess(g, agent, tracked));
  const signal = ctx?.signal;
  if (!signal) return waiting;
  if (signal.aborted) {
    await killAsRoot(g, agent, pid);
    throw qemuError('cancelled', `waiting for process ${pid} in ${vm.name} was cancelled; the process was killed`);
  }
  return new Promise<GuestProcessResult>((resolve, reject) => {
    const onAbort = (): void => {
      reject(qemuError('cancelled', `waiting for process ${pid} in ${vm.name} was cancelled; the process is killed`));
      void killAsRoot(g, agent, pid);
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
}

export async function listProcesses(g: QemuGuestRunner, vm: DriverVm, creds: GuestCredentials, pids?: readonly number[]): Promise<GuestProcessInfo[]> {
  const { agent, state } = await g.authenticate(vm, creds);
  const r = await g.guard(vm, () => g.run(agent, 'root', PS_SCRIPT, [], { name: 'vmgate-ps' }));
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
}

export async function killProcess(g: QemuGuestRunner, vm: DriverVm, creds: GuestCredentials, pid: number): Promise<void> {
  const { state } = await g.authenticate(vm, creds);
  const t = state.processes.get(pid);
  if (t?.result) throw qemuError('not_found', `process ${pid} in ${vm.name} has already exited`, { reason: 'no_such_process' });
  const { agent } = await g.session(vm);
  const r = await g.guard(vm, () => g.run(agent, creds.username, KILL_SCRIPT, [String(pid)]));
  if (r.exitCode === SCRIPT_EXIT.notFound) throw qemuError('not_found', `there is no process ${pid} in ${vm.name}`, { reason: 'no_such_process' });
  if (r.exitCode === SCRIPT_EXIT.denied) throw qemuError('unauthorized', `permission denied: user '${creds.username}' may not kill process ${pid} in ${vm.name}`);
  if (r.exitCode !== SCRIPT_EXIT.ok) throw qemuError('internal', `kill ${pid} in ${vm.name} failed (exit ${r.exitCode}): ${r.stderr.toString().trim()}`);
}

/** The user's environment variables, from a login shell as that user. */
export async function environment(g: QemuGuestRunner, vm: DriverVm, creds: GuestCredentials): Promise<Record<string, string>> {
  const { agent } = await g.authenticate(vm, creds);
  const r = await g.guard(vm, () => g.run(agent, creds.username, ENV_SCRIPT, [], { direct: false }));
  const env: Record<string, string> = {};
  for (const line of r.stdout.toString().split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) env[line.slice(0, i)] = line.slice(i + 1);
  }
  return env;
}

/** Polls a started program to its end once, however many wait for it; keeps the result. */
function awaitProcess(g: QemuGuestRunner, agent: GuestAgentClient, t: TrackedProcess): Promise<GuestProcessResult> {
  t.waiting ??= (async () => {
    const st = await g.waitExec(agent, t.info.pid);
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

async function killAsRoot(g: QemuGuestRunner, agent: GuestAgentClient, pid: number): Promise<void> {
  await g.run(agent, 'root', KILL_SCRIPT, [String(pid)]).catch(() => undefined);
}

import type { CoreApi } from '../../../core/index.ts';
import { notFound } from '../../../core/errors.ts';
import { implement } from '../call.ts';
import type { VmGuestProcessesCreateSpec, VmGuestProcessesInfo, VmGuestProcessesSummary } from '../../../protocols/vapi/types/index.ts';
import { VmGuestProcessesService } from '../../../protocols/vapi/types/index.ts';
import { parseArguments, shellQuote } from './guest-args.ts';
import { guestLogin } from './guest-credentials.ts';

type GuestProcess = Awaited<ReturnType<CoreApi['guest']['listProcesses']>>[number];
type ProgramSpec = Parameters<CoreApi['guest']['startProgram']>[3];

/** What vSphere's bash would run: plain words go to the program, shell syntax through /bin/sh -c. */
export function programSpec(spec: VmGuestProcessesCreateSpec): ProgramSpec {
  const text = spec.arguments ?? '';
  const parsed = parseArguments(text);
  const base = {
    captureOutput: false,
    ...(spec.working_directory ? { cwd: spec.working_directory } : {}),
    ...(spec.environment_variables ? { env: { ...spec.environment_variables } } : {}),
  };
  if (parsed.shellSyntax) return { ...base, path: '/bin/sh', args: ['-c', `${shellQuote(spec.path)} ${text}`] };
  return { ...base, path: spec.path, args: parsed.args };
}

function summary(p: GuestProcess): VmGuestProcessesSummary {
  return { name: p.name, pid: p.pid, owner: p.owner, command: p.commandLine, started: p.startedAt };
}

function info(p: GuestProcess): VmGuestProcessesInfo {
  return {
    name: p.name,
    owner: p.owner,
    command: p.commandLine,
    started: p.startedAt,
    ...(p.finishedAt !== null ? { finished: p.finishedAt } : {}),
    ...(p.exitCode !== null ? { exit_code: p.exitCode } : {}),
  };
}

/**
 * com.vmware.vcenter.vm.guest.processes: start, list, inspect and kill guest programs as
 * the guest user of the credentials. Exited programs stay listed (with their exit code in
 * `get`) for as long as the driver keeps them (the simulator: 5 minutes, as vSphere).
 */
export const guestProcessesHandlers = implement(VmGuestProcessesService, {
  async create(call, { vm, credentials, spec }) {
    return call.core.guest.startProgram(call.caller, vm, guestLogin(credentials), programSpec(spec));
  },
  async list(call, { vm, credentials }) {
    return (await call.core.guest.listProcesses(call.caller, vm, guestLogin(credentials))).map(summary);
  },
  async get(call, { vm, credentials, pid }) {
    const found = (await call.core.guest.listProcesses(call.caller, vm, guestLogin(credentials), [pid])).find((p) => p.pid === pid);
    if (!found) throw notFound(`there is no process ${pid} in the guest of ${vm}`, { module: 'face.vapi', reason: 'no_such_process' });
    return info(found);
  },
  async delete(call, { vm, credentials, pid }) {
    await call.core.guest.killProcess(call.caller, vm, guestLogin(credentials), pid);
    return undefined;
  },
});

import type { CoreApi, ProgramResult } from '../../../core/index.ts';
import { invalidArgument, unsupported } from '../../../core/errors.ts';
import { implement } from '../call.ts';
import type { VmGuestCredentials, VmgateGuestProgramsResult, VmgateGuestProgramsRunSpec } from '../../../protocols/vapi/types/index.ts';
import { VmgateGuestProgramsService } from '../../../protocols/vapi/types/index.ts';

type GuestLogin = Parameters<CoreApi['guest']['runProgram']>[2];
type ProgramSpec = Parameters<CoreApi['guest']['runProgram']>[3];

/** vSphere guest credentials → core's guest login (user name and password only). */
function guestLogin(c: VmGuestCredentials): GuestLogin {
  if (c.type !== 'USERNAME_PASSWORD') throw unsupported(`guest credentials of type ${c.type} are not supported by vmgate: send type USERNAME_PASSWORD with user_name and password`, { module: 'face.vapi' });
  if (c.interactive_session) throw unsupported('interactive_session=true is not supported by vmgate: send interactive_session=false', { module: 'face.vapi' });
  if (c.user_name === undefined || c.user_name === '') throw invalidArgument('USERNAME_PASSWORD guest credentials need a user_name', { module: 'face.vapi' });
  if (c.password === undefined) throw invalidArgument(`USERNAME_PASSWORD guest credentials need a password (user '${c.user_name}')`, { module: 'face.vapi' });
  return { username: c.user_name, password: c.password };
}

function programSpec(s: VmgateGuestProgramsRunSpec): ProgramSpec {
  return {
    path: s.path,
    args: s.arguments ?? [],
    ...(s.environment_variables === undefined ? {} : { env: s.environment_variables }),
    ...(s.working_directory === undefined ? {} : { cwd: s.working_directory }),
    ...(s.input === undefined ? {} : { stdin: Buffer.from(s.input, 'utf8') }),
    captureOutput: true,
  };
}

function timeoutMs(s: VmgateGuestProgramsRunSpec): { timeoutMs?: number } {
  if (s.timeout_seconds === undefined) return {};
  if (s.timeout_seconds <= 0 || s.timeout_seconds > 7 * 24 * 3600) throw invalidArgument(`spec.timeout_seconds must be 1–604800, not ${s.timeout_seconds}`, { module: 'face.vapi' });
  return { timeoutMs: s.timeout_seconds * 1000 };
}

function programResult(r: ProgramResult): VmgateGuestProgramsResult {
  return { pid: r.pid, exit_code: r.exitCode, stdout: r.stdout, stderr: r.stderr, started: r.startedAt, finished: r.finishedAt };
}

/** com.vmgate.vm.guest.programs → core.guest.runProgram (a `guest.run` task). */
export const vmgateGuestProgramsHandlers = implement(VmgateGuestProgramsService, {
  async run(call, { vm, credentials, spec }) {
    const task = await call.core.guest.runProgram(call.caller, vm, guestLogin(credentials), programSpec(spec), timeoutMs(spec));
    return programResult(await call.core.tasks.result<ProgramResult>(call.caller, task));
  },
  async 'run$task'(call, { vm, credentials, spec }) {
    return (await call.core.guest.runProgram(call.caller, vm, guestLogin(credentials), programSpec(spec), timeoutMs(spec))).id;
  },
});

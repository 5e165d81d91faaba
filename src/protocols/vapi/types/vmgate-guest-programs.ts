/**
 * com.vmgate.vm.guest.programs: run a program in the guest to its end and get its exit
 * code and output — what `vmgate guest run` uses (vSphere's guest.processes.create starts a
 * program and returns only its pid). A vmgate addition; REST
 * `POST /api/vmgate/vm/{vm}/guest/programs?action=run`.
 *
 * Structures:
 * - credentials: the registry's `com.vmware.vcenter.vm.guest.credentials`
 *   (type USERNAME_PASSWORD, user_name, password, interactive_session false).
 * - `com.vmgate.vm.guest.programs.run_spec`: `path` (absolute, or a name the guest's
 *   PATH finds), `arguments?` (list of strings, one per argument, no shell quoting;
 *   default none), `environment_variables?` (name → value, added to the guest user's),
 *   `working_directory?`, `input?` (text fed to the program's standard input),
 *   `timeout_seconds?` (kill the program and answer timed_out after this long).
 * - `com.vmgate.vm.guest.programs.result`: `pid`, `exit_code`, `stdout`, `stderr` (UTF-8
 *   text, at most 4 MiB each), `started`, `finished`.
 *
 * `run` waits for the program; `run$task` (REST `vmw-task=true`, status 202) returns the
 * id of a `guest.run` task at once — com.vmware.cis.tasks.get shows it, with the result
 * as JSON text when it has finished; cancelling the task kills the program.
 */
import type { Infer } from './vapi-type.ts';
import { dateTime, id, list, long, map, optional, string, struct } from './vapi-type.ts';
import { operation, service } from './operation.ts';
import type { StdErrorKind } from './std.ts';
import { VmGuestCredentials } from './guest-credentials.ts';

export const VmgateGuestProgramsRunSpec = struct('com.vmgate.vm.guest.programs.run_spec', {
  path: string(),
  arguments: optional(list(string())),
  environment_variables: optional(map(string(), string())),
  working_directory: optional(string()),
  input: optional(string()),
  timeout_seconds: optional(long()),
});
export type VmgateGuestProgramsRunSpec = Infer<typeof VmgateGuestProgramsRunSpec>;

export const VmgateGuestProgramsResult = struct('com.vmgate.vm.guest.programs.result', {
  pid: long(),
  exit_code: long(),
  stdout: string(),
  stderr: string(),
  started: dateTime(),
  finished: dateTime(),
});
export type VmgateGuestProgramsResult = Infer<typeof VmgateGuestProgramsResult>;

const RUN_ERRORS: readonly StdErrorKind[] = [
  'canceled', 'error', 'invalid_argument', 'not_allowed_in_current_state', 'not_found', 'resource_busy',
  'service_unavailable', 'timed_out', 'unauthenticated', 'unauthorized', 'unsupported',
];

export const VmgateGuestProgramsService = service('com.vmgate.vm.guest.programs', {
  run: operation({
    input: { vm: id('VirtualMachine'), credentials: VmGuestCredentials, spec: VmgateGuestProgramsRunSpec },
    output: VmgateGuestProgramsResult,
    errors: RUN_ERRORS,
    rest: { method: 'POST', path: '/api/vmgate/vm/{vm}/guest/programs?action=run', status: 200, body: 'fields' },
  }),
  'run$task': operation({
    input: { vm: id('VirtualMachine'), credentials: VmGuestCredentials, spec: VmgateGuestProgramsRunSpec },
    output: id('com.vmware.cis.TASK'),
    errors: RUN_ERRORS,
    rest: { method: 'POST', path: '/api/vmgate/vm/{vm}/guest/programs?action=run&vmw-task=true', status: 202, body: 'fields' },
  }),
});

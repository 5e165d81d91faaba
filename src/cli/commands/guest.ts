/**
 * `vmgate guest run|copy-in|copy-out`: programs and files inside a running VM's guest,
 * as a guest user (`--guest-user`, password from --guest-password-stdin,
 * VMGATE_GUEST_PASSWORD or a prompt).
 */
import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Command, Option } from 'commander';
import { VapiError } from '../../clients/vapi/index.ts';
import type { VmGuestCredentials, VmgateGuestProgramsResult, VmgateGuestProgramsRunSpec } from '../../clients/vapi/index.ts';
import { CliError, usageError } from '../cli-error.ts';
import { clientAction } from '../client-command.ts';
import type { CliContext } from '../client-command.ts';
import { collect, positiveInt } from '../options.ts';
import { ProgressBoard } from '../progress.ts';
import type { ItemProgress } from '../progress.ts';
import { readSecret } from '../prompt.ts';
import { resolveVm } from '../resolve-vm.ts';
import { formatBytes } from '../table.ts';
import { followTask, taskError } from '../task-wait.ts';
import { downloadFile, localFileSize, transferBar, transferUrl, uploadFile } from '../transfer.ts';

/** Files larger than this get a byte progress bar (on a terminal). */

interface GuestOptions {
  readonly guestUser: string;
  readonly guestPasswordStdin?: boolean;
}

function addGuestLogin(cmd: Command): Command {
  return cmd
    .addOption(new Option('--guest-user <name>', 'guest user name').env('VMGATE_GUEST_USER').makeOptionMandatory())
    .option('--guest-password-stdin', 'read the guest password from the first line of stdin [else env VMGATE_GUEST_PASSWORD, else a prompt]');
}

async function guestCredentials(opts: GuestOptions): Promise<VmGuestCredentials> {
  const password = await readSecret({ fromStdin: opts.guestPasswordStdin, envVar: 'VMGATE_GUEST_PASSWORD', prompt: `Guest password for ${opts.guestUser}: `, what: 'guest password' });
  return { interactive_session: false, type: 'USERNAME_PASSWORD', user_name: opts.guestUser, password };
}

export function guestCommand(): Command {
  const guest = new Command('guest').description('programs and files inside a running guest');
  guest.addCommand(runCommand());
  guest.addCommand(copyInCommand());
  guest.addCommand(copyOutCommand());
  return guest;
}

interface RunOptions extends GuestOptions {
  readonly cwd?: string;
  readonly env?: string[];
  readonly timeout?: number;
}

function runCommand(): Command {
  const cmd = addGuestLogin(
    new Command('run')
      .description('run a program in the guest to its end; prints its output and exits with its exit code')
      .argument('<vm>', 'VM id or name')
      .argument('<program>', 'program path (put -- before it when its arguments start with -)')
      .argument('[args...]', 'arguments, one per word, passed as they are (no shell)')
      .option('--cwd <dir>', 'working directory in the guest')
      .option('--env <NAME=value>', 'environment variable (repeatable)', collect)
      .option('--timeout <seconds>', 'kill the program after this long', positiveInt),
  );
  return clientAction<RunOptions>(cmd, async (ctx, [ref, program, args], opts) => {
    const env: Record<string, string> = {};
    for (const e of opts.env ?? []) {
      const i = e.indexOf('=');
      if (i <= 0) throw usageError(`--env '${e}' must be NAME=value`);
      env[e.slice(0, i)] = e.slice(i + 1);
    }
    const credentials = await guestCredentials(opts);
    const { id } = await resolveVm(ctx.client, ref as string);
    const spec = {
      path: program as string,
      arguments: (args as string[] | undefined) ?? [],
      ...(Object.keys(env).length ? { environment_variables: env } : {}),
      ...(opts.cwd ? { working_directory: opts.cwd } : {}),
      ...(opts.timeout ? { timeout_seconds: opts.timeout } : {}),
    };
    const result = await runProgram(ctx, id, credentials, spec, program as string);
    if (ctx.json) ctx.out.printJson({ vm: id, ...result });
    else {
      process.stdout.write(result.stdout);
      process.stderr.write(result.stderr);
    }
    return result.exit_code > 255 || result.exit_code < 0 ? 1 : result.exit_code;
  });
}

/**
 * Runs the program as a task (run$task), so a long program outlives no request timeout
 * and Ctrl-C cancels the task (which kills the program).
 */
async function runProgram(ctx: CliContext, vm: string, credentials: VmGuestCredentials, spec: VmgateGuestProgramsRunSpec, program: string): Promise<VmgateGuestProgramsResult> {
  const task = await ctx.client.vmgate.guest.run(vm, credentials, spec, { task: true });
  const onSigint = (): void => {
    process.stderr.write(`\nvmgate: cancelling ${program} (task ${task})\n`);
    void ctx.client.tasks
      .cancel(task)
      .catch(() => undefined)
      .finally(() => process.exit(130));
  };
  process.on('SIGINT', onSigint);
  const board = new ProgressBoard(ctx.progress);
  let info;
  try {
    const bar = board.add(vm);
    bar.spin(`running ${program}`);
    // A program's progress is not a percentage: keep the spinner until it ends.
    info = await followTask(ctx.client, task, { update: () => bar.spin(`running ${program}`), spin: (s) => bar.spin(s), finish: (t, ok) => bar.finish(t, ok) });
  } finally {
    board.stop();
    process.off('SIGINT', onSigint);
  }
  if (info.status === 'FAILED') throw taskError(info);
  return programResult(info.result);
}

/** The task's result: the run result, as JSON text (field names as in the API, or core's). */
function programResult(raw: unknown): VmgateGuestProgramsResult {
  let r: Record<string, unknown>;
  try {
    r = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Record<string, unknown>;
  } catch {
    throw new CliError('PROTOCOL_ERROR', 'the guest.run task has no readable result');
  }
  const exit = r?.exit_code ?? r?.exitCode;
  if (typeof exit !== 'number') throw new CliError('PROTOCOL_ERROR', 'the guest.run task result has no exit code');
  return {
    pid: Number(r.pid ?? 0),
    exit_code: exit,
    stdout: String(r.stdout ?? ''),
    stderr: String(r.stderr ?? ''),
    started: String(r.started ?? r.startedAt ?? ''),
    finished: String(r.finished ?? r.finishedAt ?? ''),
  };
}

/** A guest path naming a directory (trailing / or \) gets the file's name appended. */
function guestTarget(guestPath: string, name: string): string {
  return /[/\\]$/.test(guestPath) ? `${guestPath}${name}` : guestPath;
}

function copyInCommand(): Command {
  const cmd = addGuestLogin(
    new Command('copy-in')
      .description('copy a local file into the guest (a guest path ending in / keeps the file name)')
      .argument('<vm>', 'VM id or name')
      .argument('<local>', 'local file')
      .argument('<guest-path>', 'path in the guest')
      .option('--overwrite', 'replace an existing guest file'),
  );
  return clientAction<GuestOptions & { overwrite?: boolean }>(cmd, async (ctx, [ref, local, guestPath], opts) => {
    const localPath = local as string;
    const size = await localFileSize(localPath);
    const credentials = await guestCredentials(opts);
    const { id } = await resolveVm(ctx.client, ref as string);
    const target = guestTarget(guestPath as string, basename(localPath));
    let uri: string;
    try {
      uri = await ctx.client.guest.transfers.create(id, credentials, { path: target, attributes: { size, ...(opts.overwrite ? { overwrite: true } : {}) } });
    } catch (e) {
      if (e instanceof VapiError && e.errorType === 'ALREADY_EXISTS') throw new CliError('ALREADY_EXISTS', `'${target}' already exists in the guest of ${id}: add --overwrite to replace it`);
      throw e;
    }
    const { board, bar } = transferBar(ctx.progress, basename(localPath), size);
    try {
      await uploadFile(transferUrl(uri, ctx.client.server), ctx.tls, localPath, size, (n) => bar.update(n));
      bar.finish('done');
    } finally {
      board.stop();
    }
    ctx.out.result(`copied ${localPath} to ${id}:${target} (${formatBytes(size)})`, { vm: id, local: localPath, guest_path: target, bytes: size });
  });
}

function copyOutCommand(): Command {
  const cmd = addGuestLogin(
    new Command('copy-out')
      .description('copy a guest file to a local file (a local directory keeps the file name)')
      .argument('<vm>', 'VM id or name')
      .argument('<guest-path>', 'file in the guest')
      .argument('<local>', 'local file or directory'),
  );
  return clientAction<GuestOptions>(cmd, async (ctx, [ref, guestPath, local], opts) => {
    const localPath = await localTarget(local as string, guestPath as string);
    const credentials = await guestCredentials(opts);
    const { id } = await resolveVm(ctx.client, ref as string);
    const uri = await ctx.client.guest.transfers.create(id, credentials, { path: guestPath as string });
    let progress: { board: ProgressBoard; bar: ItemProgress } | undefined;
    let bytes: number;
    try {
      bytes = await downloadFile(
        transferUrl(uri, ctx.client.server),
        ctx.tls,
        localPath,
        (size) => (progress = transferBar(ctx.progress, basename(localPath), size)),
        (n) => progress?.bar.update(n),
      );
      progress?.bar.finish('done');
    } finally {
      progress?.board.stop();
    }
    ctx.out.result(`copied ${id}:${guestPath as string} to ${localPath} (${formatBytes(bytes)})`, { vm: id, guest_path: guestPath, local: localPath, bytes });
  });
}

/** The local file to write: `local`, or the guest file's name inside `local` when it is a directory. */
async function localTarget(local: string, guestPath: string): Promise<string> {
  try {
    if ((await stat(local)).isDirectory()) {
      const name = guestPath.split(/[/\\]/).filter(Boolean).pop();
      if (!name) throw usageError(`'${guestPath}' names no file`);
      return join(local, name);
    }
  } catch (e) {
    if (e instanceof CliError) throw e;
  }
  return local;
}

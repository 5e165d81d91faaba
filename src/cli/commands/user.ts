/**
 * `vmgate user list|get|create|update|delete|passwd|unlock`: vmgate's accounts (com.vmgate.users).
 * `vmgate user set-password --data-dir` works on the server's data directory instead, with
 * no session: the way back in after a forgotten administrator password; `unlock --data-dir
 * DIR` likewise unlocks an account on the server itself.
 */
import { Command } from 'commander';
import { CliError, EXIT_FAILURE, EXIT_USAGE, reportError } from '../cli-error.ts';
import { isVmgateError } from '../../core/errors.ts';
import { clientAction } from '../client-command.ts';
import { authenticate } from '../client-from-options.ts';
import { promptHidden, readStdinLine } from '../prompt.ts';

export function userCommand(): Command {
  const user = new Command('user').description("vmgate's user accounts");
  user.addCommand(listCommand());
  user.addCommand(getCommand());
  user.addCommand(createCommand());
  user.addCommand(updateCommand());
  user.addCommand(deleteCommand());
  user.addCommand(passwdCommand());
  user.addCommand(unlockCommand());
  user.addCommand(setPasswordCommand());
  return user;
}

function listCommand(): Command {
  return clientAction(new Command('list').description('list users'), async ({ client, out }) => {
    const rows = await client.vmgate.users.list();
    out.table(rows, [
      { header: 'USER', value: (u) => u.user },
      { header: 'NAME', value: (u) => u.name },
      { header: 'FULL NAME', value: (u) => u.full_name },
      { header: 'DISABLED', value: (u) => (u.disabled ? 'yes' : 'no') },
      { header: 'LOCKED', value: (u) => (u.locked ? 'yes' : 'no') },
    ]);
  });
}

function getCommand(): Command {
  const cmd = new Command('get').description('show one user').argument('<user>', 'user id or name');
  return clientAction(cmd, async ({ client, out }, [ref]) => {
    const u = await client.vmgate.users.get(ref as string);
    out.details(
      [
        ['User', u.user],
        ['Name', u.name],
        ['Full name', u.full_name],
        ['Disabled', u.disabled ? 'yes' : 'no'],
        ['Locked', u.locked ? `yes${u.locked_until ? ` (until ${u.locked_until})` : ''}` : 'no'],
        ['Failed logins', u.failed_logins],
        ['Last login', u.last_login],
        ['Created', u.created],
        ['Must change password', u.must_change_password ? 'yes' : 'no'],
      ],
      u,
    );
  });
}

/** A new password: stdin with `fromStdin`, else typed twice on a terminal. */
async function newPassword(fromStdin: boolean | undefined, who: string): Promise<string> {
  if (fromStdin) return readStdinLine('password');
  if (!process.stdin.isTTY) throw new CliError('INVALID_ARGUMENT', 'give the new password with --password-stdin (stdin is not a terminal)', EXIT_USAGE);
  const first = await promptHidden(`New password for ${who}: `);
  const again = await promptHidden('Again: ');
  if (first !== again) throw new CliError('INVALID_ARGUMENT', 'the passwords do not match', EXIT_USAGE);
  if (first === '') throw new CliError('INVALID_ARGUMENT', 'the password is empty', EXIT_USAGE);
  return first;
}

function createCommand(): Command {
  const cmd = new Command('create')
    .description('create a user (without --password-stdin the server generates a password and it is printed once)')
    .argument('<name>', 'user name')
    .option('--full-name <text>', 'full name')
    .option('--password-stdin', 'read the password from the first line of stdin');
  return clientAction<{ fullName?: string; passwordStdin?: boolean }>(cmd, async ({ client, out }, [name], opts) => {
    const password = opts.passwordStdin ? await readStdinLine('password') : undefined;
    const r = await client.vmgate.users.create({ name: name as string, ...(password ? { password } : {}), ...(opts.fullName ? { full_name: opts.fullName } : {}) });
    out.result(`created ${r.user} (${name as string})${r.password ? `\npassword: ${r.password}   (shown once)` : ''}`, r);
  });
}

function updateCommand(): Command {
  const cmd = new Command('update')
    .description("change a user's full name, disable or enable it, or make it change its password at the next login")
    .argument('<user>', 'user id or name')
    .option('--full-name <text>', 'full name')
    .option('--disable', 'the account cannot log in; its sessions end')
    .option('--enable', 'the account can log in again')
    .option('--must-change-password', 'the password must be changed before the account logs in again (its sessions end)')
    .option('--no-must-change-password', 'no longer require that');
  return clientAction<{ fullName?: string; disable?: boolean; enable?: boolean; mustChangePassword?: boolean }>(cmd, async ({ client, out }, [ref], opts) => {
    if (opts.disable && opts.enable) throw new CliError('INVALID_ARGUMENT', '--disable and --enable contradict each other', EXIT_USAGE);
    const spec = {
      ...(opts.fullName === undefined ? {} : { full_name: opts.fullName }),
      ...(opts.disable ? { disabled: true } : opts.enable ? { disabled: false } : {}),
      ...(opts.mustChangePassword === undefined ? {} : { must_change_password: opts.mustChangePassword }),
    };
    if (Object.keys(spec).length === 0) throw new CliError('INVALID_ARGUMENT', 'nothing to change: give --full-name, --disable, --enable or --[no-]must-change-password', EXIT_USAGE);
    await client.vmgate.users.update(ref as string, spec);
    out.result(`updated ${ref as string}`, { user: ref, ...spec });
  });
}

function deleteCommand(): Command {
  const cmd = new Command('delete').description('delete a user (its sessions end)').argument('<user>', 'user id or name');
  return clientAction(cmd, async ({ client, out }, [ref]) => {
    await client.vmgate.users.delete(ref as string);
    out.result(`deleted ${ref as string}`, { user: ref, deleted: true });
  });
}

function passwdCommand(): Command {
  const cmd = new Command('passwd')
    .description("set a user's password (typed twice on a terminal, or --password-stdin)")
    .argument('<user>', 'user id or name')
    .option('--password-stdin', 'read the new password from the first line of stdin (with --current: the current one, then the new one)')
    .option('--current', 'your own password: give the current one too (asked first, or the first line of stdin)');
  return clientAction<{ passwordStdin?: boolean; current?: boolean }>(cmd, async ({ client, out }, [ref], opts) => {
    let currentPassword: string | undefined;
    let password: string;
    if (opts.current && opts.passwordStdin) [currentPassword, password] = await readStdinLines(2);
    else {
      if (opts.current) currentPassword = await promptHidden(`Current password of ${ref as string}: `);
      password = await newPassword(opts.passwordStdin, ref as string);
    }
    await client.vmgate.users.setPassword(ref as string, password, currentPassword);
    out.result(`password of ${ref as string} changed`, { user: ref, changed: true });
  });
}

function unlockCommand(): Command {
  const cmd = new Command('unlock')
    .description('unlock an account locked after failed logins (from every address)')
    .argument('<user>', 'user id or name')
    .option('--data-dir <dir>', 'on the server itself: unlock in this data directory, without a session');
  return clientAction<{ dataDir?: string }>(
    cmd,
    async ({ client, out, store }, [ref], opts) => {
      if (opts.dataDir !== undefined) {
        const { unlockUserOffline } = await import('../../server/offline-admin.ts');
        const u = await unlockUserOffline(opts.dataDir, ref as string).catch((e: unknown) => {
          // The store's own errors, reported like the server's (NOT_FOUND, …).
          throw isVmgateError(e) ? new CliError(e.kind.toUpperCase(), e.message, EXIT_FAILURE) : e;
        });
        out.result(`unlocked ${u.name} (${u.id}) in ${opts.dataDir}`, { user: u.id, name: u.name, unlocked: true });
        return;
      }
      const { transient } = await authenticate(client, store);
      try {
        await client.vmgate.users.unlock(ref as string);
      } finally {
        if (transient) await client.logout().catch(() => undefined);
      }
      out.result(`unlocked ${ref as string}`, { user: ref, unlocked: true });
    },
    { auth: false },
  );
}

/** `n` lines of stdin (the first `n`), none of them empty. */
async function readStdinLines(n: number): Promise<string[]> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const lines = Buffer.concat(chunks).toString('utf8').split(/\r?\n/).slice(0, n);
  if (lines.length < n || lines.some((l) => l === '')) throw new CliError('INVALID_ARGUMENT', `expected ${n} lines on stdin (the current password, then the new one)`, EXIT_USAGE);
  return lines;
}

function setPasswordCommand(): Command {
  return new Command('set-password')
    .description("set a user's password in the server's data directory, without a session (a forgotten administrator password); works while the server runs")
    .argument('<user>', 'user id or name')
    .requiredOption('--data-dir <dir>', "the server's data directory (vmgate serve --data-dir)")
    .option('--password-stdin', 'read the new password from the first line of stdin')
    .action(async (ref: string, opts: { dataDir: string; passwordStdin?: boolean }) => {
      try {
        const password = await newPassword(opts.passwordStdin, ref);
        const { setPasswordOffline } = await import('../../server/offline-admin.ts');
        const r = await setPasswordOffline(opts.dataDir, ref, password);
        process.stdout.write(`password of ${r.userName} (${r.userId}) set in ${opts.dataDir}; it works at once, also on a running server\n`);
        if (r.removedInitialPasswordFile) process.stdout.write(`removed ${r.removedInitialPasswordFile} (it held the old password)\n`);
      } catch (e) {
        process.exitCode = reportError(localError(e));
      }
    });
}

/** core's errors (thrown here without a server between) in the CLI's words. */
function localError(e: unknown): unknown {
  const err = e as { name?: string; kind?: string; message?: string };
  if (err?.name !== 'VmgateError' || typeof err.kind !== 'string') return e;
  return new CliError(err.kind.toUpperCase(), err.message ?? '', err.kind === 'invalid_argument' ? EXIT_USAGE : EXIT_FAILURE);
}

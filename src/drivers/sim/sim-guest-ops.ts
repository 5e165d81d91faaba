import { isVmgateError, VmgateError } from '../../core/errors.ts';
import type { DriverVm, GuestCredentials, GuestOps } from '../../core/ports/driver.ts';
import type { SimOperation } from './faults.ts';
import type { SimGuestAccount } from './guest-accounts.ts';
import { resolveGuestPath } from './guest-path.ts';
import type { SimGuest } from './sim-guest.ts';
import { simError } from './sim-error.ts';

/** What the guest operations need from the driver. */
export interface SimGuestOpsHost {
  /** Checks faults, power and tools state and the credentials; gives the guest and the account. */
  session(op: SimOperation, vm: DriverVm, creds: GuestCredentials): { guest: SimGuest; account: SimGuestAccount };
  readonly random: () => number;
}

/**
 * GuestOps of the simulator, as the logged-in guest user. Relative paths are taken from
 * the user's home directory. File errors name the path and the VM.
 */
export function createSimGuestOps(host: SimGuestOpsHost): GuestOps {
  const run = async <T>(op: SimOperation, vm: DriverVm, creds: GuestCredentials, fn: (guest: SimGuest, account: SimGuestAccount) => T): Promise<T> => {
    const { guest, account } = host.session(op, vm, creds);
    try {
      return fn(guest, account);
    } catch (e) {
      throw withVm(e, vm);
    }
  };
  const at = (account: SimGuestAccount, path: string): string => resolveGuestPath(account.home, path);

  return {
    authenticate: (vm, creds) => run('authenticate', vm, creds, () => undefined),
    startProgram: (vm, creds, spec) => run('startProgram', vm, creds, (g, a) => g.start(a, spec)),
    waitProgram: async (vm, creds, pid, ctx) => {
      const { guest } = host.session('waitProgram', vm, creds);
      return guest.wait(pid, ctx?.signal);
    },
    listProcesses: (vm, creds, pids) => run('listProcesses', vm, creds, (g) => g.list(pids)),
    killProcess: (vm, creds, pid) => run('killProcess', vm, creds, (g, a) => g.kill(a, pid, 9)),
    stat: (vm, creds, path) => run('stat', vm, creds, (g, a) => g.fs.stat(at(a, path), a)),
    listDirectory: (vm, creds, path) => run('listDirectory', vm, creds, (g, a) => g.fs.list(at(a, path), a)),
    makeDirectory: (vm, creds, path, parents) => run('makeDirectory', vm, creds, (g, a) => g.fs.mkdir(at(a, path), a, { parents })),
    removeDirectory: (vm, creds, path, recursive) => run('removeDirectory', vm, creds, (g, a) => g.fs.rmdir(at(a, path), a, recursive)),
    removeFile: (vm, creds, path) => run('removeFile', vm, creds, (g, a) => g.fs.unlink(at(a, path), a)),
    move: (vm, creds, from, to, overwrite) => run('move', vm, creds, (g, a) => g.fs.rename(at(a, from), at(a, to), a, overwrite)),
    createTempFile: (vm, creds, opts) =>
      run('createTempFile', vm, creds, (g, a) =>
        g.fs.createTemp(a, { directory: at(a, opts.directory ?? '/tmp'), prefix: opts.prefix, suffix: opts.suffix, directoryOnly: opts.directoryOnly ?? false, random: host.random }),
      ),
    readFile: (vm, creds, path, offset, length) =>
      run('readFile', vm, creds, (g, a) => {
        if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
          throw simError('invalid_argument', `cannot read ${length} bytes at offset ${offset} of '${path}'`);
        }
        return g.fs.read(at(a, path), a, offset, length);
      }),
    writeFile: (vm, creds, path, data, opts) => run('writeFile', vm, creds, (g, a) => g.fs.write(at(a, path), a, data, opts)),
    environment: (vm, creds) => run('environment', vm, creds, (g, a) => g.environment(a)),
  };
}

/** Adds the VM to a file error's message. */
function withVm(e: unknown, vm: DriverVm): unknown {
  if (!isVmgateError(e) || e.message.includes(vm.name)) return e;
  return new VmgateError(e.kind, `${e.message} (in the guest of ${vm.name})`, {
    module: e.module,
    ...(e.reason ? { reason: e.reason } : {}),
    ...(e.details ? { details: e.details } : {}),
    cause: e,
  });
}

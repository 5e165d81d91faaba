/**
 * `vmgate vix <command> …`: a small `vmrun` over the VIX SDK (vmgate/vix, promise API),
 * for shell scripts that called vmrun: start, stop, reset, suspend, list, listRegistered,
 * runProgramInGuest, copyFileFromHostToGuest, copyFileFromGuestToHost, snapshot,
 * revertToSnapshot, deleteSnapshot. VMs are named by their .vmx path
 * (`"[ds0] web01/web01.vmx"`); the door and its trust are as for `vmgate exec`.
 */
import { Command, Option } from 'commander';
import type * as VixModule from '../../clients/vix/index.ts';
import type { VixHost, VixVm } from '../../clients/vix/index.ts';
import { CliError, EXIT_FAILURE, EXIT_UNAUTHENTICATED, reportError } from '../cli-error.ts';
import { readSecret } from '../prompt.ts';
import { type AuthdCliOptions, resolveAuthd, withAuthdOptions } from './exec.ts';

interface VixCliOptions extends AuthdCliOptions {
  readonly guestUser?: string;
}

type Action = (host: VixHost, args: string[], opts: VixCliOptions) => Promise<void>;

function sub(name: string, description: string, args: string, action: Action): Command {
  const cmd = new Command(name).description(description);
  for (const a of args.split(' ').filter(Boolean)) cmd.argument(a);
  return withAuthdOptions(cmd)
    .addOption(new Option('--guest-user <name>', 'guest account for guest operations (vmrun -gu)').env('VMGATE_GUEST_USER'))
    .action(async (...all: unknown[]) => {
      const cmdObj = all[all.length - 1] as Command;
      const opts = cmdObj.opts<VixCliOptions>();
      const positional = all.slice(0, -2).flat() as string[];
      try {
        await withHost(opts, (host) => action(host, positional, opts));
      } catch (e) {
        process.exitCode = reportError(e);
      }
    });
}

async function withHost(opts: VixCliOptions, f: (host: VixHost) => Promise<void>): Promise<void> {
  const vix = await import('../../clients/vix/index.ts');
  const t = await resolveAuthd(opts);
  let host: VixHost;
  try {
    host = await vix.connect({ host: t.host, port: t.port, user: t.user, password: t.password, ...(t.ca ? { ca: t.ca } : {}), ...(t.fingerprint ? { fingerprint: t.fingerprint } : {}), ...(t.insecure ? { insecure: true } : {}) });
  } catch (e) {
    throw cliErrorOf(e, vix);
  }
  try {
    await f(host);
  } catch (e) {
    throw cliErrorOf(e, vix);
  } finally {
    host.disconnect();
  }
}

function cliErrorOf(e: unknown, vix: typeof VixModule): unknown {
  if (e instanceof vix.VixError) return new CliError(`VIX_E_${e.code}`, e.message, e.code === vix.VIX_E_AUTHENTICATION_FAIL ? EXIT_UNAUTHENTICATED : EXIT_FAILURE);
  return e;
}

async function withVm(host: VixHost, vmx: string, f: (vm: VixVm) => Promise<void>): Promise<void> {
  const vm = await host.openVM(vmx);
  try {
    await f(vm);
  } finally {
    vm.release();
  }
}

async function guestLogin(vm: VixVm, opts: VixCliOptions): Promise<void> {
  if (!opts.guestUser) throw new CliError('INVALID_ARGUMENT', 'guest operations need --guest-user (and VMGATE_GUEST_PASSWORD or a prompt)', 2);
  const password = await readSecret({ fromStdin: false, envVar: 'VMGATE_GUEST_PASSWORD', prompt: `Guest password for ${opts.guestUser}: `, what: 'guest password' });
  await vm.loginInGuest(opts.guestUser, password);
}

export function vixCommand(): Command {
  const vix = new Command('vix').description('vmrun-style commands over the VIX SDK (vmgate/vix): VMs by .vmx path through the authd door');
  vix.addCommand(
    sub('start', 'power on (or resume) a VM', '<vmx>', (h, [vmx]) => withVm(h, vmx!, (vm) => vm.powerOn())),
  );
  vix.addCommand(
    sub('stop', "power off a VM ('soft': shut the guest down)", '<vmx> [mode]', (h, [vmx, mode]) => withVm(h, vmx!, (vm) => vm.powerOff({ fromGuest: mode === 'soft' }))),
  );
  vix.addCommand(sub('reset', "reset a VM ('soft': reboot the guest)", '<vmx> [mode]', (h, [vmx, mode]) => withVm(h, vmx!, (vm) => vm.reset({ fromGuest: mode === 'soft' }))));
  vix.addCommand(sub('suspend', 'suspend a VM', '<vmx>', (h, [vmx]) => withVm(h, vmx!, (vm) => vm.suspend())));
  vix.addCommand(
    sub('list', 'list the running VMs (as vmrun list)', '', async (h) => {
      const found: string[] = [];
      for await (const p of h.findItems()) found.push(p);
      process.stdout.write(`Total running VMs: ${found.length}\n${found.map((p) => p + '\n').join('')}`);
    }),
  );
  vix.addCommand(
    sub('listRegistered', 'list the registered VMs', '', async (h) => {
      const { VIX_FIND_REGISTERED_VMS } = await import('../../clients/vix/index.ts');
      const found: string[] = [];
      for await (const p of h.findItems(VIX_FIND_REGISTERED_VMS)) found.push(p);
      process.stdout.write(`Total registered VMs: ${found.length}\n${found.map((p) => p + '\n').join('')}`);
    }),
  );
  vix.addCommand(
    sub('runProgramInGuest', 'run a program in the guest (needs --guest-user); prints its output, exits 1 if it exits non-zero', '<vmx> <program> [args...]', (h, [vmx, program, ...args], opts) =>
      withVm(h, vmx!, async (vm) => {
        await guestLogin(vm, opts);
        const r = await vm.runProgram(program!, args);
        process.stdout.write(r.stdout);
        if (r.exitCode !== 0) throw new CliError('GUEST_PROGRAM_FAILED', `Guest program exited with non-zero exit code: ${r.exitCode}`, EXIT_FAILURE);
      }),
    ),
  );
  vix.addCommand(
    sub('copyFileFromHostToGuest', 'copy a file of this machine into the guest (needs --guest-user)', '<vmx> <hostPath> <guestPath>', (h, [vmx, from, to], opts) =>
      withVm(h, vmx!, async (vm) => {
        await guestLogin(vm, opts);
        await vm.copyFileFromHostToGuest(from!, to!);
      }),
    ),
  );
  vix.addCommand(
    sub('copyFileFromGuestToHost', 'copy a guest file to this machine (needs --guest-user)', '<vmx> <guestPath> <hostPath>', (h, [vmx, from, to], opts) =>
      withVm(h, vmx!, async (vm) => {
        await guestLogin(vm, opts);
        await vm.copyFileFromGuestToHost(from!, to!);
      }),
    ),
  );
  vix.addCommand(
    sub('snapshot', 'take a snapshot', '<vmx> <name>', (h, [vmx, name]) =>
      withVm(h, vmx!, async (vm) => {
        (await vm.createSnapshot(name!)).release();
      }),
    ),
  );
  vix.addCommand(
    sub('revertToSnapshot', 'revert to a snapshot (by name, or a/b down the tree)', '<vmx> <name>', (h, [vmx, name]) =>
      withVm(h, vmx!, async (vm) => {
        const s = vm.namedSnapshot(name!);
        try {
          await vm.revertToSnapshot(s);
        } finally {
          s.release();
        }
      }),
    ),
  );
  vix.addCommand(
    sub('deleteSnapshot', 'remove a snapshot', '<vmx> <name>', (h, [vmx, name]) =>
      withVm(h, vmx!, async (vm) => {
        const s = vm.namedSnapshot(name!);
        try {
          await vm.removeSnapshot(s);
        } finally {
          s.release();
        }
      }),
    ),
  );
  return vix;
}

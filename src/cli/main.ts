import { Command } from 'commander';
import type { CommanderError } from 'commander';
import { VERSION } from '../server/version.ts';
import { EXIT_USAGE } from './exit-codes.ts';

/**
 * The commands in help order, each module loaded only when needed: a command loads its own
 * module (and the client or server code behind it), the full help or an unknown command
 * loads them all, `--version` none. Start-up stays small.
 */
const COMMANDS: ReadonlyArray<readonly [name: string, load: () => Promise<Command>]> = [
  ['serve', async () => (await import('./serve-command.ts')).serveCommand()],
  ['login', async () => (await import('./commands/login.ts')).loginCommand()],
  ['logout', async () => (await import('./commands/login.ts')).logoutCommand()],
  ['vm', async () => (await import('./commands/vm.ts')).vmCommand()],
  ['host', async () => (await import('./commands/host.ts')).hostCommand()],
  ['datacenter', async () => (await import('./commands/host.ts')).datacenterCommand()],
  ['cluster', async () => (await import('./commands/host.ts')).clusterCommand()],
  ['datastore', async () => (await import('./commands/host.ts')).datastoreCommand()],
  ['task', async () => (await import('./commands/task.ts')).taskCommand()],
  ['guest', async () => (await import('./commands/guest.ts')).guestCommand()],
  ['user', async () => (await import('./commands/user.ts')).userCommand()],
  ['pool', async () => (await import('./commands/pool.ts')).poolCommand()],
  ['exec', async () => (await import('./commands/exec.ts')).execCommand()],
  ['vix', async () => (await import('./commands/vix.ts')).vixCommand()],
  ['desktop', async () => (await import('./commands/desktop.ts')).desktopCommand()],
  ['rdv', async () => (await import('./commands/rdv.ts')).rdvCommand()],
];

const first = process.argv[2];
const wanted = COMMANDS.filter(([name]) => name === first);
const loading = first === '--version' || first === '-V' ? [] : wanted.length > 0 ? wanted : COMMANDS;
const commands = await Promise.all(loading.map(([, load]) => load()));

const program = new Command('vmgate')
  .description('vmgate: a self-hosted virtualization manager with vSphere, View, vmserverd/VIX and RDV faces')
  .version(VERSION);
for (const c of commands) program.addCommand(c);
const clientCommands = commands.filter((c) => c.name() !== 'serve');

/**
 * Usage errors of the client commands: `vmgate: INVALID_ARGUMENT: <what>` and exit 2;
 * --help and --version exit 0. (`serve` keeps commander's defaults.)
 */
function usageExit(err: CommanderError): never {
  process.exit(err.exitCode === 0 ? 0 : EXIT_USAGE);
}
function configureUsage(cmd: Command): void {
  cmd
    .exitOverride(usageExit)
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({ outputError: (str, write) => write(`vmgate: INVALID_ARGUMENT: ${str.replace(/^error: /, '')}`) });
  for (const sub of cmd.commands) configureUsage(sub);
}
program.exitOverride(usageExit);
for (const c of clientCommands) configureUsage(c);

await program.parseAsync(process.argv);

import { Command } from 'commander';
import type { CommanderError } from 'commander';
import { VERSION } from '../server/version.ts';
import { EXIT_USAGE } from './cli-error.ts';
import { execCommand } from './commands/exec.ts';
import { guestCommand } from './commands/guest.ts';
import { clusterCommand, datacenterCommand, datastoreCommand, hostCommand } from './commands/host.ts';
import { loginCommand, logoutCommand } from './commands/login.ts';
import { poolCommand } from './commands/pool.ts';
import { taskCommand } from './commands/task.ts';
import { userCommand } from './commands/user.ts';
import { vmCommand } from './commands/vm.ts';
import { serveCommand } from './serve-command.ts';

const program = new Command('vmgate')
  .description('vmgate: a self-hosted virtualization manager with vSphere, View, vmserverd/VIX and RDV faces')
  .version(VERSION);
program.addCommand(serveCommand());

const clientCommands = [
  loginCommand(),
  logoutCommand(),
  vmCommand(),
  hostCommand(),
  datacenterCommand(),
  clusterCommand(),
  datastoreCommand(),
  taskCommand(),
  guestCommand(),
  userCommand(),
  poolCommand(),
  execCommand(),
];
for (const c of clientCommands) program.addCommand(c);

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

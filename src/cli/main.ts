import { Command } from 'commander';
import { VERSION } from '../server/version.ts';
import { serveCommand } from './serve-command.ts';

const program = new Command('vmgate')
  .description('vmgate: a self-hosted virtualization manager with vSphere, View, vmserverd/VIX and RDV faces')
  .version(VERSION);
program.addCommand(serveCommand());
await program.parseAsync(process.argv);

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { SERVE_OPTIONS, resolveServeConfig } from '../server/config.ts';
import { VERSION } from '../server/version.ts';

/**
 * `vmgate serve`: flags come from the one options table in src/server/config.ts. The
 * server itself is imported when serve runs, so the client commands start fast.
 */
export function serveCommand(): Command {
  const cmd = new Command('serve').description('run vmgate: the faces, the task engine and the hypervisor drivers');
  for (const o of SERVE_OPTIONS) {
    const flag = o.kind === 'bool' ? o.flag : `${o.flag} <${o.kind === 'enum' ? o.values!.join('|') : o.kind === 'port' ? 'port' : 'value'}>`;
    const opt = new Option(flag, `${o.help} [env ${o.env}]${o.def !== null && o.kind !== 'bool' ? ` (default: ${String(o.def)})` : ''}`);
    cmd.addOption(opt);
  }
  cmd.option('--config <file>', 'JSON config file with the same keys [env VMGATE_CONFIG]');
  cmd.action(async (flags: Record<string, unknown>) => {
    let config;
    try {
      config = resolveServeConfig(flags, process.env, flags.config as string | undefined);
    } catch (e) {
      process.stderr.write(`vmgate: ${(e as Error).message}\n`);
      process.exit(2);
    }
    const out = process.stdout;
    out.write(`vmgate ${VERSION} starting (data directory ${config.dataDir}, driver ${config.driver})\n`);
    let server;
    try {
      const { startServer } = await import('../server/serve.ts');
      server = await startServer(config, { logToStderr: true });
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      const why = err.code === 'EADDRINUSE' ? `a port is already in use (${err.message}); choose others with --https-port / --authd-port` : err.message;
      process.stderr.write(`vmgate: could not start: ${why}\n`);
      process.exit(1);
    }
    const { urls } = server;
    const lines = [
      '',
      ...server.faces.map((f) => `  ${f.title.padEnd(24)} ${[...f.paths.map((p) => urls.https + p), ...(f.port !== null ? [`tcp ${config.host}:${f.port}${f.tcpNote ? ` (${f.tcpNote})` : ''}`] : [])].join('  ')}`),
      `  ${'Health'.padEnd(24)} ${urls.https}/healthz`,
      ...(urls.http ? [`  ${'Plain HTTP (loopback)'.padEnd(24)} ${urls.http}`] : []),
      `  ${'TLS certificate SHA-256'.padEnd(24)} ${server.tlsFingerprint}`,
      ...(server.accelerator ? [`  ${'QEMU accelerator'.padEnd(24)} ${server.accelerator.name} (${server.accelerator.reason})`] : []),
      '',
    ];
    const inv = server.localInventory;
    if (inv) {
      lines.push(
        `  First start: created datacenter '${inv.datacenter}', host '${inv.host}' (this machine: ${inv.hostCpus} CPUs, ${(inv.hostMemoryMiB / 1024).toFixed(1)} GiB)`,
        `  and datastore '${inv.datastore}' at ${inv.datastorePath}. Add more: vmgate datastore add NAME /absolute/path`,
        '',
      );
    }
    const passwordFile = join(config.dataDir, 'initial-admin-password');
    if (server.adminPassword) {
      lines.push(`  First start: user 'administrator' was created with password`, ``, `      ${server.adminPassword}`, ``, `  It is shown once; it is also in ${passwordFile} (mode 0600).`);
    } else {
      // Not the start that generated a password: say where one is, and the way back in.
      lines.push(
        `  Log in as 'administrator'${existsSync(passwordFile) ? ` (the password generated on the first start is in ${passwordFile})` : ''}.`,
        `  Forgot the password? vmgate user set-password administrator --data-dir ${config.dataDir}`,
      );
    }
    if (config.demo) {
      lines.push(server.demoPassword ? `  Demo desktop user 'demo', password: ${server.demoPassword} (shown once)` : `  Demo desktop user 'demo' (password from VMGATE_DEMO_PASSWORD or the first start's output).`);
    }
    lines.push(`  CLI: vmgate login --server ${urls.https} --ca ${join(config.dataDir, 'tls', 'server.crt')}`);
    lines.push(`  Try: curl -k -u administrator:<password> -X POST ${urls.https}/api/session`, '', '  Ctrl-C stops vmgate (running tasks are given time to finish).', '');
    out.write(lines.join('\n') + '\n');
    let stopping = false;
    const stop = (sig: string): void => {
      if (stopping) {
        process.stderr.write('vmgate: second signal, exiting now\n');
        process.exit(130);
      }
      stopping = true;
      out.write(`vmgate: ${sig} received, stopping (letting running tasks finish)\n`);
      server.close(15_000).then(
        () => {
          out.write('vmgate: stopped\n');
          process.exit(0);
        },
        (e) => {
          process.stderr.write(`vmgate: error while stopping: ${(e as Error).message}\n`);
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
  return cmd;
}

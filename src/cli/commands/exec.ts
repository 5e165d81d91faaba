/**
 * `vmgate exec <op> [--in '<xml>']`: one vmserverd exec request through the authd door
 * (banner, TLS, USER/PASS, `EXEC`), printing the reply's `<out>` (or its values as JSON).
 * The door is the server's host on --authd-port (8902); the certificate is trusted as for
 * the other commands (--ca, --fingerprint, --insecure, else what `vmgate login` stored).
 */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { VmserverdClient, VmserverdConnectionError, VmserverdError, elementToValue, renderElement } from '../../clients/vmserverd/index.ts';
import { CliError, EXIT_FAILURE, EXIT_UNAUTHENTICATED, reportError, usageError } from '../cli-error.ts';
import { DEFAULT_SERVER, DEFAULT_USER } from '../client-from-options.ts';
import { KnownServers } from '../known-servers.ts';
import { readSecret } from '../prompt.ts';

/** The options every command through the authd door takes (exec, vix). */
export interface AuthdCliOptions {
  readonly server?: string;
  readonly authdPort: string;
  readonly user: string;
  readonly passwordStdin?: boolean;
  readonly ca?: string;
  readonly fingerprint?: string;
  readonly insecure?: boolean;
}

interface ExecOptions extends AuthdCliOptions {
  readonly in?: string;
  readonly json?: boolean;
}

/** Adds the door's options: --server, --authd-port, --user, --password-stdin, --ca, --fingerprint, --insecure. */
export function withAuthdOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--server <url>', `vmgate server (its host is the door's; default: the last server logged in to, else ${DEFAULT_SERVER})`).env('VMGATE_SERVER'))
    .addOption(new Option('--authd-port <port>', 'the authd/vmserverd port').env('VMGATE_AUTHD_PORT').default('8902'))
    .addOption(new Option('--user <name>', 'user name').env('VMGATE_USER').default(DEFAULT_USER))
    .option('--password-stdin', 'read the password from the first line of stdin (else VMGATE_PASSWORD, else a prompt)')
    .addOption(new Option('--ca <file>', 'trust this PEM certificate').env('VMGATE_CA'))
    .option('--fingerprint <sha256>', 'trust exactly the certificate with this SHA-256 fingerprint')
    .option('--insecure', 'skip TLS certificate verification');
}

/** Where the door is, how to trust it, and the password (read from stdin, VMGATE_PASSWORD or a prompt). */
export async function resolveAuthd(opts: AuthdCliOptions): Promise<{ host: string; port: number; ca?: string; fingerprint?: string; insecure?: boolean; user: string; password: string }> {
  const known = new KnownServers();
  const server = opts.server ?? (await known.defaultServer()) ?? DEFAULT_SERVER;
  let host: string;
  try {
    host = new URL(server).hostname.replace(/^\[|\]$/g, '');
  } catch {
    throw usageError(`--server '${server}' is not a URL`);
  }
  const port = Number(opts.authdPort);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw usageError(`--authd-port '${opts.authdPort}' is not a port`);
  let ca: string | undefined;
  let fingerprint = opts.fingerprint;
  if (opts.ca) {
    try {
      ca = readFileSync(opts.ca, 'utf8');
    } catch (e) {
      throw usageError(`--ca ${opts.ca}: ${(e as Error).message}`);
    }
  } else if (!fingerprint && !opts.insecure) {
    const stored = await known.trust(server);
    ca = stored?.ca;
    fingerprint = stored?.fingerprint256;
  }
  const password = await readSecret({ fromStdin: opts.passwordStdin, envVar: 'VMGATE_PASSWORD', prompt: `Password for ${opts.user} at ${host}:${port}: `, what: 'password' });
  return { host, port, ...(ca ? { ca } : {}), ...(fingerprint ? { fingerprint } : {}), ...(opts.insecure ? { insecure: true } : {}), user: opts.user, password };
}

export function execCommand(): Command {
  return withAuthdOptions(new Command('exec')
    .description("run one vmserverd exec operation through the authd door (VMServerd_GetOperationTable lists them); prints the reply's <out>")
    .argument('<op>', 'operation name, e.g. inc, VM_INFO, VMServerd_GetOperationTable')
    .option('--in <xml>', "the content of <in>, e.g. '<number>42</number>'")
    .option('--json', "print <out>'s values as JSON"),
  ).action(async (op: string, opts: ExecOptions) => {
    try {
      await run(op, opts);
    } catch (e) {
      process.exitCode = reportError(e);
    }
  });
}

async function run(op: string, opts: ExecOptions): Promise<void> {
  const { host, port, ca, fingerprint, password } = await resolveAuthd(opts);
  let client: VmserverdClient;
  try {
    client = await VmserverdClient.connect({ host, port, ...(ca ? { ca } : {}), ...(fingerprint ? { fingerprint } : {}), ...(opts.insecure ? { insecure: true } : {}) });
  } catch (e) {
    throw new CliError('SERVICE_UNAVAILABLE', `cannot reach the authd door at ${host}:${port}: ${(e as Error).message}`, EXIT_FAILURE);
  }
  try {
    try {
      await client.login(opts.user, password);
    } catch (e) {
      if (e instanceof VmserverdConnectionError && e.line?.startsWith('530')) throw new CliError('UNAUTHENTICATED', `${e.line}`, EXIT_UNAUTHENTICATED);
      throw e;
    }
    let out;
    try {
      out = await client.exec(op, opts.in ?? '');
    } catch (e) {
      if (e instanceof VmserverdError) throw new CliError(e.code.toUpperCase(), e.message, e.code === 'not_authenticated' ? EXIT_UNAUTHENTICATED : EXIT_FAILURE);
      throw e;
    }
    if (opts.json) process.stdout.write(JSON.stringify(out ? elementToValue(out) : '', null, 2) + '\n');
    else process.stdout.write((out ? renderElement(out) : '<out></out>') + '\n');
    await client.quit().catch(() => undefined);
  } finally {
    client.close();
  }
}

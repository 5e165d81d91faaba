/**
 * `vmgate rdv get|start|place <name>`: the RDV SOAP face through the `vmgate/rdv` client.
 * RDV authenticates every request with HTTP Basic, so these commands do not use the
 * session `vmgate login` stores: the user is `--user` (VMGATE_USER, default
 * administrator), the password VMGATE_PASSWORD. The server is `--server` (VMGATE_SERVER,
 * default https://localhost:8443), its certificate checked against `--ca` or the system's CAs.
 */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { RdvClient, RdvFault, type NameType } from '../../clients/rdv/index.ts';
import { EXIT_FAILURE, EXIT_UNAUTHENTICATED, EXIT_USAGE } from '../exit-codes.ts';

interface RdvOptions {
  readonly server?: string;
  readonly ca?: string;
  readonly user?: string;
  readonly type: 'name' | 'guid' | 'fqdn';
  readonly replyTo?: string;
  readonly json?: boolean;
}

const TYPES: Readonly<Record<RdvOptions['type'], NameType>> = { name: 'VM_NAME', guid: 'GUID', fqdn: 'COMPUTER_NAME_FQDN' };

export function rdvCommand(): Command {
  const cmd = new Command('rdv').description('the RDV custom-VDI SOAP service: GetVM, StartVM, PlaceVM (HTTP Basic: VMGATE_USER / VMGATE_PASSWORD)');
  const sub = (name: string, description: string, run: (c: RdvClient, vm: string, type: NameType, o: RdvOptions) => Promise<string>) => {
    const c = new Command(name)
      .description(description)
      .argument('<vm>', 'the VM: its name, GUID or guest FQDN (see --type)')
      .addOption(new Option('--type <type>', 'what <vm> is').choices(['name', 'guid', 'fqdn']).default('name'))
      .option('--server <url>', 'the vmgate server (default: VMGATE_SERVER or https://localhost:8443)')
      .option('--ca <file>', 'PEM certificate to trust for the server')
      .option('--user <name>', 'the vmgate user (default: VMGATE_USER or administrator)')
      .option('--json', 'print JSON');
    if (name !== 'get') c.option('--reply-to <url>', 'a JobUpdated callback address (the server must allow it)');
    return c.action(async (vm: string, o: RdvOptions) => {
      process.exitCode = await runRdv(o, async (client) => run(client, vm, TYPES[o.type], o));
    });
  };
  cmd.addCommand(
    sub('get', 'GetVM: state, host, host type and GUID of a VM', async (c, vm, type, o) => {
      const r = await c.getVm(vm, type);
      if (o.json) return JSON.stringify(r, null, 2);
      if (r.ErrorID !== 'ERROR_VM_SUCCESS') throw new RdvCliError(r.ErrorID, r.DetailedErrorString ?? '');
      return (r.VMList ?? []).map((v) => `${v.Name}  ${v.ID}  ${v.Status}  ${v.HostType}  ${v.HostFQDN ?? '-'}`).join('\n');
    }),
  );
  cmd.addCommand(sub('start', 'StartVM: start the VM (placing it first if it must); prints the job GUID', async (c, vm, type, o) => fmtJob(await c.startVm(vm, type, o.replyTo), o)));
  cmd.addCommand(sub('place', 'PlaceVM: move a library VM onto a host; prints the job GUID', async (c, vm, type, o) => fmtJob(await c.placeVm(vm, type, o.replyTo), o)));
  return cmd;
}

function fmtJob(id: string, o: RdvOptions): string {
  return o.json ? JSON.stringify({ job: id }) : `job ${id}`;
}

class RdvCliError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function runRdv(o: RdvOptions, fn: (c: RdvClient) => Promise<string>): Promise<number> {
  const password = process.env.VMGATE_PASSWORD;
  if (!password) {
    process.stderr.write('vmgate: UNAUTHENTICATED: set VMGATE_PASSWORD (rdv commands authenticate every request with HTTP Basic)\n');
    return EXIT_UNAUTHENTICATED;
  }
  let ca: string | undefined;
  try {
    ca = o.ca ? readFileSync(o.ca, 'utf8') : undefined;
  } catch (e) {
    process.stderr.write(`vmgate: INVALID_ARGUMENT: --ca ${o.ca}: ${(e as Error).message}\n`);
    return EXIT_USAGE;
  }
  const server = (o.server ?? process.env.VMGATE_SERVER ?? 'https://localhost:8443').replace(/\/+$/, '');
  const host = URL.canParse(server) ? new URL(server).hostname : '';
  const client = new RdvClient({ url: `${server}/RDV`, user: o.user ?? process.env.VMGATE_USER ?? 'administrator', password, ...(ca ? { ca } : {}), ...(ca && /^[\d.]+$/.test(host) ? { servername: 'localhost' } : {}) });
  try {
    process.stdout.write((await fn(client)) + '\n');
    return 0;
  } catch (e) {
    if (e instanceof RdvFault) {
      process.stderr.write(`vmgate: ${e.vmError ?? (e.httpStatus === 401 ? 'UNAUTHENTICATED' : 'SOAP_FAULT')}: ${e.faultString}\n`);
      return e.httpStatus === 401 ? EXIT_UNAUTHENTICATED : EXIT_FAILURE;
    }
    if (e instanceof RdvCliError) {
      process.stderr.write(`vmgate: ${e.code}: ${e.message}\n`);
      return EXIT_FAILURE;
    }
    process.stderr.write(`vmgate: ERROR: ${(e as Error).message}\n`);
    return EXIT_FAILURE;
  }
}

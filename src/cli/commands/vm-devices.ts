/**
 * `vmgate vm nic ls|add|rm|connect|disconnect`, `vmgate vm serial ls|add|rm` and
 * `vmgate vm tools` over com.vmware.vcenter.vm.hardware.ethernet / .serial and
 * com.vmware.vcenter.vm.tools. Devices are named by their vSphere key (4000, 9001) as
 * `ls` shows it. Adding and removing needs the VM off; connect / disconnect needs it on.
 */
import { Command, Option } from 'commander';
import type { VmHardwareEthernetCreateSpec, VmHardwareEthernetInfo, VmHardwareSerialInfo } from '../../clients/vapi/index.ts';
import { usageError } from '../cli-error.ts';
import { clientAction } from '../client-command.ts';
import { resolveVm } from '../resolve-vm.ts';
import { parseDatastoreFile } from './datastore-files.ts';

const NIC_TYPES: Readonly<Record<string, VmHardwareEthernetCreateSpec['type']>> = { virtio: 'VIRTIO', e1000: 'E1000', e1000e: 'E1000E', vmxnet3: 'VMXNET3' };

const yesNo = (b: boolean): string => (b ? 'yes' : 'no');
const state = (s: string): string => (s === 'CONNECTED' ? 'connected' : 'not connected');

export function vmNicCommand(): Command {
  const nic = new Command('nic').description("a VM's network adapters");

  nic.addCommand(
    clientAction(new Command('ls').description('list the network adapters').argument('<vm>', 'VM id or name'), async ({ client, out }, [ref]) => {
      const { id } = await resolveVm(client, ref as string);
      const keys = await client.hardware.ethernet.list(id);
      const rows: (VmHardwareEthernetInfo & { nic: string })[] = [];
      for (const { nic: key } of keys) rows.push({ nic: key, ...(await client.hardware.ethernet.get(id, key)) });
      out.table(rows, [
        { header: 'NIC', value: (n) => n.nic },
        { header: 'TYPE', value: (n) => n.type },
        { header: 'MAC', value: (n) => n.mac_address },
        { header: 'NETWORK', value: (n) => n.backing.network_name ?? n.backing.network },
        { header: 'AT POWER ON', value: (n) => (n.start_connected ? 'connected' : 'not connected') },
        { header: 'NOW', value: (n) => state(n.state) },
      ]);
    }),
  );

  interface AddOptions {
    readonly network: string;
    readonly type?: string;
    readonly mac?: string;
    readonly disconnected?: boolean;
  }
  const add = new Command('add')
    .description('add a network adapter (VM powered off)')
    .argument('<vm>', 'VM id or name')
    .requiredOption('--network <name>', "'nat' (the host's 'VM Network'), 'isolated' or 'bridge:<linux bridge>'")
    .addOption(new Option('--type <type>', 'adapter model (default vmxnet3)').choices(Object.keys(NIC_TYPES)))
    .option('--mac <address>', 'this MAC address (unique in the inventory) instead of a generated one')
    .option('--disconnected', 'not connected at power on');
  nic.addCommand(
    clientAction<AddOptions>(add, async ({ client, out }, [ref], opts) => {
      const { id } = await resolveVm(client, ref as string);
      const network = /^(nat|VM Network)$/i.test(opts.network) ? undefined : opts.network;
      if (network !== undefined && !/^isolated$/i.test(network) && !/^bridge:/i.test(network) && !/^network-\d+$/.test(network)) {
        throw usageError(`--network '${opts.network}': use nat, isolated or bridge:<linux bridge>`);
      }
      const spec: VmHardwareEthernetCreateSpec = {
        ...(opts.type ? { type: NIC_TYPES[opts.type] } : {}),
        ...(opts.mac ? { mac_type: 'MANUAL' as const, mac_address: opts.mac } : {}),
        backing: { type: 'STANDARD_PORTGROUP', ...(network !== undefined ? { network } : {}) },
        start_connected: !opts.disconnected,
      };
      const key = await client.hardware.ethernet.create(id, spec);
      const info = await client.hardware.ethernet.get(id, key);
      out.result(`added NIC ${key} (${info.type}, ${info.mac_address ?? 'no MAC'}, ${info.backing.network_name ?? info.backing.network}) to ${id}`, { vm: id, nic: key, ...info });
    }),
  );

  nic.addCommand(
    clientAction(new Command('rm').description('remove a network adapter (VM powered off)').argument('<vm>', 'VM id or name').argument('<nic>', 'NIC key (4000) as `nic ls` shows it'), async ({ client, out }, [ref, key]) => {
      const { id } = await resolveVm(client, ref as string);
      await client.hardware.ethernet.delete(id, key as string);
      out.result(`removed NIC ${key as string} from ${id}`, { vm: id, nic: key, removed: true });
    }),
  );

  for (const [name, connect] of [['connect', true], ['disconnect', false]] as const) {
    const cmd = new Command(name)
      .description(`${connect ? 'plug in' : 'unplug'} a network adapter's cable (VM running; also its state at the next power on)`)
      .argument('<vm>', 'VM id or name')
      .argument('<nic>', 'NIC key (4000) as `nic ls` shows it');
    nic.addCommand(
      clientAction(cmd, async ({ client, out }, [ref, key]) => {
        const { id } = await resolveVm(client, ref as string);
        if (connect) await client.hardware.ethernet.connect(id, key as string);
        else await client.hardware.ethernet.disconnect(id, key as string);
        out.result(`${connect ? 'connected' : 'disconnected'} NIC ${key as string} of ${id}`, { vm: id, nic: key, connected: connect });
      }),
    );
  }
  return nic;
}

function serialWhere(p: VmHardwareSerialInfo): string {
  const b = p.backing;
  return b.file ?? b.network_location ?? b.pipe ?? b.host_device ?? '-';
}

export function vmSerialCommand(): Command {
  const serial = new Command('serial').description("a VM's serial ports");

  serial.addCommand(
    clientAction(new Command('ls').description('list the serial ports').argument('<vm>', 'VM id or name'), async ({ client, out }, [ref]) => {
      const { id } = await resolveVm(client, ref as string);
      const rows: (VmHardwareSerialInfo & { port: string })[] = [];
      for (const { port } of await client.hardware.serial.list(id)) rows.push({ port, ...(await client.hardware.serial.get(id, port)) });
      out.table(rows, [
        { header: 'PORT', value: (p) => p.port },
        { header: 'LABEL', value: (p) => p.label },
        { header: 'BACKING', value: (p) => p.backing.type },
        { header: 'TO', value: serialWhere },
        { header: 'AT POWER ON', value: (p) => (p.start_connected ? 'connected' : 'not connected') },
      ]);
    }),
  );

  interface AddOptions {
    readonly file?: string;
    readonly tcp?: string;
    readonly disconnected?: boolean;
  }
  const add = new Command('add')
    .description('add a serial port (VM powered off): the guest\'s output to a datastore file, or a TCP server on the host\'s loopback')
    .argument('<vm>', 'VM id or name')
    .option('--file <file>', "a datastore file: '[datastore] path' or DATASTORE:PATH")
    .option('--tcp <port>', 'serve the port on 127.0.0.1:<port> (1024-65535)')
    .option('--disconnected', 'not connected at power on');
  serial.addCommand(
    clientAction<AddOptions>(add, async ({ client, out }, [ref], opts) => {
      if ((opts.file === undefined) === (opts.tcp === undefined)) throw usageError('give one of --file or --tcp');
      let backing: { type: 'FILE'; file: string } | { type: 'NETWORK_SERVER'; network_location: string };
      if (opts.file !== undefined) {
        const f = parseDatastoreFile(opts.file);
        if (!f) throw usageError(`--file '${opts.file}': write '[datastore] path' or DATASTORE:PATH`);
        backing = { type: 'FILE', file: `[${f.datastore}] ${f.path}` };
      } else {
        if (!/^\d{1,5}$/.test(opts.tcp!)) throw usageError(`--tcp '${opts.tcp}': a port number`);
        backing = { type: 'NETWORK_SERVER', network_location: `tcp://127.0.0.1:${Number(opts.tcp)}` };
      }
      const { id } = await resolveVm(client, ref as string);
      const port = await client.hardware.serial.create(id, { backing, start_connected: !opts.disconnected });
      const info = await client.hardware.serial.get(id, port);
      out.result(`added serial port ${port} (${info.label}, ${serialWhere(info)}) to ${id}`, { vm: id, port, ...info });
    }),
  );

  serial.addCommand(
    clientAction(new Command('rm').description('remove a serial port (VM powered off)').argument('<vm>', 'VM id or name').argument('<port>', 'port key (9000) as `serial ls` shows it'), async ({ client, out }, [ref, port]) => {
      const { id } = await resolveVm(client, ref as string);
      await client.hardware.serial.delete(id, port as string);
      out.result(`removed serial port ${port as string} from ${id}`, { vm: id, port, removed: true });
    }),
  );
  return serial;
}

export function vmToolsCommand(): Command {
  const cmd = new Command('tools').description("the state of a VM's tools").argument('<vm>', 'VM id or name');
  return clientAction(cmd, async ({ client, out }, [ref]) => {
    const { id } = await resolveVm(client, ref as string);
    const t = await client.tools.get(id);
    out.details(
      [
        ['VM', id],
        ['Running', yesNo(t.run_state === 'RUNNING')],
        ['Version status', t.version_status ?? 'unknown'],
        ['Install type', t.install_type ?? '-'],
        ['Upgrade policy', t.upgrade_policy],
      ],
      { vm: id, ...t },
    );
  });
}

/**
 * `vmgate vm port-forward ls|add|rm VM`: host ports forwarded into a VM on a nat network
 * (com.vmgate.vm.port_forwards). `add VM 2222:22` forwards 127.0.0.1:2222 to the guest's
 * port 22; `--address 0.0.0.0` listens on every address of the host, `--udp` forwards UDP.
 */
import { Command } from 'commander';
import type { VmgatePortForwardInfo } from '../../clients/vapi/index.ts';
import { usageError } from '../cli-error.ts';
import { clientAction } from '../client-command.ts';
import { resolveVm } from '../resolve-vm.ts';

export function vmPortForwardCommand(): Command {
  const cmd = new Command('port-forward').description('host ports forwarded into a VM on a nat network');
  cmd.addCommand(
    clientAction(new Command('ls').description('list the port forwards of a VM').argument('<vm>', 'VM id (vm-12) or name'), async ({ client, out }, [ref]) => {
      const { id } = await resolveVm(client, ref as string);
      out.table<VmgatePortForwardInfo>(await client.vmgate.portForwards.list(id), [
        { header: 'FORWARD', value: (f) => f.port_forward },
        { header: 'PROTOCOL', value: (f) => f.protocol.toLowerCase() },
        { header: 'HOST', value: (f) => `${f.host_address.includes(':') ? `[${f.host_address}]` : f.host_address}:${f.host_port}` },
        { header: 'GUEST PORT', value: (f) => f.guest_port, align: 'right' },
      ]);
    }),
  );
  cmd.addCommand(
    clientAction<{ udp?: boolean; address?: string }>(
      new Command('add')
        .description('forward HOST_PORT of this machine to GUEST_PORT of the VM (127.0.0.1 unless --address)')
        .argument('<vm>', 'VM id (vm-12) or name')
        .argument('<ports>', 'HOST_PORT:GUEST_PORT, e.g. 2222:22')
        .option('--udp', 'forward UDP instead of TCP')
        .option('--address <address>', 'host address to listen on (default 127.0.0.1; 0.0.0.0 = every address)'),
      async ({ client, out }, [ref, ports], opts) => {
        const m = /^(\d{1,5}):(\d{1,5})$/.exec(ports as string);
        if (!m) throw usageError(`'${ports as string}': give HOST_PORT:GUEST_PORT, e.g. 2222:22`);
        const { id, name = id } = await resolveVm(client, ref as string);
        const address = opts.address ?? '127.0.0.1';
        const r = await client.vmgate.portForwards.create(id, { protocol: opts.udp ? 'UDP' : 'TCP', host_port: Number(m[1]), guest_port: Number(m[2]), host_address: address });
        const host = `${address.includes(':') ? `[${address}]` : address}:${m[1]}`;
        out.result(`forwarded ${opts.udp ? 'udp' : 'tcp'} ${host} to port ${m[2]} of ${name} (${r.port_forward})${pendingNote(name, r.pending_until_power_on)}`, r);
      },
    ),
  );
  cmd.addCommand(
    clientAction(
      new Command('rm').description('remove a port forward').argument('<vm>', 'VM id (vm-12) or name').argument('<forward>', 'its id as ls shows it (tcp-2222), or the host port (2222: tcp)'),
      async ({ client, out }, [ref, forward]) => {
        const { id, name = id } = await resolveVm(client, ref as string);
        const fid = /^\d+$/.test(forward as string) ? `tcp-${forward as string}` : (forward as string);
        const r = await client.vmgate.portForwards.delete(id, fid);
        out.result(`removed ${r.port_forward} from ${name}${pendingNote(name, r.pending_until_power_on)}`, r);
      },
    ),
  );
  return cmd;
}

function pendingNote(name: string, pending: boolean): string {
  return pending ? `\n(${name} is running: the change applies when it is next powered on)` : '';
}

/**
 * `vmgate vm console VM`: the console of a running VM for a viewer of your own — a
 * `vnc://` URL with a one-time password (good for one connection within a minute), or
 * with `--websocket` a one-time `wss://` URL to vmgate's WebSocket console proxy (the
 * vSphere console ticket, for noVNC and other WebSocket VNC clients).
 */
import { Command } from 'commander';
import { clientAction } from '../client-command.ts';
import { resolveVm } from '../resolve-vm.ts';

export function vmConsoleCommand(): Command {
  const cmd = new Command('console')
    .description('print a one-time vnc:// URL (with password) for a running VM’s console; --websocket: a one-time wss:// URL instead')
    .argument('<vm>', 'VM id (vm-12) or name')
    .option('--websocket', 'a wss:// URL to the WebSocket console proxy (vSphere console ticket) instead of vnc://');
  return clientAction<{ websocket?: boolean }>(cmd, async ({ client, out }, [ref], opts) => {
    const { id } = await resolveVm(client, ref as string);
    if (opts.websocket) {
      const { ticket } = await client.console.tickets.create(id, { type: 'WEBMKS' });
      out.result(`${ticket}\n(one connection, within a minute: RFB over WebSocket, no further password)`, { ticket });
      return;
    }
    const c = await client.vmgate.console.open(id);
    out.result(`${c.url}\npassword: ${c.password}   (VNC authentication, good for one connection within a minute)`, c);
  });
}

import { implement } from '../call.ts';
import { VmConsoleTicketsService, VmgateConsoleService } from '../../../protocols/vapi/types/index.ts';

/** The path of the WebSocket console proxy on the HTTPS port (src/faces/console). */
export const CONSOLE_PROXY_PATH = '/console/vnc';

/**
 * com.vmware.vcenter.vm.console.tickets: a one-time `wss://<base>/console/vnc/<ticket>`
 * for either type (VMRC clients cannot speak vmgate's consoles; WEBMKS clients get raw
 * RFB over WebSocket, as noVNC speaks it). Core checks VirtualMachine.Console and that the
 * VM runs.
 */
export const consoleTicketsHandlers = implement(VmConsoleTicketsService, {
  async create(call, { vm }) {
    const t = await call.core.consoles.issueProxyTicket(call.caller, vm);
    return { ticket: `${call.baseUrl.replace(/^http/, 'ws')}${CONSOLE_PROXY_PATH}/${t.ticket}` };
  },
});

/** com.vmgate.vm.console: address and one-time VNC password, for a VNC client of the user's own. */
export const vmgateConsoleHandlers = implement(VmgateConsoleService, {
  async open(call, { vm }) {
    const { endpoint: e } = await call.core.consoles.open(call.caller, vm);
    const host = e.host.includes(':') ? `[${e.host}]` : e.host;
    return { protocol: e.protocol, host: e.host, port: e.port, password: e.password, url: `vnc://:${encodeURIComponent(e.password)}@${host}:${e.port}` };
  },
});

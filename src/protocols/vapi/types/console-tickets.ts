/**
 * com.vmware.vcenter.vm.console.tickets: a one-time URI that opens a running VM's console.
 * vmgate answers both types with a `wss://` URL to its WebSocket console proxy (raw RFB
 * inside binary WebSocket messages, as noVNC speaks it; docs/faces/vapi.md).
 *
 * Structure and field names as the official bindings use them; fields and enum values as
 * in the vSphere 7.0.3 API (checked against the REST specs by test/protocols/vapi/codec).
 */
import type { Infer } from './vapi-type.ts';
import { enumT, id, struct, uri } from './vapi-type.ts';
import { operation, service } from './operation.ts';

export const VmConsoleTicketsType = enumT('com.vmware.vcenter.vm.console.tickets.type', ['VMRC', 'WEBMKS']);
export type VmConsoleTicketsType = Infer<typeof VmConsoleTicketsType>;

export const VmConsoleTicketsCreateSpec = struct('com.vmware.vcenter.vm.console.tickets.create_spec', {
  type: VmConsoleTicketsType,
});
export type VmConsoleTicketsCreateSpec = Infer<typeof VmConsoleTicketsCreateSpec>;

export const VmConsoleTicketsSummary = struct('com.vmware.vcenter.vm.console.tickets.summary', {
  ticket: uri(),
});
export type VmConsoleTicketsSummary = Infer<typeof VmConsoleTicketsSummary>;

export const VmConsoleTicketsService = service('com.vmware.vcenter.vm.console.tickets', {
  create: operation({
    input: { vm: id('VirtualMachine'), spec: VmConsoleTicketsCreateSpec },
    output: VmConsoleTicketsSummary,
    errors: ['error', 'not_allowed_in_current_state', 'not_found', 'resource_inaccessible', 'service_unavailable', 'unauthenticated', 'unauthorized'],
    rest: { method: 'POST', path: '/api/vcenter/vm/{vm}/console/tickets', status: 201, body: 'spec' },
  }),
});

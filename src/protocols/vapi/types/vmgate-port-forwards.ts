/**
 * com.vmgate.vm.port_forwards: host ports forwarded into a VM on a `nat` network (QEMU:
 * passt's `-t`/`-u`). A vmgate addition; REST under `/api/vmgate/vm/{vm}/port-forwards`.
 * Listing needs System.View on the VM, changes VirtualMachine.Config.
 *
 * Structures:
 * - `com.vmgate.vm.port_forwards.info` (list): `port_forward` id (`tcp-2222`: protocol and
 *   host port, unique on the host), `protocol` (TCP | UDP), `host_address`, `host_port`,
 *   `guest_port`.
 * - `com.vmgate.vm.port_forwards.create_spec`: `protocol?` (default TCP), `host_port`,
 *   `guest_port`, `host_address?` (default `127.0.0.1`: this machine only; `0.0.0.0` listens
 *   on every address and must be asked for).
 * - `com.vmgate.vm.port_forwards.change` (create and delete answer it): `port_forward`, and
 *   `pending_until_power_on`: true when the VM runs — its network keeps the forwards it
 *   started with until it is powered off and on.
 *
 * Errors: a host port another VM forwards is already_exists; one something else on the
 * host listens on is resource_busy; a port below 1024 vmgate may not bind, an address not
 * of this host, or a bad port number is invalid_argument; delete of an unknown id is
 * not_found; a VM busy with another operation is resource_busy.
 */
import type { Infer } from './vapi-type.ts';
import { boolean, enumT, id, list, long, optional, string, struct } from './vapi-type.ts';
import { operation, service } from './operation.ts';
import type { StdErrorKind } from './std.ts';

const PORT_FORWARD = id('com.vmgate.vm.port_forward');
const VM = id('VirtualMachine');

export const VmgatePortForwardProtocol = enumT('com.vmgate.vm.port_forwards.protocol', ['TCP', 'UDP']);

export const VmgatePortForwardInfo = struct('com.vmgate.vm.port_forwards.info', {
  port_forward: PORT_FORWARD,
  protocol: VmgatePortForwardProtocol,
  host_address: string(),
  host_port: long(),
  guest_port: long(),
});
export type VmgatePortForwardInfo = Infer<typeof VmgatePortForwardInfo>;

export const VmgatePortForwardCreateSpec = struct('com.vmgate.vm.port_forwards.create_spec', {
  protocol: optional(VmgatePortForwardProtocol),
  host_port: long(),
  guest_port: long(),
  host_address: optional(string()),
});
export type VmgatePortForwardCreateSpec = Infer<typeof VmgatePortForwardCreateSpec>;

export const VmgatePortForwardChange = struct('com.vmgate.vm.port_forwards.change', {
  port_forward: PORT_FORWARD,
  pending_until_power_on: boolean(),
});
export type VmgatePortForwardChange = Infer<typeof VmgatePortForwardChange>;

const READ_ERRORS: readonly StdErrorKind[] = ['error', 'not_found', 'service_unavailable', 'unauthenticated', 'unauthorized'];
const CHANGE_ERRORS: readonly StdErrorKind[] = ['error', 'invalid_argument', 'not_found', 'resource_busy', 'service_unavailable', 'unauthenticated', 'unauthorized'];

export const VmgatePortForwardsService = service('com.vmgate.vm.port_forwards', {
  list: operation({
    input: { vm: VM },
    output: list(VmgatePortForwardInfo),
    errors: READ_ERRORS,
    rest: { method: 'GET', path: '/api/vmgate/vm/{vm}/port-forwards', status: 200 },
  }),
  create: operation({
    input: { vm: VM, spec: VmgatePortForwardCreateSpec },
    output: VmgatePortForwardChange,
    errors: [...CHANGE_ERRORS, 'already_exists'],
    rest: { method: 'POST', path: '/api/vmgate/vm/{vm}/port-forwards', status: 201, body: 'spec' },
  }),
  delete: operation({
    input: { vm: VM, port_forward: PORT_FORWARD },
    output: VmgatePortForwardChange,
    errors: CHANGE_ERRORS,
    rest: { method: 'DELETE', path: '/api/vmgate/vm/{vm}/port-forwards/{port_forward}', status: 200 },
  }),
});

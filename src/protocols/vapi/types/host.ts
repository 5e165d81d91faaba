/**
 * com.vmware.vcenter.host: hypervisor hosts (7.0.3 has list but no get).
 *
 * Structure and field names as the official bindings use them; fields and enum values as
 * in the vSphere 7.0.3 API (checked against the REST specs by test/protocols/vapi/codec).
 */
import type { Infer } from './vapi-type.ts';
import { boolean, enumT, id, list, long, optional, secret, set, string, struct, voidT } from './vapi-type.ts';
import { operation, service } from './operation.ts';

export const HostCreateSpecThumbprintVerification = enumT('com.vmware.vcenter.host.create_spec.thumbprint_verification', [
  'NONE', 'THUMBPRINT',
]);
export type HostCreateSpecThumbprintVerification = Infer<typeof HostCreateSpecThumbprintVerification>;

export const HostCreateSpec = struct('com.vmware.vcenter.host.create_spec', {
  hostname: string(),
  port: optional(long()),
  user_name: string(),
  password: secret(),
  folder: optional(id()),
  thumbprint_verification: HostCreateSpecThumbprintVerification,
  thumbprint: optional(string()),
  force_add: optional(boolean()),
});
export type HostCreateSpec = Infer<typeof HostCreateSpec>;

export const HostConnectionState = enumT('com.vmware.vcenter.host.connection_state', [
  'CONNECTED', 'DISCONNECTED', 'NOT_RESPONDING',
]);
export type HostConnectionState = Infer<typeof HostConnectionState>;

export const HostFilterSpec = struct('com.vmware.vcenter.host.filter_spec', {
  hosts: optional(set(id())),
  names: optional(set(string())),
  folders: optional(set(id())),
  datacenters: optional(set(id())),
  standalone: optional(boolean()),
  clusters: optional(set(id())),
  connection_states: optional(set(HostConnectionState)),
});
export type HostFilterSpec = Infer<typeof HostFilterSpec>;

export const HostPowerState = enumT('com.vmware.vcenter.host.power_state', [
  'POWERED_ON', 'POWERED_OFF', 'STANDBY',
]);
export type HostPowerState = Infer<typeof HostPowerState>;

export const HostSummary = struct('com.vmware.vcenter.host.summary', {
  host: id('HostSystem'),
  name: string(),
  connection_state: HostConnectionState,
  power_state: optional(HostPowerState),
});
export type HostSummary = Infer<typeof HostSummary>;

export const HostService = service('com.vmware.vcenter.host', {
  create: operation({
    input: { spec: HostCreateSpec },
    output: id('HostSystem'),
    errors: [
      'already_exists', 'error', 'invalid_argument', 'invalid_element_type', 'not_found',
      'resource_in_use', 'service_unavailable', 'unable_to_allocate_resource', 'unauthenticated',
      'unauthorized', 'unsupported',
    ],
    rest: { method: 'POST', path: '/api/vcenter/host', status: 201, body: 'spec' },
  }),
  delete: operation({
    input: { host: id('HostSystem') },
    output: voidT(),
    errors: [
      'error', 'not_found', 'resource_in_use', 'service_unavailable', 'unauthenticated',
      'unauthorized',
    ],
    rest: { method: 'DELETE', path: '/api/vcenter/host/{host}', status: 204 },
  }),
  list: operation({
    input: { filter: optional(HostFilterSpec) },
    output: list(HostSummary),
    errors: [
      'invalid_argument', 'service_unavailable', 'unable_to_allocate_resource', 'unauthenticated',
      'unauthorized',
    ],
    rest: { method: 'GET', path: '/api/vcenter/host', status: 200, query: ['filter'] },
  }),
  connect: operation({
    input: { host: id('HostSystem') },
    output: voidT(),
    errors: [
      'already_in_desired_state', 'error', 'not_found', 'service_unavailable', 'unauthenticated',
      'unauthorized',
    ],
    rest: { method: 'POST', path: '/api/vcenter/host/{host}?action=connect', status: 204 },
  }),
  disconnect: operation({
    input: { host: id('HostSystem') },
    output: voidT(),
    errors: [
      'already_in_desired_state', 'error', 'not_found', 'service_unavailable', 'unauthenticated',
      'unauthorized',
    ],
    rest: { method: 'POST', path: '/api/vcenter/host/{host}?action=disconnect', status: 204 },
  }),
});

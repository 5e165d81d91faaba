/**
 * com.vmware.vcenter.network: networks (list only).
 *
 * Structure and field names as the official bindings use them; fields and enum values as
 * in the vSphere 7.0.3 API (checked against the REST specs by test/protocols/vapi/codec).
 */
import type { Infer } from './vapi-type.ts';
import { enumT, id, list, optional, set, string, struct } from './vapi-type.ts';
import { operation, service } from './operation.ts';

export const NetworkType = enumT('com.vmware.vcenter.network.type', [
  'STANDARD_PORTGROUP', 'DISTRIBUTED_PORTGROUP', 'OPAQUE_NETWORK',
]);
export type NetworkType = Infer<typeof NetworkType>;

export const NetworkFilterSpec = struct('com.vmware.vcenter.network.filter_spec', {
  networks: optional(set(id())),
  names: optional(set(string())),
  types: optional(set(NetworkType)),
  folders: optional(set(id())),
  datacenters: optional(set(id())),
});
export type NetworkFilterSpec = Infer<typeof NetworkFilterSpec>;

export const NetworkSummary = struct('com.vmware.vcenter.network.summary', {
  network: id('Network'),
  name: string(),
  type: NetworkType,
});
export type NetworkSummary = Infer<typeof NetworkSummary>;

export const NetworkService = service('com.vmware.vcenter.network', {
  list: operation({
    input: { filter: optional(NetworkFilterSpec) },
    output: list(NetworkSummary),
    errors: [
      'invalid_argument', 'service_unavailable', 'unable_to_allocate_resource', 'unauthenticated',
      'unauthorized',
    ],
    rest: { method: 'GET', path: '/api/vcenter/network', status: 200, query: ['filter'] },
  }),
});

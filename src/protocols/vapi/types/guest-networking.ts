/**
 * com.vmware.vcenter.vm.guest.networking.interfaces: the guest's network interfaces as its
 * tools report them (QEMU: the guest agent's guest-network-get-interfaces).
 *
 * Structure and field names as the official bindings use them; fields and enum values as
 * in the vSphere 7.0.3 API (checked against the REST specs by test/protocols/vapi/codec).
 */
import type { Infer } from './vapi-type.ts';
import { boolean, enumT, id, list, long, optional, string, struct } from './vapi-type.ts';
import { operation, service } from './operation.ts';

export const VmGuestDnsAssignedValues = struct('com.vmware.vcenter.vm.guest.dns_assigned_values', {
  host_name: string(),
  domain_name: string(),
});

export const VmGuestDnsConfigInfo = struct('com.vmware.vcenter.vm.guest.dns_config_info', {
  ip_addresses: list(string()),
  search_domains: list(string()),
});

export const VmGuestDhcpConfigInfo = struct('com.vmware.vcenter.vm.guest.dhcp_config_info', {
  ipv4_enabled: boolean(),
  ipv6_enabled: boolean(),
});

export const VmGuestNetworkingInterfacesIpAddressOrigin = enumT('com.vmware.vcenter.vm.guest.networking.interfaces.ip_address_origin', ['OTHER', 'MANUAL', 'DHCP', 'LINKLAYER', 'RANDOM']);

export const VmGuestNetworkingInterfacesIpAddressStatus = enumT('com.vmware.vcenter.vm.guest.networking.interfaces.ip_address_status', [
  'PREFERRED', 'DEPRECATED', 'INVALID', 'INACCESSIBLE', 'UNKNOWN', 'TENTATIVE', 'DUPLICATE',
]);

export const VmGuestNetworkingInterfacesIpAddressInfo = struct('com.vmware.vcenter.vm.guest.networking.interfaces.ip_address_info', {
  ip_address: string(),
  prefix_length: long(),
  origin: optional(VmGuestNetworkingInterfacesIpAddressOrigin),
  state: VmGuestNetworkingInterfacesIpAddressStatus,
});

export const VmGuestNetworkingInterfacesIpConfigInfo = struct('com.vmware.vcenter.vm.guest.networking.interfaces.ip_config_info', {
  ip_addresses: list(VmGuestNetworkingInterfacesIpAddressInfo),
  dhcp: optional(VmGuestDhcpConfigInfo),
});

export const VmGuestNetworkingInterfacesInfo = struct('com.vmware.vcenter.vm.guest.networking.interfaces.info', {
  dns_values: optional(VmGuestDnsAssignedValues),
  mac_address: optional(string()),
  dns: optional(VmGuestDnsConfigInfo),
  ip: optional(VmGuestNetworkingInterfacesIpConfigInfo),
  wins_servers: optional(list(string())),
  nic: optional(id('com.vmware.vcenter.vm.hardware.Ethernet')),
});
export type VmGuestNetworkingInterfacesInfo = Infer<typeof VmGuestNetworkingInterfacesInfo>;

export const VmGuestNetworkingInterfacesService = service('com.vmware.vcenter.vm.guest.networking.interfaces', {
  list: operation({
    input: { vm: id('VirtualMachine') },
    output: list(VmGuestNetworkingInterfacesInfo),
    errors: ['error', 'not_found', 'service_unavailable', 'unauthenticated'],
    rest: { method: 'GET', path: '/api/vcenter/vm/{vm}/guest/networking/interfaces', status: 200 },
  }),
});

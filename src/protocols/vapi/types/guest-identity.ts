/**
 * com.vmware.vcenter.vm.guest.identity: what the guest (its tools) reports about itself.
 *
 * Structure and field names as the official bindings use them; fields and enum values as
 * in the vSphere 7.0.3 API (checked against the REST specs by test/protocols/vapi/codec).
 */
import type { Infer } from './vapi-type.ts';
import { id, optional, string, struct } from './vapi-type.ts';
import { operation, service } from './operation.ts';
import { VmGuestOS, VmGuestOSFamily } from './guest-os.ts';
import { LocalizableMessage } from './std.ts';

export const VmGuestIdentityInfo = struct('com.vmware.vcenter.vm.guest.identity.info', {
  name: VmGuestOS,
  family: VmGuestOSFamily,
  full_name: LocalizableMessage,
  host_name: string(),
  ip_address: optional(string()),
});
export type VmGuestIdentityInfo = Infer<typeof VmGuestIdentityInfo>;

export const VmGuestIdentityService = service('com.vmware.vcenter.vm.guest.identity', {
  get: operation({
    input: { vm: id('VirtualMachine') },
    output: VmGuestIdentityInfo,
    errors: ['error', 'not_found', 'service_unavailable'],
    rest: { method: 'GET', path: '/api/vcenter/vm/{vm}/guest/identity', status: 200 },
  }),
});

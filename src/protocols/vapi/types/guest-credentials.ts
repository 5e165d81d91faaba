/**
 * com.vmware.vcenter.vm.guest.credentials: how guest operations authenticate inside the guest.
 *
 * Structure and field names as the official bindings use them; fields and enum values as
 * in the vSphere 7.0.3 API (checked against the REST specs by test/protocols/vapi/codec).
 */
import type { Infer } from './vapi-type.ts';
import { boolean, enumT, optional, secret, string, struct } from './vapi-type.ts';

export const VmGuestCredentialsType = enumT('com.vmware.vcenter.vm.guest.credentials.type', [
  'USERNAME_PASSWORD', 'SAML_BEARER_TOKEN',
]);
export type VmGuestCredentialsType = Infer<typeof VmGuestCredentialsType>;

export const VmGuestCredentials = struct('com.vmware.vcenter.vm.guest.credentials', {
  interactive_session: boolean(),
  type: VmGuestCredentialsType,
  user_name: optional(string()),
  password: optional(secret()),
  saml_token: optional(secret()),
});
export type VmGuestCredentials = Infer<typeof VmGuestCredentials>;

/**
 * com.vmware.vcenter.vm.guest.credentials → the guest login core takes. vmgate logs in
 * with a user name and a password only; SAML tokens and interactive sessions answer
 * `unsupported` and say so.
 */
import type { CoreApi } from '../../../core/index.ts';
import { invalidArgument, unsupported } from '../../../core/errors.ts';
import type { VmGuestCredentials } from '../../../protocols/vapi/types/index.ts';

/** What core's guest operations take as the guest login. */
export type GuestLogin = Parameters<CoreApi['guest']['login']>[2];

export function guestLogin(c: VmGuestCredentials): GuestLogin {
  if (c.type !== 'USERNAME_PASSWORD') {
    throw unsupported(`guest credentials of type ${c.type} are not supported by vmgate: send type USERNAME_PASSWORD with user_name and password`, { module: 'face.vapi' });
  }
  if (c.interactive_session) {
    throw unsupported('interactive_session=true (acting in the desktop session of the logged-in guest user) is not supported by vmgate: send interactive_session=false', { module: 'face.vapi' });
  }
  if (c.user_name === undefined || c.user_name === '') throw invalidArgument('USERNAME_PASSWORD guest credentials need a user_name', { module: 'face.vapi' });
  if (c.password === undefined) throw invalidArgument(`USERNAME_PASSWORD guest credentials need a password (user '${c.user_name}')`, { module: 'face.vapi' });
  return { username: c.user_name, password: c.password };
}

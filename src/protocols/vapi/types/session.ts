/**
 * com.vmware.cis.session: log in (user_pass or SAML → session id), who am I, log out.
 *
 * Structure and field names as the official bindings use them; fields and enum values as
 * in the vSphere 7.0.3 API (checked against the REST specs by test/protocols/vapi/codec).
 */
import type { Infer } from './vapi-type.ts';
import { dateTime, secret, string, struct, voidT } from './vapi-type.ts';
import { operation, service } from './operation.ts';

export const SessionInfo = struct('com.vmware.cis.session.info', {
  user: string(),
  created_time: dateTime(),
  last_accessed_time: dateTime(),
});
export type SessionInfo = Infer<typeof SessionInfo>;

export const SessionService = service('com.vmware.cis.session', {
  create: operation({
    input: {  },
    output: secret(),
    errors: ['service_unavailable', 'unauthenticated'],
    rest: { method: 'POST', path: '/api/session', status: 201 },
  }),
  delete: operation({
    input: {  },
    output: voidT(),
    errors: ['service_unavailable', 'unauthenticated'],
    rest: { method: 'DELETE', path: '/api/session', status: 204 },
  }),
  get: operation({
    input: {  },
    output: SessionInfo,
    errors: ['service_unavailable', 'unauthenticated'],
    rest: { method: 'GET', path: '/api/session', status: 200 },
  }),
});

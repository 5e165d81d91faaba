/**
 * com.vmgate.session: who the caller is and what they may do — their effective privileges
 * on the inventory root, sorted, and whether they hold every privilege (`administrator`).
 * A vmgate addition for user interfaces that show or hide pages by it (core still checks
 * every call). REST `GET /api/vmgate/session`.
 *
 * Structures:
 * - `com.vmgate.session.info`: `user`, `administrator`, `privileges` (`System.View`,
 *   `VirtualMachine.PowerOps`, …, `Desktop.Use`, …).
 */
import type { Infer } from './vapi-type.ts';
import { boolean, list, string, struct } from './vapi-type.ts';
import { operation, service } from './operation.ts';

export const VmgateSessionInfo = struct('com.vmgate.session.info', {
  user: string(),
  administrator: boolean(),
  privileges: list(string()),
});
export type VmgateSessionInfo = Infer<typeof VmgateSessionInfo>;

export const VmgateSessionService = service('com.vmgate.session', {
  get: operation({
    input: {},
    output: VmgateSessionInfo,
    errors: ['service_unavailable', 'unauthenticated'],
    rest: { method: 'GET', path: '/api/vmgate/session', status: 200 },
  }),
});

/**
 * com.vmgate.desktops: a desktop user's portal — the desktop pools and published
 * applications the caller is entitled to (directly or through a group), and launching one
 * into a one-time console ticket for the WebSocket console proxy. A vmgate addition; REST
 * `GET /api/vmgate/desktops`, `POST /api/vmgate/desktops/{pool}?action=launch`. Needs
 * Desktop.Use on root; launching needs an entitlement to the pool.
 *
 * Structures:
 * - `com.vmgate.desktops.summary`: `pool`, `name` (the pool's display name, or the
 *   application's name), `kind` (DESKTOP / APPLICATION), `application?` (its id, for
 *   APPLICATION), `vm?` and `power_state?` (the VM the caller has there now; absent when
 *   none is assigned yet).
 * - `com.vmgate.desktops.launch_result`: `vm`, `ticket` (`wss://…/console/vnc/<token>`,
 *   good for one connection within 60 seconds).
 */
import type { Infer } from './vapi-type.ts';
import { enumT, id, list, optional, string, struct, uri } from './vapi-type.ts';
import { operation, service } from './operation.ts';
import { VmPowerState } from './power.ts';
import type { StdErrorKind } from './std.ts';

export const VmgateDesktopKind = enumT('com.vmgate.desktops.kind', ['DESKTOP', 'APPLICATION']);
export type VmgateDesktopKind = Infer<typeof VmgateDesktopKind>;

export const VmgateDesktopSummary = struct('com.vmgate.desktops.summary', {
  pool: id('com.vmgate.pool'),
  name: string(),
  kind: VmgateDesktopKind,
  application: optional(id('com.vmgate.pools.application')),
  vm: optional(id('VirtualMachine')),
  power_state: optional(VmPowerState),
});
export type VmgateDesktopSummary = Infer<typeof VmgateDesktopSummary>;

export const VmgateDesktopLaunchResult = struct('com.vmgate.desktops.launch_result', {
  vm: id('VirtualMachine'),
  ticket: uri(),
});
export type VmgateDesktopLaunchResult = Infer<typeof VmgateDesktopLaunchResult>;

const ERRORS: readonly StdErrorKind[] = ['error', 'invalid_argument', 'not_allowed_in_current_state', 'not_found', 'resource_busy', 'service_unavailable', 'unable_to_allocate_resource', 'unauthenticated', 'unauthorized'];

export const VmgateDesktopsService = service('com.vmgate.desktops', {
  list: operation({
    input: {},
    output: list(VmgateDesktopSummary),
    errors: ['error', 'service_unavailable', 'unauthenticated', 'unauthorized'],
    rest: { method: 'GET', path: '/api/vmgate/desktops', status: 200 },
  }),
  launch: operation({
    input: { pool: id('com.vmgate.pool'), application: optional(id('com.vmgate.pools.application')) },
    output: VmgateDesktopLaunchResult,
    errors: ERRORS,
    rest: { method: 'POST', path: '/api/vmgate/desktops/{pool}?action=launch', status: 200, body: 'fields' },
  }),
});

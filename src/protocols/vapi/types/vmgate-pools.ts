/**
 * com.vmgate.pools: desktop pools — the VMs a VDI client may launch, dedicated (a user
 * keeps the desktop first given) or floating (any free one each time). A vmgate addition;
 * REST under `/api/vmgate/pools`. Everything needs Desktop.Admin on the root.
 *
 * Structures:
 * - `com.vmgate.pools.summary` (list): `pool` id (`pool-<n>`), `name`, `display_name`,
 *   `type` (DEDICATED / FLOATING / APPLICATION: multi-session, one shared VM offering
 *   published applications), `enabled`, `vm_count`.
 * - `com.vmgate.pools.info` (get): the summary's fields (but `vms`, the desktop VM ids,
 *   instead of `vm_count`) and `protocols`, `default_protocol`, `reset_allowed`, `created`.
 * - `com.vmgate.pools.create_spec`: `name` (letters, digits, `. _ -`), `display_name?`
 *   (default the name), `type`, `vms?` (VM ids or names; default none), `protocols?`
 *   (VNC, RDP, BLAST, PCOIP; default VNC), `default_protocol?` (default the first
 *   protocol), `reset_allowed?` (users may reset their desktop; default true).
 *
 * A pool is addressed by id or name. Entitlements: com.vmgate.pools.entitlements.
 */
import type { Infer } from './vapi-type.ts';
import { boolean, dateTime, enumT, id, list, long, optional, string, struct, voidT } from './vapi-type.ts';
import { operation, service } from './operation.ts';
import type { StdErrorKind } from './std.ts';

export const VmgatePoolType = enumT('com.vmgate.pools.type', ['DEDICATED', 'FLOATING', 'APPLICATION']);
export type VmgatePoolType = Infer<typeof VmgatePoolType>;

export const VmgatePoolProtocol = enumT('com.vmgate.pools.protocol', ['VNC', 'RDP', 'BLAST', 'PCOIP']);
export type VmgatePoolProtocol = Infer<typeof VmgatePoolProtocol>;

export const VmgatePoolSummary = struct('com.vmgate.pools.summary', {
  pool: id('com.vmgate.pool'),
  name: string(),
  display_name: string(),
  type: VmgatePoolType,
  enabled: boolean(),
  vm_count: long(),
});
export type VmgatePoolSummary = Infer<typeof VmgatePoolSummary>;

export const VmgatePoolInfo = struct('com.vmgate.pools.info', {
  pool: id('com.vmgate.pool'),
  name: string(),
  display_name: string(),
  type: VmgatePoolType,
  enabled: boolean(),
  vms: list(id('VirtualMachine')),
  protocols: list(VmgatePoolProtocol),
  default_protocol: VmgatePoolProtocol,
  reset_allowed: boolean(),
  created: dateTime(),
});
export type VmgatePoolInfo = Infer<typeof VmgatePoolInfo>;

export const VmgatePoolCreateSpec = struct('com.vmgate.pools.create_spec', {
  name: string(),
  display_name: optional(string()),
  type: VmgatePoolType,
  vms: optional(list(id('VirtualMachine'))),
  protocols: optional(list(VmgatePoolProtocol)),
  default_protocol: optional(VmgatePoolProtocol),
  reset_allowed: optional(boolean()),
});
export type VmgatePoolCreateSpec = Infer<typeof VmgatePoolCreateSpec>;

const POOL = id('com.vmgate.pool');
const ERRORS: readonly StdErrorKind[] = ['error', 'invalid_argument', 'not_found', 'service_unavailable', 'unauthenticated', 'unauthorized'];

export const VmgatePoolsService = service('com.vmgate.pools', {
  list: operation({
    input: {},
    output: list(VmgatePoolSummary),
    errors: ERRORS,
    rest: { method: 'GET', path: '/api/vmgate/pools', status: 200 },
  }),
  get: operation({
    input: { pool: POOL },
    output: VmgatePoolInfo,
    errors: ERRORS,
    rest: { method: 'GET', path: '/api/vmgate/pools/{pool}', status: 200 },
  }),
  create: operation({
    input: { spec: VmgatePoolCreateSpec },
    output: POOL,
    errors: [...ERRORS, 'already_exists'],
    rest: { method: 'POST', path: '/api/vmgate/pools', status: 201, body: 'spec' },
  }),
  delete: operation({
    input: { pool: POOL },
    output: voidT(),
    errors: ERRORS,
    rest: { method: 'DELETE', path: '/api/vmgate/pools/{pool}', status: 204 },
  }),
  add_vms: operation({
    input: { pool: POOL, vms: list(id('VirtualMachine')) },
    output: voidT(),
    errors: ERRORS,
    rest: { method: 'POST', path: '/api/vmgate/pools/{pool}?action=add-vms', status: 204, body: 'fields' },
  }),
  remove_vms: operation({
    input: { pool: POOL, vms: list(id('VirtualMachine')) },
    output: voidT(),
    errors: ERRORS,
    rest: { method: 'POST', path: '/api/vmgate/pools/{pool}?action=remove-vms', status: 204, body: 'fields' },
  }),
  enable: operation({
    input: { pool: POOL },
    output: voidT(),
    errors: ERRORS,
    rest: { method: 'POST', path: '/api/vmgate/pools/{pool}?action=enable', status: 204 },
  }),
  disable: operation({
    input: { pool: POOL },
    output: voidT(),
    errors: ERRORS,
    rest: { method: 'POST', path: '/api/vmgate/pools/{pool}?action=disable', status: 204 },
  }),
});

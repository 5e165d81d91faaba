/**
 * com.vmgate.hosts: what vSphere's Host.get leaves out — a host's driver, capacity and
 * usage, its datastores, and how its guests run (the accelerator and why). A vmgate
 * addition; REST under `/api/vmgate/hosts`. Needs System.View on the host.
 *
 * Structures:
 * - `com.vmgate.hosts.info` (list, get): `host` id (`host-<n>`), `name`, `driver` (`sim`,
 *   `qemu`), `cpu_count` and `memory_mib` (capacity), `used_cpu` and `used_memory_mib` (of
 *   VMs that are not powered off), `vm_count`, `datastores` (ids, the first is where new
 *   VMs go), `accelerator?` (`kvm` or `tcg` on QEMU; absent for the simulator) and
 *   `accelerator_reason?` (why: the KVM probe's result or the `--qemu-accel` setting).
 */
import type { Infer } from './vapi-type.ts';
import { id, list, long, optional, string, struct } from './vapi-type.ts';
import { operation, service } from './operation.ts';
import type { StdErrorKind } from './std.ts';

export const VmgateHostInfo = struct('com.vmgate.hosts.info', {
  host: id('HostSystem'),
  name: string(),
  driver: string(),
  cpu_count: long(),
  memory_mib: long(),
  used_cpu: long(),
  used_memory_mib: long(),
  vm_count: long(),
  datastores: list(id('Datastore')),
  accelerator: optional(string()),
  accelerator_reason: optional(string()),
});
export type VmgateHostInfo = Infer<typeof VmgateHostInfo>;

const ERRORS: readonly StdErrorKind[] = ['error', 'not_found', 'service_unavailable', 'unauthenticated', 'unauthorized'];

export const VmgateHostsService = service('com.vmgate.hosts', {
  list: operation({
    input: {},
    output: list(VmgateHostInfo),
    errors: ERRORS,
    rest: { method: 'GET', path: '/api/vmgate/hosts', status: 200 },
  }),
  get: operation({
    input: { host: id('HostSystem') },
    output: VmgateHostInfo,
    errors: ERRORS,
    rest: { method: 'GET', path: '/api/vmgate/hosts/{host}', status: 200 },
  }),
});

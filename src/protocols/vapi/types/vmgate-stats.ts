/**
 * com.vmgate.vm.stats and com.vmgate.hosts.stats: CPU and memory use over the last ten
 * minutes, one sample every five seconds, oldest first — what a dashboard draws. A vmgate
 * addition; REST `GET /api/vmgate/vm/{vm}/stats` and `GET /api/vmgate/hosts/{host}/stats`.
 * Needs System.View on the VM or host.
 *
 * Structures:
 * - `com.vmgate.vm.stats.info`: `interval_seconds`, `samples` of
 *   `com.vmgate.vm.stats.sample` (`time`, `cpu_percent` of the VM's vCPUs,
 *   `memory_used_MiB`, `memory_size_MiB`).
 * - `com.vmgate.hosts.stats.info`: `interval_seconds`, `samples` of
 *   `com.vmgate.hosts.stats.sample` (`time`, `cpu_percent`, `memory_used_MiB`,
 *   `memory_total_MiB`), `datastores` of `com.vmgate.hosts.stats.datastore` (`datastore`,
 *   `name`, `capacity?`, `free_space?` in bytes; absent when the datastore cannot be read).
 */
import type { Infer } from './vapi-type.ts';
import { dateTime, double, id, list, long, optional, string, struct } from './vapi-type.ts';
import { operation, service } from './operation.ts';
import type { StdErrorKind } from './std.ts';

export const VmgateVmStatsSample = struct('com.vmgate.vm.stats.sample', {
  time: dateTime(),
  cpu_percent: double(),
  memory_used_MiB: long(),
  memory_size_MiB: long(),
});
export type VmgateVmStatsSample = Infer<typeof VmgateVmStatsSample>;

export const VmgateVmStatsInfo = struct('com.vmgate.vm.stats.info', {
  interval_seconds: long(),
  samples: list(VmgateVmStatsSample),
});
export type VmgateVmStatsInfo = Infer<typeof VmgateVmStatsInfo>;

export const VmgateHostStatsSample = struct('com.vmgate.hosts.stats.sample', {
  time: dateTime(),
  cpu_percent: double(),
  memory_used_MiB: long(),
  memory_total_MiB: long(),
});
export type VmgateHostStatsSample = Infer<typeof VmgateHostStatsSample>;

export const VmgateHostStatsDatastore = struct('com.vmgate.hosts.stats.datastore', {
  datastore: id('Datastore'),
  name: string(),
  capacity: optional(long()),
  free_space: optional(long()),
});
export type VmgateHostStatsDatastore = Infer<typeof VmgateHostStatsDatastore>;

export const VmgateHostStatsInfo = struct('com.vmgate.hosts.stats.info', {
  interval_seconds: long(),
  samples: list(VmgateHostStatsSample),
  datastores: list(VmgateHostStatsDatastore),
});
export type VmgateHostStatsInfo = Infer<typeof VmgateHostStatsInfo>;

const ERRORS: readonly StdErrorKind[] = ['error', 'not_found', 'service_unavailable', 'unauthenticated', 'unauthorized'];

export const VmgateVmStatsService = service('com.vmgate.vm.stats', {
  get: operation({
    input: { vm: id('VirtualMachine') },
    output: VmgateVmStatsInfo,
    errors: ERRORS,
    rest: { method: 'GET', path: '/api/vmgate/vm/{vm}/stats', status: 200 },
  }),
});

export const VmgateHostStatsService = service('com.vmgate.hosts.stats', {
  get: operation({
    input: { host: id('HostSystem') },
    output: VmgateHostStatsInfo,
    errors: ERRORS,
    rest: { method: 'GET', path: '/api/vmgate/hosts/{host}/stats', status: 200 },
  }),
});

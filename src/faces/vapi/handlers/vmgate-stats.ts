import { implement } from '../call.ts';
import { VmgateHostStatsService, VmgateVmStatsService } from '../../../protocols/vapi/types/index.ts';

/** com.vmgate.vm.stats → core.statistics (a VM's samples). */
export const vmgateVmStatsHandlers = implement(VmgateVmStatsService, {
  async get(call, { vm }) {
    const { samples } = await call.core.statistics.vmSamples(call.caller, vm);
    return {
      interval_seconds: call.core.statistics.intervalSeconds,
      samples: samples.map((s) => ({ time: s.time, cpu_percent: s.cpuPercent, memory_used_MiB: s.memoryUsedMiB, memory_size_MiB: s.memorySizeMiB })),
    };
  },
});

/** com.vmgate.hosts.stats → core.statistics (a host's samples and its datastores' space). */
export const vmgateHostStatsHandlers = implement(VmgateHostStatsService, {
  async get(call, { host }) {
    const r = await call.core.statistics.hostSamples(call.caller, host);
    return {
      interval_seconds: call.core.statistics.intervalSeconds,
      samples: r.samples.map((s) => ({ time: s.time, cpu_percent: s.cpuPercent, memory_used_MiB: s.memoryUsedMiB, memory_total_MiB: s.memoryTotalMiB })),
      datastores: r.datastores.map((d) => ({ datastore: d.datastore.id, name: d.datastore.name, ...(d.usage ? { capacity: d.usage.capacityBytes, free_space: d.usage.freeBytes } : {}) })),
    };
  },
});

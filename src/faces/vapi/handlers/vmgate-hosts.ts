import { implement } from '../call.ts';
import type { VapiCall } from '../call.ts';
import type { VmgateHostInfo } from '../../../protocols/vapi/types/index.ts';
import { VmgateHostsService } from '../../../protocols/vapi/types/index.ts';

async function info(call: VapiCall, ref: string): Promise<VmgateHostInfo> {
  const d = await call.core.inventory.hostDetails(call.caller, ref);
  return {
    host: d.host.id,
    name: d.host.name,
    driver: d.host.driver,
    cpu_count: d.host.cpuCount,
    memory_mib: d.host.memoryMiB,
    used_cpu: d.usedCpu,
    used_memory_mib: d.usedMemoryMiB,
    vm_count: d.vmCount,
    datastores: [...d.host.datastoreIds],
    ...(d.accelerator ? { accelerator: d.accelerator.name, accelerator_reason: d.accelerator.reason } : {}),
  };
}

/** com.vmgate.hosts → core.inventory (hosts, their usage and accelerator). */
export const vmgateHostsHandlers = implement(VmgateHostsService, {
  async list(call) {
    const out: VmgateHostInfo[] = [];
    for (const h of await call.core.inventory.listHosts(call.caller)) out.push(await info(call, h.id));
    return out;
  },
  async get(call, { host }) {
    return info(call, host);
  },
});

import type { Datastore } from '../../../core/model/index.ts';
import { implement } from '../call.ts';
import type { VapiCall } from '../call.ts';
import type { VmgateDatastoreInfo } from '../../../protocols/vapi/types/index.ts';
import { VmgateDatastoresService } from '../../../protocols/vapi/types/index.ts';

async function info(call: VapiCall, d: Datastore): Promise<VmgateDatastoreInfo> {
  const { usage, vmCount } = await call.core.inventory.datastoreUsage(call.caller, d.id);
  return {
    datastore: d.id,
    name: d.name,
    path: d.path,
    datacenter: d.datacenterId,
    ...(usage ? { capacity: usage.capacityBytes, free_space: usage.freeBytes } : {}),
    vm_count: vmCount,
  };
}

/** com.vmgate.datastores → core.inventory (datastores). */
export const vmgateDatastoresHandlers = implement(VmgateDatastoresService, {
  async list(call) {
    const out: VmgateDatastoreInfo[] = [];
    for (const d of await call.core.inventory.listDatastores(call.caller)) out.push(await info(call, d));
    return out;
  },
  async get(call, { datastore }) {
    return info(call, await call.core.inventory.getDatastore(call.caller, datastore));
  },
  async create(call, { spec }) {
    const d = await call.core.inventory.createDatastore(call.caller, {
      name: spec.name,
      attachToHosts: true,
      ...(spec.path === undefined ? {} : { path: spec.path }),
      ...(spec.datacenter === undefined ? {} : { datacenterId: spec.datacenter }),
    });
    return d.id;
  },
  async delete(call, { datastore }) {
    await call.core.inventory.removeDatastore(call.caller, datastore);
    return undefined;
  },
});

import type { Datastore } from '../../../core/model/index.ts';
import type { VapiCall } from '../call.ts';
import { implement } from '../call.ts';
import type { DatastoreType } from '../../../protocols/vapi/types/index.ts';
import { DatastoreService } from '../../../protocols/vapi/types/index.ts';
import { parseFolderId } from './derived-ids.ts';
import { checkListSize, compareIds, passes, setOf } from './inventory-filters.ts';

/**
 * A vmgate datastore is a directory on the machine's own disks: it reports as VMFS,
 * vSphere's type for a host's local storage. Sizes are those of the file system it is on.
 */
const TYPE: DatastoreType = 'VMFS';

async function usage(call: VapiCall, d: Datastore): Promise<{ capacityBytes: number; freeBytes: number } | null> {
  return (await call.core.inventory.datastoreUsage(call.caller, d.id)).usage;
}

/** com.vmware.vcenter.datastore: list and get. A datastore is in its datacenter's datastore folder (`group-s<n>`). */
export const datastoreHandlers = implement(DatastoreService, {
  async list(call, { filter }) {
    const f = filter ?? {};
    const ids = setOf(f.datastores);
    const names = setOf(f.names);
    const types = setOf(f.types);
    const dcs = setOf(f.datacenters);
    const folders = setOf(f.folders);
    const folderDcs = folders && new Set([...folders].map(parseFolderId).flatMap((r) => (r && r.type === 'DATASTORE' ? [r.datacenterId] : [])));
    const rows = (await call.core.inventory.listDatastores(call.caller)).filter(
      (d) => passes(ids, d.id) && passes(names, d.name) && passes(types, TYPE) && passes(dcs, d.datacenterId) && passes(folderDcs, d.datacenterId),
    );
    checkListSize('datastores', rows.length);
    rows.sort((a, b) => compareIds(a.id, b.id));
    return Promise.all(
      rows.map(async (d) => {
        const u = await usage(call, d);
        return { datastore: d.id, name: d.name, type: TYPE, ...(u ? { free_space: u.freeBytes, capacity: u.capacityBytes } : {}) };
      }),
    );
  },

  async get(call, { datastore }) {
    const { datastore: d, usage: u } = await call.core.inventory.datastoreUsage(call.caller, datastore);
    const hosts = (await call.core.inventory.listHosts(call.caller)).filter((h) => h.datastoreIds.includes(d.id));
    return {
      name: d.name,
      type: TYPE,
      accessible: u !== null,
      ...(u ? { free_space: u.freeBytes } : {}),
      multiple_host_access: hosts.length > 1,
      thin_provisioning_supported: true,
    };
  },
});

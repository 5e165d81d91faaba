import { implement } from '../call.ts';
import { DatacenterService } from '../../../protocols/vapi/types/index.ts';
import { datacenterFolderId, ROOT_FOLDER_ID } from './derived-ids.ts';
import { checkListSize, compareIds, passes, setOf } from './inventory-filters.ts';

/** com.vmware.vcenter.datacenter: list and get. Every datacenter is in the root folder `group-d1`. */
export const datacenterHandlers = implement(DatacenterService, {
  async list(call, { filter }) {
    const f = filter ?? {};
    const ids = setOf(f.datacenters);
    const names = setOf(f.names);
    const folders = setOf(f.folders);
    const rows = (await call.core.inventory.listDatacenters(call.caller)).filter((d) => passes(ids, d.id) && passes(names, d.name) && passes(folders, ROOT_FOLDER_ID));
    checkListSize('datacenters', rows.length);
    return rows.sort((a, b) => compareIds(a.id, b.id)).map((d) => ({ datacenter: d.id, name: d.name }));
  },

  async get(call, { datacenter }) {
    const d = await call.core.inventory.getDatacenter(call.caller, datacenter);
    return {
      name: d.name,
      datastore_folder: datacenterFolderId(d.id, 'DATASTORE'),
      host_folder: datacenterFolderId(d.id, 'HOST'),
      network_folder: datacenterFolderId(d.id, 'NETWORK'),
      vm_folder: datacenterFolderId(d.id, 'VIRTUAL_MACHINE'),
    };
  },
});

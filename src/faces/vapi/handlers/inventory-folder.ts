import { implement } from '../call.ts';
import type { FolderSummary } from '../../../protocols/vapi/types/index.ts';
import { FolderService } from '../../../protocols/vapi/types/index.ts';
import { DATACENTER_FOLDER_TYPES, datacenterFolderId, FOLDER_NAMES, ROOT_FOLDER_ID, ROOT_FOLDER_NAME } from './derived-ids.ts';
import { checkListSize, compareIds, passes, setOf } from './inventory-filters.ts';

/**
 * com.vmware.vcenter.folder: list. vSphere's fixed folder tree, derived: the root folder
 * `group-d1` ('Datacenters') holds the datacenters, each of which has a VM, host,
 * datastore and network folder. A datacenter's folders have the datacenter (not a
 * folder) as parent, so parent_folders matches no folder vmgate has.
 */
export const folderHandlers = implement(FolderService, {
  async list(call, { filter }) {
    const f = filter ?? {};
    const ids = setOf(f.folders);
    const names = setOf(f.names);
    const dcs = setOf(f.datacenters);
    const parents = setOf(f.parent_folders);
    const datacenters = (await call.core.inventory.listDatacenters(call.caller)).sort((a, b) => compareIds(a.id, b.id));
    // The root folder is shown to whoever sees a datacenter in it.
    const rows: { folder: FolderSummary; datacenterId: string | null }[] = datacenters.length > 0 ? [{ folder: { folder: ROOT_FOLDER_ID, name: ROOT_FOLDER_NAME, type: 'DATACENTER' }, datacenterId: null }] : [];
    for (const d of datacenters) {
      for (const type of DATACENTER_FOLDER_TYPES) rows.push({ folder: { folder: datacenterFolderId(d.id, type), name: FOLDER_NAMES[type], type }, datacenterId: d.id });
    }
    const out = rows
      .filter(({ folder, datacenterId }) =>
        parents === undefined &&
        passes(ids, folder.folder) &&
        passes(names, folder.name) &&
        (f.type === undefined || folder.type === f.type) &&
        (dcs === undefined || (datacenterId !== null && dcs.has(datacenterId))),
      )
      .map((r) => r.folder);
    checkListSize('folders', out.length);
    return out;
  },
});

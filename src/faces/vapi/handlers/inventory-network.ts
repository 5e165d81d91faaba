import { implement } from '../call.ts';
import { NetworkService } from '../../../protocols/vapi/types/index.ts';
import { networkId, parseFolderId, STANDARD_NETWORK_NAME } from './derived-ids.ts';
import { checkListSize, compareIds, passes, setOf } from './inventory-filters.ts';

/**
 * com.vmware.vcenter.network: list. Every datacenter has one standard network,
 * 'VM Network' (`network-<n>`, in the network folder `group-n<n>`): the network NICs
 * attach to (user-mode networking on qemu hosts).
 */
export const networkHandlers = implement(NetworkService, {
  async list(call, { filter }) {
    const f = filter ?? {};
    const ids = setOf(f.networks);
    const names = setOf(f.names);
    const types = setOf(f.types);
    const dcs = setOf(f.datacenters);
    const folders = setOf(f.folders);
    const folderDcs = folders && new Set([...folders].map(parseFolderId).flatMap((r) => (r && r.type === 'NETWORK' ? [r.datacenterId] : [])));
    const rows = (await call.core.inventory.listDatacenters(call.caller))
      .sort((a, b) => compareIds(a.id, b.id))
      .filter((d) => passes(dcs, d.id) && passes(folderDcs, d.id) && passes(ids, networkId(d.id)) && passes(names, STANDARD_NETWORK_NAME) && passes(types, 'STANDARD_PORTGROUP'))
      .map((d) => ({ network: networkId(d.id), name: STANDARD_NETWORK_NAME, type: 'STANDARD_PORTGROUP' as const }));
    checkListSize('networks', rows.length);
    return rows;
  },
});

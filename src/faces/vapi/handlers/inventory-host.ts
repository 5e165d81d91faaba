import type { Host } from '../../../core/model/index.ts';
import { implement } from '../call.ts';
import type { HostConnectionState, HostSummary } from '../../../protocols/vapi/types/index.ts';
import { HostService } from '../../../protocols/vapi/types/index.ts';
import { parseFolderId } from './derived-ids.ts';
import { checkListSize, compareIds, passes, setOf } from './inventory-filters.ts';

const CONNECTION: Readonly<Record<Host['connectionState'], HostConnectionState>> = {
  connected: 'CONNECTED',
  disconnected: 'DISCONNECTED',
  notResponding: 'NOT_RESPONDING',
};

function summary(h: Host): HostSummary {
  const connection_state = CONNECTION[h.connectionState];
  // vSphere reports a power state only for a host it is connected to.
  return connection_state === 'CONNECTED' ? { host: h.id, name: h.name, connection_state, power_state: 'POWERED_ON' } : { host: h.id, name: h.name, connection_state };
}

/**
 * com.vmware.vcenter.host: list (7.0.3 has no get). A datacenter's host folder
 * (`group-h<n>`) holds all its hosts, standalone or in a cluster.
 */
export const hostHandlers = implement(HostService, {
  async list(call, { filter }) {
    const f = filter ?? {};
    const ids = setOf(f.hosts);
    const names = setOf(f.names);
    const dcs = setOf(f.datacenters);
    const clusters = setOf(f.clusters);
    const states = setOf(f.connection_states);
    const folders = setOf(f.folders);
    const folderDcs = folders && new Set([...folders].map(parseFolderId).flatMap((r) => (r && r.type === 'HOST' ? [r.datacenterId] : [])));
    const rows = (await call.core.inventory.listHosts(call.caller)).filter(
      (h) =>
        passes(ids, h.id) &&
        passes(names, h.name) &&
        passes(dcs, h.datacenterId) &&
        passes(folderDcs, h.datacenterId) &&
        (f.standalone === undefined || (h.clusterId === null) === f.standalone) &&
        (clusters === undefined || (h.clusterId !== null && clusters.has(h.clusterId))) &&
        passes(states, CONNECTION[h.connectionState]),
    );
    checkListSize('hosts', rows.length);
    return rows.sort((a, b) => compareIds(a.id, b.id)).map(summary);
  },
});

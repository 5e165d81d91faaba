import { useRef, useState } from 'react';
import { Button, Card, CardBody, CardTitle, FormGroup, PageSection, SearchInput, Spinner, TextInput, Title, Toolbar, ToolbarContent, ToolbarItem } from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import type { Cluster, Datacenter, HostSummary, VmSummary } from '../api.ts';
import { enc, get, post } from '../api.ts';
import { ConfirmModal } from '../confirm.tsx';
import { useLive } from '../live.ts';
import { href, linkTo, navigate } from '../router.ts';
import { ErrorAlert, PowerLabel, ToolsLabel, formatMiB, useLoad } from '../util.tsx';

interface HostNode extends HostSummary {
  vms: string[];
}
interface ClusterNode extends Cluster {
  hosts: HostNode[];
}
interface DcNode extends Datacenter {
  clusters: ClusterNode[];
  standalone: HostNode[];
  library: string[];
}
interface Inventory {
  datacenters: DcNode[];
  vms: Map<string, VmSummary & { host?: string }>;
}

/** Reads the tree through the vCenter list calls: datacenters → clusters → hosts → VMs, and each datacenter's library. */
async function loadInventory(signal: AbortSignal): Promise<Inventory> {
  const vms = new Map<string, VmSummary & { host?: string }>();
  const dcs = await get<Datacenter[]>('/api/vcenter/datacenter', signal);
  const hostNode = async (h: HostSummary): Promise<HostNode> => {
    const list = await get<VmSummary[]>(`/api/vcenter/vm?hosts=${enc(h.host)}`, signal);
    for (const v of list) vms.set(v.vm, { ...v, host: h.name });
    return { ...h, vms: list.map((v) => v.vm) };
  };
  const datacenters = await Promise.all(
    dcs.map(async (dc): Promise<DcNode> => {
      const clusters = await get<Cluster[]>(`/api/vcenter/cluster?datacenters=${enc(dc.datacenter)}`, signal);
      const clusterNodes = await Promise.all(
        clusters.map(async (c) => ({ ...c, hosts: await Promise.all((await get<HostSummary[]>(`/api/vcenter/host?clusters=${enc(c.cluster)}`, signal)).map(hostNode)) })),
      );
      const standalone = await Promise.all((await get<HostSummary[]>(`/api/vcenter/host?datacenters=${enc(dc.datacenter)}&standalone=true`, signal)).map(hostNode));
      const all = await get<VmSummary[]>(`/api/vcenter/vm?datacenters=${enc(dc.datacenter)}`, signal);
      const library: string[] = [];
      for (const v of all) {
        if (!vms.has(v.vm)) {
          vms.set(v.vm, v);
          library.push(v.vm);
        }
      }
      return { ...dc, clusters: clusterNodes, standalone, library };
    }),
  );
  return { datacenters, vms };
}

function VmLink({ vm }: { vm: VmSummary }) {
  return (
    <a href={href(`vm/${vm.vm}`)} onClick={linkTo(`vm/${vm.vm}`)}>
      {vm.name}
    </a>
  );
}

function VmRow({ vm }: { vm: VmSummary }) {
  return (
    <li>
      <div className="vg-tree-row" data-vm={vm.vm}>
        <span className="vg-tree-kind">VM</span>
        <VmLink vm={vm} />
        <PowerLabel state={vm.power_state} />
        <ToolsLabel state={vm.tools_run_state} />
      </div>
    </li>
  );
}

function HostBranch({ host, vms }: { host: HostNode; vms: Inventory['vms'] }) {
  return (
    <li>
      <div className="vg-tree-row">
        <span className="vg-tree-kind">Host</span>
        <a href={href('hosts')} onClick={linkTo('hosts')}>
          {host.name}
        </a>
        <span className="vg-muted">{host.connection_state === 'CONNECTED' ? '' : host.connection_state.toLowerCase()}</span>
      </div>
      <ul>
        {host.vms.map((id) => vms.get(id)).filter((v) => v !== undefined).map((v) => (
          <VmRow key={v.vm} vm={v} />
        ))}
      </ul>
    </li>
  );
}

export function InventoryPage() {
  const inv = useLoad(loadInventory, []);
  const [filter, setFilter] = useState('');
  const [registering, setRegistering] = useState(false);
  const latest = useRef(inv.data);
  latest.current = inv.data;

  useLive(
    (m) => {
      if (m.event === 'vm') {
        if (latest.current && !latest.current.vms.has(m.data.vm)) {
          // A VM this tree does not hold yet (created, registered, cloned): read the tree again.
          inv.reload();
          return;
        }
        inv.setData((d) => {
          const known = d?.vms.get(m.data.vm);
          if (!d || !known) return d;
          const vms = new Map(d.vms);
          vms.set(m.data.vm, { ...known, ...m.data });
          return { ...d, vms };
        });
      } else if (m.event === 'vm-removed') {
        inv.setData((d) => {
          if (!d || !d.vms.has(m.data.vm)) return d;
          const vms = new Map(d.vms);
          vms.delete(m.data.vm);
          return { ...d, vms };
        });
      }
    },
    [],
  );

  const vms = inv.data ? [...inv.data.vms.values()] : [];
  const shown = vms.filter((v) => v.name.toLowerCase().includes(filter.toLowerCase())).sort((a, b) => a.name.localeCompare(b.name));
  const on = vms.filter((v) => v.power_state === 'POWERED_ON').length;

  return (
    <>
      <PageSection>
        <div className="vg-actions" style={{ justifyContent: 'space-between', alignItems: 'center' }}>
          <div>
            <Title headingLevel="h1">Inventory</Title>
            {inv.data && (
              <p className="vg-muted">
                {vms.length} virtual machines, {on} powered on
              </p>
            )}
          </div>
          <div className="vg-actions">
            <Button component="a" href={href('create-vm')} onClick={linkTo('create-vm')}>
              Create virtual machine
            </Button>
            <Button variant="secondary" onClick={() => setRegistering(true)}>
              Register
            </Button>
          </div>
        </div>
      </PageSection>
      <PageSection>
        <ErrorAlert error={inv.error} />
        {inv.loading && !inv.data && <Spinner aria-label="Loading the inventory" />}
        {inv.data && (
          <div className="vg-split">
            <Card>
              <CardTitle component="h2">Datacenters, clusters and hosts</CardTitle>
              <CardBody>
                <nav className="vg-tree" aria-label="Inventory tree">
                  <ul>
                    {inv.data.datacenters.map((dc) => (
                      <li key={dc.datacenter}>
                        <div className="vg-tree-row">
                          <span className="vg-tree-kind">Datacenter</span>
                          <strong>{dc.name}</strong>
                        </div>
                        <ul>
                          {dc.clusters.map((c) => (
                            <li key={c.cluster}>
                              <div className="vg-tree-row">
                                <span className="vg-tree-kind">Cluster</span>
                                <strong>{c.name}</strong>
                              </div>
                              <ul>
                                {c.hosts.map((h) => (
                                  <HostBranch key={h.host} host={h} vms={inv.data!.vms} />
                                ))}
                              </ul>
                            </li>
                          ))}
                          {dc.standalone.map((h) => (
                            <HostBranch key={h.host} host={h} vms={inv.data!.vms} />
                          ))}
                          {dc.library.length > 0 && (
                            <li>
                              <div className="vg-tree-row">
                                <span className="vg-tree-kind">Library</span>
                                <strong>Not placed on a host</strong>
                              </div>
                              <ul>
                                {dc.library.map((id) => inv.data!.vms.get(id)).filter((v) => v !== undefined).map((v) => (
                                  <VmRow key={v.vm} vm={v} />
                                ))}
                              </ul>
                            </li>
                          )}
                        </ul>
                      </li>
                    ))}
                  </ul>
                </nav>
              </CardBody>
            </Card>
            <Card>
              <CardTitle component="h2">Virtual machines</CardTitle>
              <CardBody>
                <Toolbar>
                  <ToolbarContent>
                    <ToolbarItem>
                      <SearchInput aria-label="Filter virtual machines by name" placeholder="Filter by name" value={filter} onChange={(_e, v) => setFilter(v)} onClear={() => setFilter('')} />
                    </ToolbarItem>
                  </ToolbarContent>
                </Toolbar>
                <div className="vg-table-wrap">
                  <Table aria-label="Virtual machines" variant="compact">
                    <Thead>
                      <Tr>
                        <Th>Name</Th>
                        <Th>State</Th>
                        <Th>CPUs</Th>
                        <Th>Memory</Th>
                        <Th>Host</Th>
                      </Tr>
                    </Thead>
                    <Tbody>
                      {shown.map((v) => (
                        <Tr key={v.vm} data-vm-row={v.vm}>
                          <Td dataLabel="Name">
                            <VmLink vm={v} />
                          </Td>
                          <Td dataLabel="State">
                            <PowerLabel state={v.power_state} />
                          </Td>
                          <Td dataLabel="CPUs">{v.cpu_count ?? '—'}</Td>
                          <Td dataLabel="Memory">{formatMiB(v.memory_size_MiB)}</Td>
                          <Td dataLabel="Host">{v.host ?? 'library'}</Td>
                        </Tr>
                      ))}
                    </Tbody>
                  </Table>
                </div>
              </CardBody>
            </Card>
          </div>
        )}
      </PageSection>
      {registering && <RegisterDialog onClose={() => setRegistering(false)} />}
    </>
  );
}

/** Adds a VM whose `.vmx` is on a datastore (VM.register); vmgate picks a host that sees it. */
function RegisterDialog({ onClose }: { onClose: () => void }) {
  const [path, setPath] = useState('');
  const [name, setName] = useState('');
  return (
    <ConfirmModal title="Register a virtual machine" confirmLabel="Register" canConfirm={path.trim() !== ''} onClose={onClose} onConfirm={async () => {
      const id = await post<string>('/api/vcenter/vm?action=register', { datastore_path: path.trim(), ...(name.trim() ? { name: name.trim() } : {}) });
      navigate(`vm/${id}`);
    }}>
      <FormGroup label="Configuration file (datastore path)" isRequired fieldId="register-path">
        <TextInput id="register-path" isRequired value={path} placeholder="[LocalDS_0] web01/web01.vmx" onChange={(_e, v) => setPath(v)} autoComplete="off" />
      </FormGroup>
      <FormGroup label="New name (optional)" fieldId="register-name" style={{ marginTop: '0.75rem' }}>
        <TextInput id="register-name" value={name} onChange={(_e, v) => setName(v)} autoComplete="off" />
      </FormGroup>
    </ConfirmModal>
  );
}

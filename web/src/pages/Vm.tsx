import { useEffect, useState } from 'react';
import {
  Button,
  Card,
  CardBody,
  CardTitle,
  Checkbox,
  DescriptionList,
  DescriptionListDescription,
  DescriptionListGroup,
  DescriptionListTerm,
  FormGroup,
  Label,
  PageSection,
  Progress,
  ProgressMeasureLocation,
  Spinner,
  TextInput,
  Title,
  Breadcrumb,
  BreadcrumbItem,
} from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import type { EventInfo, Snapshot, Stats, TaskInfo, WebSession } from '../api.ts';
import { del, enc, get, post } from '../api.ts';
import { useLive } from '../live.ts';
import { href, linkTo, navigate } from '../router.ts';
import { ConfirmModal } from '../confirm.tsx';
import { LineChart } from '../charts.tsx';
import { guestOsLabel } from '../guest-os.ts';
import { ErrorAlert, PowerLabel, ToolsLabel, formatBytes, formatMiB, formatTime, messageOf, useLoad } from '../util.tsx';

interface VmInfo {
  name: string;
  guest_OS: string;
  power_state: string;
  identity?: { bios_uuid: string };
  hardware: { version: string };
  cpu: { count: number; cores_per_socket: number };
  memory: { size_MiB: number };
  boot?: { type: string };
  disks: Record<string, { label: string; type: string; backing: { vmdk_file?: string }; capacity?: number }>;
  nics: Record<string, { label: string; type: string; mac_address?: string; state: string; backing: { network_name?: string } }>;
  cdroms: Record<string, { label: string; backing: { type: string; iso_file?: string }; state?: string }>;
}

type TaskRow = TaskInfo & { task: string };

export function TaskProgress({ t }: { t: TaskRow }) {
  const pct = t.status === 'SUCCEEDED' ? 100 : (t.progress?.completed ?? 0);
  const label = t.description?.default_message ?? `${t.service} ${t.operation}`;
  const error = t.error?.messages.map((m) => m.default_message).join('; ');
  return (
    <div data-task={t.task} data-status={t.status} className="vg-task">
      <div className="vg-task-head">
        <span className="vg-task-title">{label}</span>
        {t.status === 'SUCCEEDED' && (
          <Label isCompact color="green">
            Succeeded
          </Label>
        )}
        {t.status === 'FAILED' && (
          <Label isCompact color="red">
            Failed
          </Label>
        )}
      </div>
      {t.status === 'RUNNING' || t.status === 'PENDING' ? (
        <Progress
          value={pct}
          size="sm"
          measureLocation={ProgressMeasureLocation.outside}
          aria-label={`${label}: ${t.status.toLowerCase()}, ${pct}%`}
          helperText={`${t.status === 'PENDING' ? 'Waiting' : 'Running'}: ${t.progress?.message.default_message ?? ''}`}
        />
      ) : t.status === 'FAILED' ? (
        <p className="vg-task-error" role="note">
          {error}
        </p>
      ) : (
        <p className="vg-muted vg-task-meta">Finished {formatTime(t.end_time)}</p>
      )}
    </div>
  );
}

function mergeTask(list: TaskRow[], t: TaskRow, limit: number): TaskRow[] {
  const rest = list.filter((x) => x.task !== t.task);
  return [t, ...rest].sort((a, b) => (b.start_time ?? '9').localeCompare(a.start_time ?? '9')).slice(0, limit);
}

function SnapshotTree({ snaps, onRevert, onDelete }: { snaps: Snapshot[]; onRevert: (s: Snapshot) => void; onDelete: (s: Snapshot) => void }) {
  const byId = new Map(snaps.map((s) => [s.snapshot, s]));
  const render = (s: Snapshot) => (
    <li key={s.snapshot}>
      <div className="vg-snap-row" data-snapshot={s.name}>
        <strong>{s.name}</strong>
        {s.current && (
          <Label color="blue" isCompact>
            You are here
          </Label>
        )}
        <span className="vg-muted">
          {formatTime(s.created)} · {s.include_memory ? 'with memory' : s.power_state === 'POWERED_ON' ? 'disks only' : 'powered off'}
        </span>
        <Button variant="secondary" size="sm" onClick={() => onRevert(s)} aria-label={`Revert to snapshot ${s.name}`}>
          Revert
        </Button>
        <Button variant="link" isDanger size="sm" onClick={() => onDelete(s)} aria-label={`Delete snapshot ${s.name}`}>
          Delete
        </Button>
      </div>
      {s.children.length > 0 && <ul>{s.children.map((c) => byId.get(c)).filter((c) => c !== undefined).map(render)}</ul>}
    </li>
  );
  const roots = snaps.filter((s) => !s.parent || !byId.has(s.parent));
  if (snaps.length === 0) return <p className="vg-muted">No snapshots yet.</p>;
  return (
    <div className="vg-snap-tree" role="group" aria-label="Snapshot tree">
      <ul>{roots.map(render)}</ul>
    </div>
  );
}

export function VmPage({ vm, session }: { vm: string; session: WebSession }) {
  const info = useLoad((signal) => get<VmInfo>(`/api/vcenter/vm/${enc(vm)}`, signal), [vm]);
  const snaps = useLoad((signal) => get<Snapshot[]>(`/api/vmgate/vm/${enc(vm)}/snapshots`, signal), [vm]);
  const events = useLoad((signal) => get<EventInfo[]>(`/api/vmgate/events?object=${enc(vm)}&limit=10`, signal), [vm]);
  const tasks = useLoad(async (): Promise<TaskRow[]> => {
    const map = await post<Record<string, TaskInfo>>('/api/cis/tasks?action=list', { filter_spec: { targets: [{ type: 'VirtualMachine', id: vm }] } });
    return Object.entries(map)
      .map(([task, t]) => ({ ...t, task }))
      .sort((a, b) => (b.start_time ?? '9').localeCompare(a.start_time ?? '9'))
      .slice(0, 8);
  }, [vm]);
  const [power, setPower] = useState<string | null>(null);
  const [tools, setTools] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [dialog, setDialog] = useState<null | { kind: 'delete' } | { kind: 'clone' } | { kind: 'snapshot' } | { kind: 'revert'; snap: Snapshot } | { kind: 'delete-snapshot'; snap: Snapshot }>(null);
  const [stats, setStats] = useState<Stats | null>(null);
  const [statsError, setStatsError] = useState<string | null>(null);
  const [guest, setGuest] = useState<{ host_name?: string; ip_address?: string; full_name?: { default_message: string } } | null>(null);
  const [guestError, setGuestError] = useState<string | null>(null);

  useEffect(() => {
    setPower(null);
    setTools(undefined);
  }, [vm]);
  const powerState = power ?? info.data?.power_state ?? null;

  useLive(
    (m) => {
      if (m.event === 'vm' && m.data.vm === vm) {
        setPower(m.data.power_state);
        setTools(m.data.tools_run_state);
        if (info.data && (m.data.name !== info.data.name || m.data.cpu_count !== info.data.cpu.count || m.data.memory_size_MiB !== info.data.memory.size_MiB)) info.reload();
      } else if (m.event === 'vm-removed' && m.data.vm === vm) {
        navigate('inventory');
      } else if (m.event === 'task' && m.data.target?.id === vm) {
        tasks.setData((d) => mergeTask(d ?? [], m.data, 8));
      } else if (m.event === 'event' && m.data.object === vm) {
        events.setData((d) => [m.data, ...(d ?? []).filter((e) => e.id !== m.data.id)].slice(0, 10));
        if (m.data.type.startsWith('vm.snapshot')) snaps.reload();
      }
    },
    [vm, info.data],
  );

  // CPU and memory over the last minutes: the server keeps the samples; read them every interval.
  useEffect(() => {
    let stop = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async (): Promise<void> => {
      try {
        const s = await get<Stats>(`/api/vmgate/vm/${enc(vm)}/stats`);
        if (stop) return;
        setStats(s);
        setStatsError(null);
        timer = setTimeout(() => void tick(), Math.max(2, s.interval_seconds) * 1000);
      } catch (e) {
        if (stop) return;
        setStatsError(messageOf(e));
        timer = setTimeout(() => void tick(), 15_000);
      }
    };
    void tick();
    return () => {
      stop = true;
      clearTimeout(timer);
    };
  }, [vm]);

  useEffect(() => {
    if (powerState !== 'POWERED_ON') {
      setGuest(null);
      setGuestError('The guest runs only while the VM is powered on.');
      return;
    }
    const ac = new AbortController();
    get<typeof guest>(`/api/vcenter/vm/${enc(vm)}/guest/identity`, ac.signal).then(
      (g) => {
        setGuest(g);
        setGuestError(null);
      },
      (e: unknown) => {
        if (!ac.signal.aborted) setGuestError(messageOf(e));
      },
    );
    return () => ac.abort();
  }, [vm, powerState, tools]);

  const doPower = async (action: 'start' | 'stop' | 'suspend' | 'reset'): Promise<void> => {
    setBusy(action);
    setActionError(null);
    try {
      await post(`/api/vcenter/vm/${enc(vm)}/power?action=${action}`);
      const p = await get<{ state: string }>(`/api/vcenter/vm/${enc(vm)}/power`);
      setPower(p.state);
      tasks.reload();
    } catch (e) {
      setActionError(messageOf(e));
    } finally {
      setBusy(null);
    }
  };

  if (info.error && !info.data) {
    return (
      <PageSection>
        <ErrorAlert error={info.error} />
      </PageSection>
    );
  }
  if (!info.data) {
    return (
      <PageSection>
        <Spinner aria-label="Loading the virtual machine" />
      </PageSection>
    );
  }
  const v = info.data;
  const on = powerState === 'POWERED_ON';
  const off = powerState === 'POWERED_OFF';
  const canConsole = session.administrator || session.privileges.includes('VirtualMachine.Console');
  const samples = stats?.samples ?? [];
  const memMax = samples.length > 0 ? (samples[samples.length - 1]!.memory_size_MiB ?? v.memory.size_MiB) : v.memory.size_MiB;

  return (
    <>
      <PageSection>
        <Breadcrumb>
          <BreadcrumbItem to={href('inventory')} onClick={linkTo('inventory')}>
            Inventory
          </BreadcrumbItem>
          <BreadcrumbItem isActive>{v.name}</BreadcrumbItem>
        </Breadcrumb>
        <div className="vg-actions" style={{ alignItems: 'center', marginTop: '0.5rem' }}>
          <Title headingLevel="h1">{v.name}</Title>
          <span data-testid="vm-power">
            <PowerLabel state={powerState ?? undefined} />
          </span>
          <ToolsLabel state={tools} />
        </div>
        <div className="vg-actions" role="toolbar" aria-label="Virtual machine actions" style={{ marginTop: '0.75rem' }}>
          <Button onClick={() => void doPower('start')} isDisabled={busy !== null || on} isLoading={busy === 'start'}>
            Power on
          </Button>
          <Button variant="secondary" onClick={() => void doPower('stop')} isDisabled={busy !== null || off} isLoading={busy === 'stop'}>
            Power off
          </Button>
          <Button variant="secondary" onClick={() => void doPower('suspend')} isDisabled={busy !== null || !on} isLoading={busy === 'suspend'}>
            Suspend
          </Button>
          <Button variant="secondary" onClick={() => void doPower('reset')} isDisabled={busy !== null || !on} isLoading={busy === 'reset'}>
            Reset
          </Button>
          {canConsole && (
            <Button variant="tertiary" component="a" href={href(`console/${vm}`)} onClick={on ? linkTo(`console/${vm}`) : (e: React.MouseEvent) => e.preventDefault()} isAriaDisabled={!on}>
              Open console
            </Button>
          )}
          <Button variant="tertiary" onClick={() => setDialog({ kind: 'snapshot' })}>
            Take snapshot
          </Button>
          <Button variant="tertiary" onClick={() => setDialog({ kind: 'clone' })}>
            Clone
          </Button>
          <Button variant="danger" onClick={() => setDialog({ kind: 'delete' })}>
            Delete
          </Button>
        </div>
        <div style={{ marginTop: '0.75rem' }}>
          <ErrorAlert error={actionError} />
        </div>
      </PageSection>
      <PageSection>
        <div className="vg-grid">
          <Card>
            <CardTitle component="h2">Summary</CardTitle>
            <CardBody>
              <DescriptionList isCompact isHorizontal>
                <Dl term="Guest OS" value={guestOsLabel(v.guest_OS)} />
                <Dl term="CPUs" value={`${v.cpu.count} (${v.cpu.cores_per_socket} per socket)`} />
                <Dl term="Memory" value={formatMiB(v.memory.size_MiB)} />
                <Dl term="Hardware" value={`${v.hardware.version}${v.boot ? `, ${v.boot.type}` : ''}`} />
                <Dl term="UUID" value={v.identity?.bios_uuid ?? '—'} />
                <Dl term="Id" value={vm} />
              </DescriptionList>
            </CardBody>
          </Card>
          <Card>
            <CardTitle component="h2">Performance</CardTitle>
            <CardBody>
              {statsError && !stats ? (
                <p className="vg-muted">{statsError}</p>
              ) : (
                <>
                  <LineChart title="CPU" samples={samples} series={{ name: 'cpu', cls: 'cpu', value: (s) => s.cpu_percent, max: 100, unit: '%' }} />
                  <LineChart title="Memory" samples={samples} series={{ name: 'mem', cls: 'mem', value: (s) => s.memory_used_MiB, max: memMax, unit: 'MiB' }} />
                </>
              )}
            </CardBody>
          </Card>
          <Card>
            <CardTitle component="h2">Guest</CardTitle>
            <CardBody>
              {guest ? (
                <DescriptionList isCompact isHorizontal>
                  <Dl term="Operating system" value={guest.full_name?.default_message ?? '—'} />
                  <Dl term="Host name" value={guest.host_name ?? '—'} />
                  <Dl term="IP address" value={guest.ip_address ?? 'none reported'} />
                </DescriptionList>
              ) : (
                <p className="vg-muted">{guestError ?? 'Reading…'}</p>
              )}
            </CardBody>
          </Card>
          <Card>
            <CardTitle component="h2">Disks, network adapters and CD-ROMs</CardTitle>
            <CardBody>
              <div className="vg-table-wrap">
                <Table aria-label="Devices" variant="compact">
                  <Thead>
                    <Tr>
                      <Th>Device</Th>
                      <Th>Type</Th>
                      <Th>Details</Th>
                    </Tr>
                  </Thead>
                  <Tbody>
                    {Object.entries(v.disks).map(([k, d]) => (
                      <Tr key={k}>
                        <Td dataLabel="Device">{d.label}</Td>
                        <Td dataLabel="Type">{d.type}</Td>
                        <Td dataLabel="Details">
                          {formatBytes(d.capacity)} · {d.backing.vmdk_file ?? ''}
                        </Td>
                      </Tr>
                    ))}
                    {Object.entries(v.nics).map(([k, n]) => (
                      <Tr key={k}>
                        <Td dataLabel="Device">{n.label}</Td>
                        <Td dataLabel="Type">{n.type}</Td>
                        <Td dataLabel="Details">
                          {n.backing.network_name ?? ''} · {n.mac_address ?? ''} · {n.state === 'CONNECTED' ? 'connected' : 'not connected'}
                        </Td>
                      </Tr>
                    ))}
                    {Object.entries(v.cdroms).map(([k, c]) => (
                      <Tr key={k}>
                        <Td dataLabel="Device">{c.label}</Td>
                        <Td dataLabel="Type">CD-ROM</Td>
                        <Td dataLabel="Details">{c.backing.iso_file ?? 'empty'}</Td>
                      </Tr>
                    ))}
                  </Tbody>
                </Table>
              </div>
            </CardBody>
          </Card>
          <Card>
            <CardTitle component="h2">Snapshots</CardTitle>
            <CardBody>
              <ErrorAlert error={snaps.error} />
              {snaps.data && <SnapshotTree snaps={snaps.data} onRevert={(s) => setDialog({ kind: 'revert', snap: s })} onDelete={(s) => setDialog({ kind: 'delete-snapshot', snap: s })} />}
            </CardBody>
          </Card>
          <Card>
            <CardTitle component="h2">Recent tasks</CardTitle>
            <CardBody>
              <ErrorAlert error={tasks.error} />
              {tasks.data && tasks.data.length === 0 && <p className="vg-muted">No tasks yet.</p>}
              <div aria-live="polite" style={{ display: 'grid', gap: '0.75rem' }}>
                {tasks.data?.map((t) => <TaskProgress key={t.task} t={t} />)}
              </div>
            </CardBody>
          </Card>
          <Card>
            <CardTitle component="h2">Recent events</CardTitle>
            <CardBody>
              <ErrorAlert error={events.error} />
              {events.data && events.data.length === 0 && <p className="vg-muted">No events yet.</p>}
              <ul style={{ listStyle: 'none', padding: 0, margin: 0, display: 'grid', gap: '0.4rem' }} aria-label="Recent events">
                {events.data?.map((e) => (
                  <li key={e.id}>
                    <Label isCompact color={e.severity === 'ERROR' ? 'red' : e.severity === 'WARNING' ? 'orange' : 'grey'}>
                      {e.severity.toLowerCase()}
                    </Label>{' '}
                    {e.message} <span className="vg-muted">· {formatTime(e.time)}{e.user ? ` · ${e.user}` : ''}</span>
                  </li>
                ))}
              </ul>
            </CardBody>
          </Card>
        </div>
      </PageSection>
      {dialog?.kind === 'delete' && (
        <DeleteDialog name={v.name} on={!off} onClose={() => setDialog(null)} onConfirm={async () => {
          await del(`/api/vcenter/vm/${enc(vm)}`);
          navigate('inventory');
        }} />
      )}
      {dialog?.kind === 'clone' && <CloneDialog source={vm} sourceName={v.name} onClose={() => setDialog(null)} />}
      {dialog?.kind === 'snapshot' && <SnapshotDialog vm={vm} running={on} onClose={() => setDialog(null)} onDone={() => snaps.reload()} />}
      {dialog?.kind === 'revert' && (
        <ConfirmModal title={`Revert to ${dialog.snap.name}?`} confirmLabel="Revert" onClose={() => setDialog(null)} onConfirm={async () => {
          await post(`/api/vmgate/vm/${enc(vm)}/snapshots/${enc(dialog.snap.snapshot)}?action=revert`);
          snaps.reload();
          info.reload();
          setPower(null);
        }}>
          <p>The VM's disks{dialog.snap.include_memory ? ' and memory' : ''} go back to how they were at {formatTime(dialog.snap.created)}. What changed since is lost.</p>
        </ConfirmModal>
      )}
      {dialog?.kind === 'delete-snapshot' && (
        <ConfirmModal title={`Delete snapshot ${dialog.snap.name}?`} confirmLabel="Delete snapshot" danger onClose={() => setDialog(null)} onConfirm={async () => {
          await del(`/api/vmgate/vm/${enc(vm)}/snapshots/${enc(dialog.snap.snapshot)}`);
          snaps.reload();
        }}>
          <p>The VM stays as it is now; its children move up to this snapshot's parent.</p>
        </ConfirmModal>
      )}
    </>
  );
}

function Dl({ term, value }: { term: string; value: string }) {
  return (
    <DescriptionListGroup>
      <DescriptionListTerm>{term}</DescriptionListTerm>
      <DescriptionListDescription>{value}</DescriptionListDescription>
    </DescriptionListGroup>
  );
}

function DeleteDialog({ name, on, onClose, onConfirm }: { name: string; on: boolean; onClose: () => void; onConfirm: () => Promise<void> }) {
  const [typed, setTyped] = useState('');
  return (
    <ConfirmModal title={`Delete ${name}?`} confirmLabel="Delete" danger onClose={onClose} onConfirm={onConfirm} canConfirm={typed === name}>
      <p>The VM and its disks are removed from the datastore. This cannot be undone.{on ? ' It must be powered off first.' : ''}</p>
      <FormGroup label={`Type ${name} to confirm`} fieldId="confirm-delete-name" style={{ marginTop: '1rem' }}>
        <TextInput id="confirm-delete-name" value={typed} onChange={(_e, v) => setTyped(v)} autoComplete="off" />
      </FormGroup>
    </ConfirmModal>
  );
}

function CloneDialog({ source, sourceName, onClose }: { source: string; sourceName: string; onClose: () => void }) {
  const [name, setName] = useState(`${sourceName}-clone`);
  const [powerOn, setPowerOn] = useState(false);
  return (
    <ConfirmModal title={`Clone ${sourceName}`} confirmLabel="Clone" onClose={onClose} canConfirm={name.trim() !== ''} onConfirm={async () => {
      const id = await post<string>('/api/vcenter/vm?action=clone', { source, name: name.trim(), ...(powerOn ? { power_on: true } : {}) });
      navigate(`vm/${id}`);
    }}>
      <div>
        <FormGroup label="Name of the new VM" isRequired fieldId="clone-name">
          <TextInput id="clone-name" isRequired value={name} onChange={(_e, v) => setName(v)} />
        </FormGroup>
        <Checkbox id="clone-power-on" label="Power it on when it is made" isChecked={powerOn} onChange={(_e, v) => setPowerOn(v)} />
      </div>
    </ConfirmModal>
  );
}

function SnapshotDialog({ vm, running, onClose, onDone }: { vm: string; running: boolean; onClose: () => void; onDone: () => void }) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [memory, setMemory] = useState(false);
  return (
    <ConfirmModal title="Take a snapshot" confirmLabel="Take snapshot" onClose={onClose} canConfirm={name.trim() !== ''} onConfirm={async () => {
      try {
        await post(`/api/vmgate/vm/${enc(vm)}/snapshots`, { name: name.trim(), ...(description ? { description } : {}), ...(memory ? { memory: true } : {}) });
      } finally {
        onDone();
      }
    }}>
      <FormGroup label="Snapshot name" isRequired fieldId="snapshot-name">
        <TextInput id="snapshot-name" isRequired value={name} onChange={(_e, v) => setName(v)} />
      </FormGroup>
      <FormGroup label="Description" fieldId="snapshot-description" style={{ marginTop: '0.75rem' }}>
        <TextInput id="snapshot-description" value={description} onChange={(_e, v) => setDescription(v)} />
      </FormGroup>
      <div style={{ marginTop: '0.75rem' }}>
        <Checkbox id="snapshot-memory" label="Include the VM's memory (it keeps running from here when reverted)" isChecked={memory} isDisabled={!running} onChange={(_e, v) => setMemory(v)} />
      </div>
    </ConfirmModal>
  );
}


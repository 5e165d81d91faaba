import { useEffect, useState } from 'react';
import { Card, CardBody, CardTitle, Label, PageSection, Progress, ProgressMeasureLocation, Spinner, Title } from '@patternfly/react-core';
import type { DatastoreInfo, HostInfo, Stats } from '../api.ts';
import { enc, get } from '../api.ts';
import { LineChart } from '../charts.tsx';
import { ErrorAlert, formatBytes, formatMiB, useLoad } from '../util.tsx';

function HostChart({ host, memory }: { host: string; memory: number }) {
  const [stats, setStats] = useState<Stats | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let stop = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async (): Promise<void> => {
      try {
        const s = await get<Stats>(`/api/vmgate/hosts/${enc(host)}/stats`);
        if (stop) return;
        setStats(s);
        setError(null);
        timer = setTimeout(() => void tick(), Math.max(2, s.interval_seconds) * 1000);
      } catch (e) {
        if (stop) return;
        setError((e as Error).message);
        timer = setTimeout(() => void tick(), 15_000);
      }
    };
    void tick();
    return () => {
      stop = true;
      clearTimeout(timer);
    };
  }, [host]);
  if (error && !stats) return <p className="vg-muted">Statistics: {error}</p>;
  const samples = stats?.samples ?? [];
  const max = samples.length > 0 ? (samples[samples.length - 1]!.memory_total_MiB ?? memory) : memory;
  return (
    <>
      <LineChart title="CPU over time" samples={samples} series={{ name: 'cpu', cls: 'cpu', value: (s) => s.cpu_percent, max: 100, unit: '%' }} />
      <LineChart title="Memory over time" samples={samples} series={{ name: 'mem', cls: 'mem', value: (s) => s.memory_used_MiB, max, unit: 'MiB' }} />
    </>
  );
}

export function HostsPage() {
  const data = useLoad(async (signal) => {
    const [hosts, datastores] = await Promise.all([get<HostInfo[]>('/api/vmgate/hosts', signal), get<DatastoreInfo[]>('/api/vmgate/datastores', signal)]);
    return { hosts, datastores: new Map(datastores.map((d) => [d.datastore, d])) };
  }, []);
  return (
    <>
      <PageSection>
        <Title headingLevel="h1">Hosts</Title>
        <p className="vg-muted">Capacity in use counts the VMs that are not powered off.</p>
      </PageSection>
      <PageSection>
        <ErrorAlert error={data.error} />
        {data.loading && !data.data && <Spinner aria-label="Loading hosts" />}
        <div className="vg-grid">
          {data.data?.hosts.map((h) => (
            <Card key={h.host} data-host={h.host}>
              <CardTitle component="h2">
                {h.name}{' '}
                <Label isCompact color="blue">
                  {h.driver}
                  {h.accelerator ? ` · ${h.accelerator}` : ''}
                </Label>
              </CardTitle>
              <CardBody>
                <p className="vg-muted">{h.vm_count} virtual machines</p>
                <Progress title="CPUs" value={h.used_cpu} max={h.cpu_count} measureLocation={ProgressMeasureLocation.outside} label={`${h.used_cpu} of ${h.cpu_count} vCPUs`} valueText={`${h.used_cpu} of ${h.cpu_count} vCPUs`} variant={h.used_cpu > h.cpu_count ? 'warning' : undefined} />
                <Progress title="Memory" value={h.used_memory_mib} max={h.memory_mib} measureLocation={ProgressMeasureLocation.outside} label={`${formatMiB(h.used_memory_mib)} of ${formatMiB(h.memory_mib)}`} valueText={`${formatMiB(h.used_memory_mib)} of ${formatMiB(h.memory_mib)}`} variant={h.used_memory_mib > h.memory_mib ? 'warning' : undefined} />
                {h.datastores.map((id) => {
                  const d = data.data!.datastores.get(id);
                  if (!d) return null;
                  const used = d.capacity !== undefined && d.free_space !== undefined ? d.capacity - d.free_space : undefined;
                  return d.capacity !== undefined && used !== undefined ? (
                    <Progress key={id} title={`Datastore ${d.name}`} value={used} max={d.capacity} measureLocation={ProgressMeasureLocation.outside} label={`${formatBytes(used)} of ${formatBytes(d.capacity)}`} valueText={`${formatBytes(used)} of ${formatBytes(d.capacity)} used`} />
                  ) : (
                    <p key={id}>Datastore {d.name}: size unknown</p>
                  );
                })}
                <div style={{ marginTop: '1rem' }}>
                  <HostChart host={h.host} memory={h.memory_mib} />
                </div>
              </CardBody>
            </Card>
          ))}
        </div>
      </PageSection>
    </>
  );
}

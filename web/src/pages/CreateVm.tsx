import { useState } from 'react';
import { ActionGroup, Button, Card, CardBody, Checkbox, Form, FormGroup, FormHelperText, FormSection, FormSelect, FormSelectOption, HelperText, HelperTextItem, NumberInput, PageSection, TextInput, Title, Breadcrumb, BreadcrumbItem } from '@patternfly/react-core';
import type { Cluster, Datacenter, HostSummary } from '../api.ts';
import { get, post } from '../api.ts';
import { href, linkTo, navigate } from '../router.ts';
import { ErrorAlert, messageOf, useLoad } from '../util.tsx';
import { GUEST_OS } from '../guest-os.ts';


interface Choices {
  datacenters: Datacenter[];
  clusters: Cluster[];
  hosts: HostSummary[];
  datastores: { datastore: string; name: string }[];
  networks: { network: string; name: string }[];
}

async function loadChoices(signal: AbortSignal): Promise<Choices> {
  const [datacenters, clusters, hosts, datastores, networks] = await Promise.all([
    get<Datacenter[]>('/api/vcenter/datacenter', signal),
    get<Cluster[]>('/api/vcenter/cluster', signal),
    get<HostSummary[]>('/api/vcenter/host', signal),
    get<{ datastore: string; name: string }[]>('/api/vcenter/datastore', signal),
    get<{ network: string; name: string }[]>('/api/vcenter/network', signal),
  ]);
  return { datacenters, clusters, hosts, datastores, networks };
}

/** Placement as one choice: `auto`, `host:<id>`, `cluster:<id>` or `library:<datacenter>`. */
function placementOf(choice: string, datastore: string): Record<string, string> | undefined {
  const [kind, id] = choice.split(':') as [string, string | undefined];
  const ds: Record<string, string> = datastore ? { datastore } : {};
  if (kind === 'host') return { host: id!, ...ds };
  if (kind === 'cluster') return { cluster: id!, ...ds };
  if (kind === 'library') return { folder: `group-v${id!.replace(/^datacenter-/, '')}`, ...ds };
  return datastore ? ds : undefined;
}

export function CreateVmPage() {
  const choices = useLoad(loadChoices, []);
  const [name, setName] = useState('');
  const [guestOs, setGuestOs] = useState('OTHER_LINUX_64');
  const [placement, setPlacement] = useState('auto');
  const [datastore, setDatastore] = useState('');
  const [cpus, setCpus] = useState(2);
  const [memory, setMemory] = useState(2048);
  const [diskGiB, setDiskGiB] = useState(16);
  const [nic, setNic] = useState(true);
  const [nicType, setNicType] = useState('VMXNET3');
  const [network, setNetwork] = useState('');
  const [iso, setIso] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    const net = network || choices.data?.networks[0]?.network;
    const p = placementOf(placement, datastore);
    const spec = {
      name: name.trim(),
      guest_OS: guestOs,
      ...(p ? { placement: p } : {}),
      cpu: { count: cpus },
      memory: { size_MiB: memory },
      disks: [{ new_vmdk: { name: name.trim(), capacity: diskGiB * 1024 * 1024 * 1024 } }],
      ...(nic ? { nics: [{ type: nicType, start_connected: true, ...(net ? { backing: { type: 'STANDARD_PORTGROUP', network: net } } : {}) }] } : {}),
      ...(iso.trim() ? { cdroms: [{ start_connected: true, backing: { type: 'ISO_FILE', iso_file: iso.trim() } }] } : {}),
    };
    try {
      const id = await post<string>('/api/vcenter/vm', spec);
      navigate(`vm/${id}`);
    } catch (e) {
      setError(messageOf(e));
      setBusy(false);
    }
  };

  const c = choices.data;
  return (
    <>
      <PageSection>
        <Breadcrumb>
          <BreadcrumbItem to={href('inventory')} onClick={linkTo('inventory')}>
            Inventory
          </BreadcrumbItem>
          <BreadcrumbItem isActive>Create virtual machine</BreadcrumbItem>
        </Breadcrumb>
        <Title headingLevel="h1" style={{ marginTop: '0.5rem' }}>
          Create virtual machine
        </Title>
      </PageSection>
      <PageSection>
        <ErrorAlert error={choices.error} />
        <Card style={{ maxWidth: '48rem' }}>
          <CardBody>
            <Form
              onSubmit={(e) => {
                e.preventDefault();
                if (!busy && name.trim() !== '') void submit();
              }}
            >
              <FormSection title="Name and guest" titleElement="h2">
                <FormGroup label="Name" isRequired fieldId="vm-name">
                  <TextInput id="vm-name" isRequired value={name} onChange={(_e, v) => setName(v)} autoComplete="off" />
                </FormGroup>
                <FormGroup label="Guest operating system" fieldId="vm-guest-os">
                  <FormSelect id="vm-guest-os" value={guestOs} onChange={(_e, v) => setGuestOs(v)}>
                    {GUEST_OS.map(([v, l]) => (
                      <FormSelectOption key={v} value={v} label={l} />
                    ))}
                  </FormSelect>
                </FormGroup>
              </FormSection>
              <FormSection title="Placement" titleElement="h2">
                <FormGroup label="Where it runs" fieldId="vm-placement">
                  <FormSelect id="vm-placement" value={placement} onChange={(_e, v) => setPlacement(v)}>
                    <FormSelectOption value="auto" label="Let vmgate choose a host" />
                    {c?.clusters.map((x) => <FormSelectOption key={x.cluster} value={`cluster:${x.cluster}`} label={`Cluster ${x.name}`} />)}
                    {c?.hosts.map((x) => <FormSelectOption key={x.host} value={`host:${x.host}`} label={`Host ${x.name}`} />)}
                    {c?.datacenters.map((x) => <FormSelectOption key={x.datacenter} value={`library:${x.datacenter}`} label={`Library of ${x.name} (not placed on a host)`} />)}
                  </FormSelect>
                </FormGroup>
                <FormGroup label="Datastore" fieldId="vm-datastore">
                  <FormSelect id="vm-datastore" value={datastore} onChange={(_e, v) => setDatastore(v)}>
                    <FormSelectOption value="" label="The host's first datastore" />
                    {c?.datastores.map((x) => <FormSelectOption key={x.datastore} value={x.datastore} label={x.name} />)}
                  </FormSelect>
                </FormGroup>
              </FormSection>
              <FormSection title="Hardware" titleElement="h2">
                <FormGroup label="CPUs" fieldId="vm-cpus">
                  <NumberInput id="vm-cpus" inputName="cpus" inputAriaLabel="CPUs" minusBtnAriaLabel="Fewer CPUs" plusBtnAriaLabel="More CPUs" value={cpus} min={1} max={64} onMinus={() => setCpus((v) => Math.max(1, v - 1))} onPlus={() => setCpus((v) => Math.min(64, v + 1))} onChange={(e) => setCpus(Number((e.target as HTMLInputElement).value) || 1)} />
                </FormGroup>
                <FormGroup label="Memory (MiB)" fieldId="vm-memory">
                  <TextInput id="vm-memory" type="number" min={4} step={4} value={memory} onChange={(_e, v) => setMemory(Number(v))} />
                  <FormHelperText>
                    <HelperText>
                      <HelperTextItem>A multiple of 4 MiB.</HelperTextItem>
                    </HelperText>
                  </FormHelperText>
                </FormGroup>
                <FormGroup label="Disk (GiB)" fieldId="vm-disk">
                  <TextInput id="vm-disk" type="number" min={1} value={diskGiB} onChange={(_e, v) => setDiskGiB(Number(v))} />
                </FormGroup>
                <Checkbox id="vm-nic" label="Network adapter" isChecked={nic} onChange={(_e, v) => setNic(v)} />
                {nic && (
                  <>
                    <FormGroup label="Adapter type" fieldId="vm-nic-type">
                      <FormSelect id="vm-nic-type" value={nicType} onChange={(_e, v) => setNicType(v)}>
                        <FormSelectOption value="VMXNET3" label="VMXNET3" />
                        <FormSelectOption value="E1000E" label="E1000E" />
                        <FormSelectOption value="E1000" label="E1000" />
                        <FormSelectOption value="VIRTIO" label="virtio-net (Linux guests on QEMU)" />
                      </FormSelect>
                    </FormGroup>
                    <FormGroup label="Network" fieldId="vm-network">
                      <FormSelect id="vm-network" value={network} onChange={(_e, v) => setNetwork(v)}>
                        {c?.networks.map((x) => <FormSelectOption key={x.network} value={x.network} label={x.name} />)}
                      </FormSelect>
                    </FormGroup>
                  </>
                )}
                <FormGroup label="ISO image" fieldId="vm-iso">
                  <TextInput id="vm-iso" value={iso} placeholder="[Library] iso/installer.iso" onChange={(_e, v) => setIso(v)} />
                  <FormHelperText>
                    <HelperText>
                      <HelperTextItem>A datastore path; leave empty for no CD-ROM.</HelperTextItem>
                    </HelperText>
                  </FormHelperText>
                </FormGroup>
              </FormSection>
              <ErrorAlert error={error} />
              <ActionGroup>
                <Button type="submit" isLoading={busy} isDisabled={busy || name.trim() === ''}>
                  Create
                </Button>
                <Button variant="link" component="a" href={href('inventory')} onClick={linkTo('inventory')}>
                  Cancel
                </Button>
              </ActionGroup>
            </Form>
          </CardBody>
        </Card>
      </PageSection>
    </>
  );
}

import { useState } from 'react';
import { Button, Card, CardBody, CardTitle, FormGroup, FormHelperText, FormSelect, FormSelectOption, HelperText, HelperTextItem, Label, PageSection, Spinner, TextInput, Title } from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { del, enc, get, post } from '../api.ts';
import { ConfirmModal } from '../confirm.tsx';
import { ErrorAlert, useLoad } from '../util.tsx';

interface Pool {
  pool: string;
  name: string;
  display_name: string;
  type: string;
  enabled: boolean;
  vm_count: number;
}
interface Entitlement {
  entitlement: string;
  principal: string;
  created: string;
}

export function PoolsPage() {
  const pools = useLoad(async (signal) => {
    const list = await get<Pool[]>('/api/vmgate/pools', signal);
    return Promise.all(list.map(async (p) => ({ ...p, entitlements: await get<Entitlement[]>(`/api/vmgate/pools/${enc(p.pool)}/entitlements`, signal) })));
  }, []);
  const [creating, setCreating] = useState(false);
  const [name, setName] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [type, setType] = useState('FLOATING');
  const [vms, setVms] = useState('');
  const [deleting, setDeleting] = useState<Pool | null>(null);
  return (
    <>
      <PageSection>
        <Title headingLevel="h1">Desktop pools</Title>
        <p className="vg-muted">Pools are what View clients, RDV and the desktop portal launch; entitled users and groups see them.</p>
        <div className="vg-actions" style={{ marginTop: '1rem' }}>
          <Button onClick={() => setCreating(true)}>Create pool</Button>
        </div>
      </PageSection>
      <PageSection>
        <ErrorAlert error={pools.error} />
        {pools.loading && !pools.data && <Spinner aria-label="Loading desktop pools" />}
        <div className="vg-grid">
          {pools.data?.map((p) => (
            <Card key={p.pool} data-pool={p.name}>
              <CardTitle component="h2">
                {p.display_name}{' '}
                <Label isCompact color={p.enabled ? 'green' : 'grey'}>
                  {p.enabled ? 'enabled' : 'disabled'}
                </Label>
              </CardTitle>
              <CardBody>
                <p>
                  <strong>{p.name}</strong> · {p.type.toLowerCase()} · {p.vm_count} VMs
                </p>
                <Table aria-label={`Entitlements of ${p.display_name}`} variant="compact">
                  <Thead>
                    <Tr>
                      <Th>Entitled</Th>
                    </Tr>
                  </Thead>
                  <Tbody>
                    {p.entitlements.length === 0 && (
                      <Tr>
                        <Td>Nobody yet</Td>
                      </Tr>
                    )}
                    {p.entitlements.map((e) => (
                      <Tr key={e.entitlement}>
                        <Td dataLabel="Entitled">{e.principal}</Td>
                      </Tr>
                    ))}
                  </Tbody>
                </Table>
                <div className="vg-actions" style={{ marginTop: '0.75rem' }}>
                  <Button variant="danger" size="sm" aria-label={`Delete pool ${p.name}`} onClick={() => setDeleting(p)}>
                    Delete
                  </Button>
                </div>
              </CardBody>
            </Card>
          ))}
        </div>
      </PageSection>
      {creating && (
        <ConfirmModal title="Create desktop pool" confirmLabel="Create" canConfirm={name.trim() !== ''} onClose={() => setCreating(false)} onConfirm={async () => {
          const list = vms.split(',').map((v) => v.trim()).filter((v) => v !== '');
          await post('/api/vmgate/pools', { name: name.trim(), ...(displayName.trim() ? { display_name: displayName.trim() } : {}), type, vms: list });
          setName('');
          setDisplayName('');
          setVms('');
          pools.reload();
        }}>
          <FormGroup label="Pool name" isRequired fieldId="new-pool-name">
            <TextInput id="new-pool-name" isRequired value={name} onChange={(_e, v) => setName(v)} autoComplete="off" />
          </FormGroup>
          <FormGroup label="Display name (empty: the pool name)" fieldId="new-pool-display-name" style={{ marginTop: '0.75rem' }}>
            <TextInput id="new-pool-display-name" value={displayName} onChange={(_e, v) => setDisplayName(v)} autoComplete="off" />
          </FormGroup>
          <FormGroup label="Type" fieldId="new-pool-type" style={{ marginTop: '0.75rem' }}>
            <FormSelect id="new-pool-type" value={type} onChange={(_e, v) => setType(v)}>
              <FormSelectOption value="FLOATING" label="Floating: any free desktop each time" />
              <FormSelectOption value="DEDICATED" label="Dedicated: a user keeps the first desktop given" />
              <FormSelectOption value="APPLICATION" label="Application: published applications on a shared VM" />
            </FormSelect>
          </FormGroup>
          <FormGroup label="VMs (names or ids, separated by commas)" fieldId="new-pool-vms" style={{ marginTop: '0.75rem' }}>
            <TextInput id="new-pool-vms" value={vms} onChange={(_e, v) => setVms(v)} autoComplete="off" aria-describedby="new-pool-vms-help" />
            <FormHelperText>
              <HelperText id="new-pool-vms-help">
                <HelperTextItem>For example Desktop-1, Desktop-2. Empty: none yet.</HelperTextItem>
              </HelperText>
            </FormHelperText>
          </FormGroup>
        </ConfirmModal>
      )}
      {deleting && (
        <ConfirmModal title={`Delete pool ${deleting.name}`} confirmLabel="Delete" danger onClose={() => setDeleting(null)} onConfirm={async () => {
          await del(`/api/vmgate/pools/${enc(deleting.pool)}`);
          pools.reload();
        }}>
          <p>
            The pool <strong>{deleting.display_name}</strong> is removed with its entitlements, assignments, desktop sessions and published applications. Its VMs stay.
          </p>
        </ConfirmModal>
      )}
    </>
  );
}

import { Card, CardBody, CardTitle, Label, PageSection, Spinner, Title } from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { enc, get } from '../api.ts';
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
  return (
    <>
      <PageSection>
        <Title headingLevel="h1">Desktop pools</Title>
        <p className="vg-muted">Pools are what View clients, RDV and the desktop portal launch; entitled users and groups see them.</p>
      </PageSection>
      <PageSection>
        <ErrorAlert error={pools.error} />
        {pools.loading && !pools.data && <Spinner aria-label="Loading desktop pools" />}
        <div className="vg-grid">
          {pools.data?.map((p) => (
            <Card key={p.pool}>
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
              </CardBody>
            </Card>
          ))}
        </div>
      </PageSection>
    </>
  );
}

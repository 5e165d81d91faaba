import { Button, Card, CardBody, CardFooter, CardTitle, EmptyState, EmptyStateBody, Label, PageSection, Spinner, Title } from '@patternfly/react-core';
import type { Desktop } from '../api.ts';
import { get } from '../api.ts';
import { useLive } from '../live.ts';
import { href, linkTo } from '../router.ts';
import { ErrorAlert, PowerLabel, useLoad } from '../util.tsx';

/** The desktop portal: what the user is entitled to, each with a button that opens it in this browser. */
export function DesktopsPage() {
  const desktops = useLoad((s) => get<Desktop[]>('/api/vmgate/desktops', s), []);
  useLive((m) => {
    if (m.event !== 'vm') return;
    desktops.setData((d) => d && d.map((x) => (x.vm === m.data.vm ? { ...x, power_state: m.data.power_state } : x)));
  }, []);
  return (
    <>
      <PageSection>
        <Title headingLevel="h1">My desktops</Title>
        <p className="vg-muted">Open one to use it in this browser tab; it starts if it is not running.</p>
      </PageSection>
      <PageSection>
        <ErrorAlert error={desktops.error} />
        {desktops.loading && !desktops.data && <Spinner aria-label="Loading your desktops" />}
        {desktops.data && desktops.data.length === 0 && (
          <EmptyState titleText="No desktops for you yet" headingLevel="h2">
            <EmptyStateBody>An administrator entitles you to a desktop pool; it shows here then.</EmptyStateBody>
          </EmptyState>
        )}
        <div className="vg-grid">
          {desktops.data?.map((d) => {
            const path = d.application ? `desktop/${d.pool}/${d.application}` : `desktop/${d.pool}`;
            return (
            <Card key={`${d.pool}:${d.application ?? ''}`} data-desktop={d.pool}>
              <CardTitle component="h2">{d.name}</CardTitle>
              <CardBody>
                <div className="vg-actions" style={{ alignItems: 'center' }}>
                  <Label isCompact color="blue">
                    {d.kind === 'APPLICATION' ? 'Application' : 'Desktop'}
                  </Label>
                  {d.power_state && <PowerLabel state={d.power_state} />}
                </div>
              </CardBody>
              <CardFooter>
                <Button component="a" href={href(path)} onClick={linkTo(path)} aria-label={`Open ${d.name}`}>
                  Open
                </Button>
              </CardFooter>
            </Card>
            );
          })}
        </div>
      </PageSection>
    </>
  );
}

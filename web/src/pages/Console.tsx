import { useEffect, useRef, useState } from 'react';
import RFB from '@novnc/novnc';
import { Alert, Button, PageSection, Switch, Title } from '@patternfly/react-core';
import { enc, post } from '../api.ts';
import { messageOf } from '../util.tsx';

export type ConsoleSource = { readonly kind: 'vm'; readonly vm: string } | { readonly kind: 'desktop'; readonly pool: string; readonly application?: string };

/** A one-time wss:// ticket of the console proxy: a VM's (vSphere console tickets) or a launched desktop's. */
async function ticketFor(source: ConsoleSource): Promise<{ url: string; vm: string }> {
  if (source.kind === 'vm') {
    const t = await post<{ ticket: string }>(`/api/vcenter/vm/${enc(source.vm)}/console/tickets`, { type: 'WEBMKS' });
    return { url: t.ticket, vm: source.vm };
  }
  const l = await post<{ vm: string; ticket: string }>(`/api/vmgate/desktops/${enc(source.pool)}?action=launch`, source.application ? { application: source.application } : {});
  return { url: l.ticket, vm: l.vm };
}

type State = { kind: 'connecting' } | { kind: 'connected'; name: string } | { kind: 'closed'; message: string; error: boolean };

/** noVNC over the console proxy: the ticket is the authentication (the proxy does the VM's VNC password itself). */
export function ConsolePage({ source }: { source: ConsoleSource }) {
  const screen = useRef<HTMLDivElement>(null);
  const rfb = useRef<RFB | null>(null);
  const [state, setState] = useState<State>({ kind: 'connecting' });
  const [fit, setFit] = useState(true);
  const [attempt, setAttempt] = useState(0);
  const title = source.kind === 'vm' ? source.vm : source.pool;

  useEffect(() => {
    let cancelled = false;
    setState({ kind: 'connecting' });
    ticketFor(source).then(
      ({ url }) => {
        if (cancelled || !screen.current) return;
        const r = new RFB(screen.current, url, { wsProtocols: ['binary'] });
        r.scaleViewport = fit;
        r.resizeSession = false;
        r.focusOnClick = true;
        r.background = '#151515';
        r.addEventListener('connect', () => {
          setState((s) => ({ kind: 'connected', name: s.kind === 'connected' ? s.name : '' }));
          r.focus();
        });
        r.addEventListener('desktopname', (e) => {
          const name = (e as CustomEvent<{ name: string }>).detail.name;
          setState({ kind: 'connected', name });
        });
        r.addEventListener('disconnect', (e) => {
          const clean = (e as CustomEvent<{ clean: boolean }>).detail.clean;
          rfb.current = null;
          setState({ kind: 'closed', message: clean ? 'The console was closed.' : 'The connection to the console was lost (the VM may have stopped, or the ticket was refused).', error: !clean });
        });
        r.addEventListener('securityfailure', (e) => {
          setState({ kind: 'closed', message: `The console refused the connection: ${(e as CustomEvent<{ reason?: string }>).detail.reason ?? 'security failure'}`, error: true });
        });
        rfb.current = r;
      },
      (e: unknown) => {
        if (!cancelled) setState({ kind: 'closed', message: messageOf(e), error: true });
      },
    );
    return () => {
      cancelled = true;
      rfb.current?.disconnect();
      rfb.current = null;
    };
  }, [attempt]);

  useEffect(() => {
    if (rfb.current) rfb.current.scaleViewport = fit;
  }, [fit]);

  return (
    <>
      <PageSection>
        <div className="vg-actions" style={{ alignItems: 'center', justifyContent: 'space-between' }}>
          <Title headingLevel="h1">Console: {state.kind === 'connected' && state.name ? state.name : title}</Title>
          <div className="vg-actions" role="toolbar" aria-label="Console controls" style={{ alignItems: 'center' }}>
            <Switch id="console-fit" label="Fit to window" isChecked={fit} onChange={(_e, v) => setFit(v)} />
            <Button variant="secondary" onClick={() => rfb.current?.sendCtrlAltDel()} isDisabled={state.kind !== 'connected'}>
              Send Ctrl-Alt-Del
            </Button>
            {state.kind === 'closed' && <Button onClick={() => setAttempt((a) => a + 1)}>Reconnect</Button>}
          </div>
        </div>
        <p role="status" className="vg-muted" data-console-state={state.kind} style={{ marginTop: '0.5rem' }}>
          {state.kind === 'connecting' ? 'Connecting…' : state.kind === 'connected' ? 'Connected. Keyboard and mouse go to the VM while the screen has focus.' : ''}
        </p>
        {state.kind === 'closed' && <Alert variant={state.error ? 'danger' : 'info'} isInline title={state.message} />}
      </PageSection>
      <PageSection padding={{ default: 'noPadding' }}>
        <div ref={screen} className={`vg-console-screen${fit ? ' fit' : ''}`} aria-label="Console screen" data-testid="console-screen" />
      </PageSection>
    </>
  );
}

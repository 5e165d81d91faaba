import { useCallback, useEffect, useState } from 'react';
import {
  Button,
  Masthead,
  MastheadBrand,
  MastheadContent,
  MastheadLogo,
  MastheadMain,
  MastheadToggle,
  Nav,
  NavItem,
  NavList,
  Page,
  PageSidebar,
  PageSidebarBody,
  PageToggleButton,
  SkipToContent,
  Spinner,
  Bullseye,
} from '@patternfly/react-core';
import BarsIcon from '@patternfly/react-icons/dist/esm/icons/bars-icon';
import type { WebSession } from './api.ts';
import { ApiError, get, logout } from './api.ts';
import { startLive, stopLive, useLiveConnected } from './live.ts';
import { href, linkTo, navigate, usePath } from './router.ts';
import { LoginPage } from './pages/Login.tsx';
import { InventoryPage } from './pages/Inventory.tsx';
import { VmPage } from './pages/Vm.tsx';
import { CreateVmPage } from './pages/CreateVm.tsx';
import { TasksPage } from './pages/Tasks.tsx';
import { HostsPage } from './pages/Hosts.tsx';
import { AccessPage } from './pages/Access.tsx';
import { PoolsPage } from './pages/Pools.tsx';
import { DesktopsPage } from './pages/Desktops.tsx';
import { ConsolePage } from './pages/Console.tsx';
import { ErrorAlert } from './util.tsx';

/** Who sees the administration pages: whoever may view the inventory (administrators, operators, read-only). */
export function isAdmin(s: WebSession): boolean {
  return s.administrator || s.privileges.includes('System.View');
}

interface NavEntry {
  readonly path: string;
  readonly title: string;
}

export function App() {
  const [session, setSession] = useState<WebSession | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);

  const refresh = useCallback(async () => {
    try {
      setSession(await get<WebSession>('/api/vmgate/session'));
      setError(null);
    } catch (e) {
      if (e instanceof ApiError && (e.status === 401 || e.status === 403)) setSession(null);
      else {
        setError((e as Error).message);
        setSession(null);
      }
    }
  }, []);

  useEffect(() => {
    void refresh();
    const gone = (): void => setSession(null);
    window.addEventListener('vmgate-unauthenticated', gone);
    return () => window.removeEventListener('vmgate-unauthenticated', gone);
  }, [refresh]);

  useEffect(() => {
    if (session) startLive();
    else stopLive();
  }, [session]);

  if (session === undefined) {
    return (
      <Bullseye style={{ minHeight: '100vh' }}>
        <Spinner aria-label="Loading vmgate" />
      </Bullseye>
    );
  }
  if (session === null) return <LoginPage onLoggedIn={refresh} startupError={error} />;
  return <Shell session={session} onLogout={async () => {
    stopLive();
    await logout();
    setSession(null);
    navigate('', true);
  }} />;
}

function Shell({ session, onLogout }: { session: WebSession; onLogout: () => Promise<void> }) {
  const path = usePath();
  const admin = isAdmin(session);
  const live = useLiveConnected();
  const nav: NavEntry[] = admin
    ? [
        { path: 'inventory', title: 'Inventory' },
        { path: 'tasks', title: 'Tasks' },
        { path: 'hosts', title: 'Hosts' },
        { path: 'access', title: 'Users and permissions' },
        { path: 'pools', title: 'Desktop pools' },
        ...(session.privileges.includes('Desktop.Use') ? [{ path: 'desktops', title: 'My desktops' }] : []),
      ]
    : [{ path: 'desktops', title: 'My desktops' }];
  const home = nav[0]!.path;
  const [first, ...rest] = path.split('/');
  const section = first === '' ? home : first!;

  useEffect(() => {
    if (path === '') navigate(home, true);
  }, [path, home]);

  const adminOnly = new Set(['inventory', 'vm', 'create-vm', 'tasks', 'hosts', 'access', 'pools', 'console']);
  let content: React.ReactNode;
  if (adminOnly.has(section) && !admin) {
    content = <Forbidden />;
  } else if (section === 'inventory') content = <InventoryPage />;
  else if (section === 'vm' && rest[0]) content = <VmPage vm={rest[0]} session={session} />;
  else if (section === 'create-vm') content = <CreateVmPage />;
  else if (section === 'tasks') content = <TasksPage />;
  else if (section === 'hosts') content = <HostsPage />;
  else if (section === 'access') content = <AccessPage />;
  else if (section === 'pools') content = <PoolsPage />;
  else if (section === 'desktops') content = <DesktopsPage />;
  else if (section === 'console' && rest[0]) content = <ConsolePage key={path} source={{ kind: 'vm', vm: rest[0] }} />;
  else if (section === 'desktop' && rest[0]) content = <ConsolePage key={path} source={{ kind: 'desktop', pool: rest[0], ...(rest[1] ? { application: rest[1] } : {}) }} />;
  else content = <NotFound />;

  const activeNav = section === 'vm' || section === 'create-vm' || section === 'console' ? 'inventory' : section === 'desktop' ? 'desktops' : section;

  const masthead = (
    <Masthead className="vg-masthead" display={{ default: 'inline' }}>
      <MastheadMain>
        <MastheadToggle>
          <PageToggleButton variant="plain" aria-label="Navigation menu">
            <BarsIcon />
          </PageToggleButton>
        </MastheadToggle>
        <MastheadBrand>
          <MastheadLogo component="a" href={href(home)} onClick={linkTo(home)} aria-label="vmgate home">
            <span className="vg-brand">
              <span className="vg-brand-mark" aria-hidden="true">vg</span>
              <span className="vg-brand-name">vmgate</span>
            </span>
          </MastheadLogo>
        </MastheadBrand>
      </MastheadMain>
      <MastheadContent>
        <div className="vg-masthead-tools">
          <span className="vg-live" title={live ? 'Live updates are on' : 'Live updates are reconnecting'}>
            <span className={`vg-live-dot${live ? ' on' : ''}`} aria-hidden="true" />
            <span className="vg-live-text">{live ? 'Live' : 'Offline'}</span>
          </span>
          <span data-testid="current-user" className="vg-user">{session.user}</span>
          <Button variant="secondary" size="sm" onClick={() => void onLogout()}>
            Log out
          </Button>
        </div>
      </MastheadContent>
    </Masthead>
  );
  const sidebar = (
    <PageSidebar>
      <PageSidebarBody>
        <Nav aria-label="Main">
          <NavList>
            {nav.map((n) => (
              <NavItem key={n.path} itemId={n.path} isActive={activeNav === n.path} to={href(n.path)} onClick={(e) => linkTo(n.path)(e as unknown as React.MouseEvent)}>
                {n.title}
              </NavItem>
            ))}
          </NavList>
        </Nav>
      </PageSidebarBody>
    </PageSidebar>
  );
  return (
    <Page isManagedSidebar masthead={masthead} sidebar={sidebar} skipToContent={<SkipToContent href="#main">Skip to content</SkipToContent>} mainContainerId="main">
      {content}
    </Page>
  );
}

function Forbidden() {
  return (
    <div style={{ padding: '2rem' }}>
      <ErrorAlert title="Not allowed" error="Your account may not use the administration pages. Your desktops are under My desktops." />
    </div>
  );
}

function NotFound() {
  return (
    <div style={{ padding: '2rem' }}>
      <ErrorAlert title="No such page" error="This address is not a page of the vmgate dashboard." />
    </div>
  );
}

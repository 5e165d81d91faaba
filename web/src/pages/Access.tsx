import { useState } from 'react';
import { Alert, Button, Checkbox, FormGroup, FormSelect, FormSelectOption, Label, PageSection, Tab, TabTitleText, Tabs, TextInput, Title } from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { get, post } from '../api.ts';
import { ConfirmModal } from '../confirm.tsx';
import { ErrorAlert, formatTime, useLoad } from '../util.tsx';

interface User {
  user: string;
  name: string;
  full_name: string;
  disabled: boolean;
  locked: boolean;
}
interface Group {
  group: string;
  name: string;
  description: string;
  members: string[];
  created: string;
}
interface Role {
  id: string;
  name: string;
  privileges: string[];
  system: boolean;
}
interface Permission {
  permission: string;
  principal: string;
  entity: string;
  role: string;
  propagate: boolean;
}

function UsersTab() {
  const users = useLoad((s) => get<User[]>('/api/vmgate/users', s), []);
  const [creating, setCreating] = useState(false);
  const [name, setName] = useState('');
  const [fullName, setFullName] = useState('');
  const [password, setPassword] = useState('');
  const [generated, setGenerated] = useState<{ name: string; password: string } | null>(null);
  return (
    <>
      <div className="vg-actions" style={{ margin: '1rem 0' }}>
        <Button onClick={() => setCreating(true)}>Create user</Button>
      </div>
      {generated && (
        <Alert variant="info" isInline title={`Password of ${generated.name}, shown this once`} actionClose={<Button variant="plain" aria-label="Close" onClick={() => setGenerated(null)}>×</Button>}>
          <code>{generated.password}</code>
        </Alert>
      )}
      <ErrorAlert error={users.error} />
      <div className="vg-table-wrap">
        <Table aria-label="Users" variant="compact">
          <Thead>
            <Tr>
              <Th>Name</Th>
              <Th>Full name</Th>
              <Th>Status</Th>
            </Tr>
          </Thead>
          <Tbody>
            {users.data?.map((u) => (
              <Tr key={u.user}>
                <Td dataLabel="Name">{u.name}</Td>
                <Td dataLabel="Full name">{u.full_name}</Td>
                <Td dataLabel="Status">
                  {u.disabled ? <Label color="grey">disabled</Label> : u.locked ? <Label color="orange">locked</Label> : <Label color="green">active</Label>}
                </Td>
              </Tr>
            ))}
          </Tbody>
        </Table>
      </div>
      {creating && (
        <ConfirmModal title="Create user" confirmLabel="Create" canConfirm={name.trim() !== ''} onClose={() => setCreating(false)} onConfirm={async () => {
          const r = await post<{ user: string; password?: string }>('/api/vmgate/users', { name: name.trim(), ...(fullName ? { full_name: fullName } : {}), ...(password ? { password } : {}) });
          if (r.password) setGenerated({ name: name.trim(), password: r.password });
          setName('');
          setFullName('');
          setPassword('');
          users.reload();
        }}>
          <FormGroup label="User name" isRequired fieldId="new-user-name">
            <TextInput id="new-user-name" isRequired value={name} onChange={(_e, v) => setName(v)} autoComplete="off" />
          </FormGroup>
          <FormGroup label="Full name" fieldId="new-user-full-name" style={{ marginTop: '0.75rem' }}>
            <TextInput id="new-user-full-name" value={fullName} onChange={(_e, v) => setFullName(v)} autoComplete="off" />
          </FormGroup>
          <FormGroup label="Password (empty: vmgate makes one)" fieldId="new-user-password" style={{ marginTop: '0.75rem' }}>
            <TextInput id="new-user-password" type="password" value={password} onChange={(_e, v) => setPassword(v)} autoComplete="new-password" />
          </FormGroup>
        </ConfirmModal>
      )}
    </>
  );
}

function GroupsTab() {
  const groups = useLoad((s) => get<Group[]>('/api/vmgate/groups', s), []);
  return (
    <>
      <ErrorAlert error={groups.error} />
      {groups.data && groups.data.length === 0 && <p className="vg-muted" style={{ marginTop: '1rem' }}>No groups yet.</p>}
      <div className="vg-table-wrap">
        <Table aria-label="Groups" variant="compact">
          <Thead>
            <Tr>
              <Th>Name</Th>
              <Th>Description</Th>
              <Th>Members</Th>
              <Th>Created</Th>
            </Tr>
          </Thead>
          <Tbody>
            {groups.data?.map((g) => (
              <Tr key={g.group}>
                <Td dataLabel="Name">{g.name}</Td>
                <Td dataLabel="Description">{g.description}</Td>
                <Td dataLabel="Members">{g.members.join(', ') || '—'}</Td>
                <Td dataLabel="Created">{formatTime(g.created)}</Td>
              </Tr>
            ))}
          </Tbody>
        </Table>
      </div>
    </>
  );
}

function RolesTab() {
  const roles = useLoad((s) => get<Role[]>('/api/vmgate/roles', s), []);
  return (
    <>
      <ErrorAlert error={roles.error} />
      <div className="vg-table-wrap">
        <Table aria-label="Roles" variant="compact">
          <Thead>
            <Tr>
              <Th>Role</Th>
              <Th>Privileges</Th>
            </Tr>
          </Thead>
          <Tbody>
            {roles.data?.map((r) => (
              <Tr key={r.id}>
                <Td dataLabel="Role">
                  {r.name} {r.system && <Label isCompact>built in</Label>}
                </Td>
                <Td dataLabel="Privileges">
                  <div className="vg-actions" style={{ gap: '0.25rem' }}>
                    {r.privileges.map((p) => (
                      <Label key={p} isCompact variant="outline">
                        {p}
                      </Label>
                    ))}
                  </div>
                </Td>
              </Tr>
            ))}
          </Tbody>
        </Table>
      </div>
    </>
  );
}

function PermissionsTab() {
  const perms = useLoad((s) => get<Permission[]>('/api/vmgate/permissions', s), []);
  const roles = useLoad((s) => get<Role[]>('/api/vmgate/roles', s), []);
  const [granting, setGranting] = useState(false);
  const [principal, setPrincipal] = useState('');
  const [entity, setEntity] = useState('root');
  const [role, setRole] = useState('read-only');
  const [propagate, setPropagate] = useState(true);
  return (
    <>
      <div className="vg-actions" style={{ margin: '1rem 0' }}>
        <Button onClick={() => setGranting(true)}>Grant a role</Button>
      </div>
      <ErrorAlert error={perms.error} />
      <div className="vg-table-wrap">
        <Table aria-label="Permissions" variant="compact">
          <Thead>
            <Tr>
              <Th>Principal</Th>
              <Th>Object</Th>
              <Th>Role</Th>
              <Th>Propagates</Th>
            </Tr>
          </Thead>
          <Tbody>
            {perms.data?.map((p) => (
              <Tr key={p.permission}>
                <Td dataLabel="Principal">{p.principal}</Td>
                <Td dataLabel="Object">{p.entity}</Td>
                <Td dataLabel="Role">{p.role}</Td>
                <Td dataLabel="Propagates">{p.propagate ? 'yes' : 'no'}</Td>
              </Tr>
            ))}
          </Tbody>
        </Table>
      </div>
      {granting && (
        <ConfirmModal title="Grant a role" confirmLabel="Grant" canConfirm={principal.trim() !== '' && entity.trim() !== ''} onClose={() => setGranting(false)} onConfirm={async () => {
          const p = principal.trim();
          await post('/api/vmgate/permissions', { principal: p.includes(':') ? p : `user:${p}`, entity: entity.trim(), role, propagate });
          perms.reload();
        }}>
          <FormGroup label="User or group (user:NAME or group:NAME)" isRequired fieldId="grant-principal">
            <TextInput id="grant-principal" isRequired value={principal} onChange={(_e, v) => setPrincipal(v)} autoComplete="off" />
          </FormGroup>
          <FormGroup label="On (root, a datacenter, cluster, host, VM or pool id)" isRequired fieldId="grant-entity" style={{ marginTop: '0.75rem' }}>
            <TextInput id="grant-entity" isRequired value={entity} onChange={(_e, v) => setEntity(v)} autoComplete="off" />
          </FormGroup>
          <FormGroup label="Role" fieldId="grant-role" style={{ marginTop: '0.75rem' }}>
            <FormSelect id="grant-role" value={role} onChange={(_e, v) => setRole(v)}>
              {(roles.data ?? []).map((r) => (
                <FormSelectOption key={r.id} value={r.id} label={r.name} />
              ))}
            </FormSelect>
          </FormGroup>
          <div style={{ marginTop: '0.75rem' }}>
            <Checkbox id="grant-propagate" label="Also on everything below it" isChecked={propagate} onChange={(_e, v) => setPropagate(v)} />
          </div>
        </ConfirmModal>
      )}
    </>
  );
}

export function AccessPage() {
  const [tab, setTab] = useState<string | number>('users');
  return (
    <>
      <PageSection>
        <Title headingLevel="h1">Users and permissions</Title>
      </PageSection>
      <PageSection>
        <Tabs activeKey={tab} onSelect={(_e, k) => setTab(k)} aria-label="Users, groups, roles and permissions" mountOnEnter unmountOnExit>
          <Tab eventKey="users" title={<TabTitleText>Users</TabTitleText>}>
            <UsersTab />
          </Tab>
          <Tab eventKey="groups" title={<TabTitleText>Groups</TabTitleText>}>
            <GroupsTab />
          </Tab>
          <Tab eventKey="roles" title={<TabTitleText>Roles</TabTitleText>}>
            <RolesTab />
          </Tab>
          <Tab eventKey="permissions" title={<TabTitleText>Permissions</TabTitleText>}>
            <PermissionsTab />
          </Tab>
        </Tabs>
      </PageSection>
    </>
  );
}

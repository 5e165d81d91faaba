import { useState } from 'react';
import { Alert, Button, Checkbox, FormGroup, FormSelect, FormSelectOption, Label, PageSection, Spinner, Tab, TabTitleText, Tabs, TextInput, Title } from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { del, enc, get, patch, post } from '../api.ts';
import { ConfirmModal } from '../confirm.tsx';
import { ErrorAlert, formatTime, useLoad } from '../util.tsx';

interface User {
  user: string;
  name: string;
  full_name: string;
  disabled: boolean;
  locked: boolean;
}
interface UserInfo extends User {
  must_change_password: boolean;
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
  const [editing, setEditing] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<string | null>(null);
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
              <Th screenReaderText="Actions" />
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
                <Td dataLabel="Actions">
                  <div className="vg-actions">
                    <Button variant="secondary" size="sm" aria-label={`Edit ${u.name}`} onClick={() => setEditing(u.name)}>
                      Edit
                    </Button>
                    <Button variant="danger" size="sm" aria-label={`Delete ${u.name}`} onClick={() => setDeleting(u.name)}>
                      Delete
                    </Button>
                  </div>
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
      {editing && <EditUserModal name={editing} onClose={() => setEditing(null)} onSaved={users.reload} />}
      {deleting && (
        <ConfirmModal title={`Delete user ${deleting}`} confirmLabel="Delete" danger onClose={() => setDeleting(null)} onConfirm={async () => {
          await del(`/api/vmgate/users/${enc(deleting)}`);
          users.reload();
        }}>
          <p>
            The account <strong>{deleting}</strong> is removed with its sessions, permissions and group memberships. This cannot be undone.
          </p>
        </ConfirmModal>
      )}
    </>
  );
}

/** Full name, disabled, must change password: only what changed is sent (PATCH). */
function EditUserModal({ name, onClose, onSaved }: { name: string; onClose: () => void; onSaved: () => void }) {
  const info = useLoad((sig) => get<UserInfo>(`/api/vmgate/users/${enc(name)}`, sig), [name]);
  const [fullName, setFullName] = useState<string | null>(null);
  const [disabled, setDisabled] = useState<boolean | null>(null);
  const [mustChange, setMustChange] = useState<boolean | null>(null);
  const u = info.data;
  return (
    <ConfirmModal title={`Edit user ${name}`} confirmLabel="Save" canConfirm={u !== null} onClose={onClose} onConfirm={async () => {
      if (!u) return;
      const spec: { full_name?: string; disabled?: boolean; must_change_password?: boolean } = {};
      if (fullName !== null && fullName !== u.full_name) spec.full_name = fullName;
      if (disabled !== null && disabled !== u.disabled) spec.disabled = disabled;
      if (mustChange !== null && mustChange !== u.must_change_password) spec.must_change_password = mustChange;
      if (Object.keys(spec).length > 0) await patch(`/api/vmgate/users/${enc(name)}`, spec);
      onSaved();
    }}>
      <ErrorAlert error={info.error} />
      {u && (
        <>
          <FormGroup label="Full name" fieldId="edit-user-full-name">
            <TextInput id="edit-user-full-name" value={fullName ?? u.full_name} onChange={(_e, v) => setFullName(v)} autoComplete="off" />
          </FormGroup>
          <div style={{ marginTop: '0.75rem' }}>
            <Checkbox id="edit-user-disabled" label="Disabled (cannot log in)" isChecked={disabled ?? u.disabled} onChange={(_e, v) => setDisabled(v)} />
          </div>
          <div style={{ marginTop: '0.75rem' }}>
            <Checkbox id="edit-user-must-change" label="Must change the password at the next login" isChecked={mustChange ?? u.must_change_password} onChange={(_e, v) => setMustChange(v)} />
          </div>
        </>
      )}
    </ConfirmModal>
  );
}

/** Check boxes of every user; `chosen` holds user names. */
function MemberPicker({ users, chosen, onChange, idPrefix }: { users: User[] | null; chosen: ReadonlySet<string>; onChange: (next: Set<string>) => void; idPrefix: string }) {
  if (!users) return <Spinner size="md" aria-label="Loading users" />;
  return (
    <fieldset>
      <legend className="vg-muted">Members</legend>
      {users.map((u) => (
        <Checkbox
          key={u.user}
          id={`${idPrefix}-${u.user}`}
          label={u.name}
          isChecked={chosen.has(u.name)}
          onChange={(_e, v) => {
            const next = new Set(chosen);
            if (v) next.add(u.name);
            else next.delete(u.name);
            onChange(next);
          }}
        />
      ))}
    </fieldset>
  );
}

function GroupsTab() {
  const groups = useLoad((s) => get<Group[]>('/api/vmgate/groups', s), []);
  const users = useLoad((s) => get<User[]>('/api/vmgate/users', s), []);
  const [creating, setCreating] = useState(false);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [members, setMembers] = useState<Set<string>>(new Set());
  const [editing, setEditing] = useState<Group | null>(null);
  const [deleting, setDeleting] = useState<Group | null>(null);
  return (
    <>
      <div className="vg-actions" style={{ margin: '1rem 0' }}>
        <Button onClick={() => setCreating(true)}>Create group</Button>
      </div>
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
              <Th screenReaderText="Actions" />
            </Tr>
          </Thead>
          <Tbody>
            {groups.data?.map((g) => (
              <Tr key={g.group} data-group={g.name}>
                <Td dataLabel="Name">{g.name}</Td>
                <Td dataLabel="Description">{g.description}</Td>
                <Td dataLabel="Members">{g.members.join(', ') || '—'}</Td>
                <Td dataLabel="Created">{formatTime(g.created)}</Td>
                <Td dataLabel="Actions">
                  <div className="vg-actions">
                    <Button variant="secondary" size="sm" aria-label={`Edit members of ${g.name}`} onClick={() => setEditing(g)}>
                      Members
                    </Button>
                    <Button variant="danger" size="sm" aria-label={`Delete group ${g.name}`} onClick={() => setDeleting(g)}>
                      Delete
                    </Button>
                  </div>
                </Td>
              </Tr>
            ))}
          </Tbody>
        </Table>
      </div>
      {creating && (
        <ConfirmModal title="Create group" confirmLabel="Create" canConfirm={name.trim() !== ''} onClose={() => setCreating(false)} onConfirm={async () => {
          await post('/api/vmgate/groups', { name: name.trim(), ...(description ? { description } : {}), ...(members.size > 0 ? { members: [...members] } : {}) });
          setName('');
          setDescription('');
          setMembers(new Set());
          groups.reload();
        }}>
          <FormGroup label="Group name" isRequired fieldId="new-group-name">
            <TextInput id="new-group-name" isRequired value={name} onChange={(_e, v) => setName(v)} autoComplete="off" />
          </FormGroup>
          <FormGroup label="Description" fieldId="new-group-description" style={{ marginTop: '0.75rem' }}>
            <TextInput id="new-group-description" value={description} onChange={(_e, v) => setDescription(v)} autoComplete="off" />
          </FormGroup>
          <div style={{ marginTop: '0.75rem' }}>
            <MemberPicker users={users.data} chosen={members} onChange={setMembers} idPrefix="new-group-member" />
          </div>
        </ConfirmModal>
      )}
      {editing && <GroupMembersModal group={editing} users={users.data} onClose={() => setEditing(null)} onSaved={groups.reload} />}
      {deleting && (
        <ConfirmModal title={`Delete group ${deleting.name}`} confirmLabel="Delete" danger onClose={() => setDeleting(null)} onConfirm={async () => {
          await del(`/api/vmgate/groups/${enc(deleting.name)}`);
          groups.reload();
        }}>
          <p>
            The group <strong>{deleting.name}</strong> and its permissions are removed; its members keep their accounts. This cannot be undone.
          </p>
        </ConfirmModal>
      )}
    </>
  );
}

/** Membership: the users ticked and not yet members are added, the members unticked are removed. */
function GroupMembersModal({ group, users, onClose, onSaved }: { group: Group; users: User[] | null; onClose: () => void; onSaved: () => void }) {
  const [chosen, setChosen] = useState<Set<string>>(() => new Set(group.members));
  return (
    <ConfirmModal title={`Members of ${group.name}`} confirmLabel="Save" onClose={onClose} onConfirm={async () => {
      const before = new Set(group.members);
      const add = [...chosen].filter((u) => !before.has(u));
      const remove = group.members.filter((u) => !chosen.has(u));
      const path = `/api/vmgate/groups/${enc(group.name)}`;
      try {
        if (add.length > 0) await post(`${path}?action=add-members`, { users: add });
        if (remove.length > 0) await post(`${path}?action=remove-members`, { users: remove });
      } finally {
        onSaved();
      }
    }}>
      <MemberPicker users={users} chosen={chosen} onChange={setChosen} idPrefix={`group-member-${group.group}`} />
    </ConfirmModal>
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

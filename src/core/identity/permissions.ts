import { checkObjectName } from '../names.ts';
import type { Authorizer } from '../authorizer.ts';
import type { Caller } from '../caller.ts';
import type { CoreContext } from '../context.ts';
import { alreadyExists, invalidArgument, notFound } from '../errors.ts';
import type { EventLog } from '../events.ts';
import { nextId } from '../ids.ts';
import type { Permission, Principal, Role } from '../model/index.ts';
import { PRIVILEGES } from '../model/index.ts';
import type { GroupService } from './groups.ts';
import type { UserService } from './users.ts';

/** Authorization: roles (sets of privileges) and permissions (a role for a principal on an object). */
export class PermissionService {
  constructor(
    private readonly ctx: CoreContext,
    private readonly authz: Authorizer,
    private readonly events: EventLog,
    private readonly users: UserService,
    private readonly groups: GroupService,
  ) {}

  async listRoles(caller: Caller): Promise<Role[]> {
    await this.authz.require(caller, 'System.View', 'root');
    return this.ctx.store.roles.list();
  }

  async createRole(caller: Caller, spec: { id: string; name: string; privileges: string[] }): Promise<Role> {
    await this.authz.require(caller, 'Authorization.Modify', 'root');
    const bad = spec.privileges.filter((p) => !(PRIVILEGES as readonly string[]).includes(p));
    if (bad.length) throw invalidArgument(`unknown privileges: ${bad.join(', ')}; known: ${PRIVILEGES.join(', ')}`, { module: 'core.identity' });
    if (!/^[a-z0-9-]{1,40}$/.test(spec.id)) throw invalidArgument(`role id '${spec.id}' is not valid (lower-case letters, digits, -)`, { module: 'core.identity' });
    checkObjectName('role name', spec.name, { module: 'core.identity' });
    if (await this.ctx.store.roles.get(spec.id)) throw alreadyExists(`role '${spec.id}' already exists`, { module: 'core.identity' });
    const role: Role = { id: spec.id, name: spec.name, privileges: spec.privileges as Role['privileges'], system: false };
    await this.ctx.store.roles.insert(role);
    this.authz.invalidate();
    return role;
  }

  async listPermissions(caller: Caller, entityId?: string): Promise<Permission[]> {
    await this.authz.require(caller, 'System.View', entityId ?? 'root');
    return entityId ? this.ctx.store.permissions.listForEntity(entityId) : this.ctx.store.permissions.list();
  }

  /** Grants `roleId` to a principal ('user:<name|id>' or 'group:<name|id>') on an object. */
  async setPermission(caller: Caller, spec: { principal: string; entityId: string; roleId: string; propagate?: boolean }): Promise<Permission> {
    await this.authz.require(caller, 'Authorization.Modify', spec.entityId);
    if (!(await this.entityExists(spec.entityId))) throw notFound(`object '${spec.entityId}' was not found`, { module: 'core.identity' });
    const principal = await this.resolvePrincipal(spec.principal);
    if (!(await this.ctx.store.roles.get(spec.roleId))) throw notFound(`role '${spec.roleId}' was not found`, { module: 'core.identity' });
    const existing = (await this.ctx.store.permissions.listForEntity(spec.entityId)).find((p) => p.principal === principal);
    let perm: Permission;
    if (existing) {
      perm = await this.ctx.store.permissions.update(existing.id, { roleId: spec.roleId, propagate: spec.propagate ?? true });
    } else {
      perm = {
        id: await nextId(this.ctx.store, 'permission'),
        principal,
        entityId: spec.entityId,
        roleId: spec.roleId,
        propagate: spec.propagate ?? true,
        createdAt: this.ctx.clock.now().toISOString(),
      };
      await this.ctx.store.permissions.insert(perm);
    }
    this.authz.invalidate();
    await this.events.record(spec.entityId, 'permission.set', `${principal} granted ${spec.roleId} on ${spec.entityId}`, { caller });
    return perm;
  }

  async removePermission(caller: Caller, permissionId: string): Promise<void> {
    const p = await this.ctx.store.permissions.get(permissionId);
    if (!p) throw notFound(`permission ${permissionId} was not found`, { module: 'core.identity' });
    await this.authz.require(caller, 'Authorization.Modify', p.entityId);
    await this.ctx.store.permissions.delete(p.id);
    this.authz.invalidate();
  }

  /** Whether a permission target exists: root, library, or an inventory object or pool. */
  private async entityExists(id: string): Promise<boolean> {
    const s = this.ctx.store;
    if (id === 'root' || id === 'library') return true;
    if (id.startsWith('vm-')) return !!(await s.vms.get(id));
    if (id.startsWith('host-')) return !!(await s.hosts.get(id));
    if (id.startsWith('domain-c')) return !!(await s.clusters.get(id));
    if (id.startsWith('datacenter-')) return !!(await s.datacenters.get(id));
    if (id.startsWith('datastore-')) return !!(await s.datastores.get(id));
    if (id.startsWith('pool-')) return !!(await s.pools.get(id));
    return false;
  }

  async resolvePrincipal(s: string): Promise<Principal> {
    const [kind, ref] = s.includes(':') ? [s.slice(0, s.indexOf(':')), s.slice(s.indexOf(':') + 1)] : ['user', s];
    if (kind === 'user') return `user:${(await this.users.resolveUser(ref!)).id}`;
    if (kind === 'group') return `group:${(await this.groups.resolveGroup(ref!)).id}`;
    throw invalidArgument(`principal '${s}' must be user:<name> or group:<name>`, { module: 'core.identity' });
  }
}

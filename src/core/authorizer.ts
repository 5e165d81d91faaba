import type { Caller } from './caller.ts';
import type { CoreContext } from './context.ts';
import { effectivePrivileges, requirePrivilege, setAllPrivileges } from './authz.ts';
import { notFound } from './errors.ts';
import type { Group, Permission, Privilege, Role, Vm } from './model/index.ts';
import { PRIVILEGES } from './model/index.ts';

setAllPrivileges(PRIVILEGES);

/**
 * Checks privileges on inventory objects. Permissions and roles are few and read on every
 * call, so they are cached and reloaded when they change.
 */
export class Authorizer {
  private cache: { byEntity: Map<string, Permission[]>; roles: Map<string, Role> } | null = null;
  /** Host → [host, cluster?, datacenter]: fixed once a host exists. */
  private readonly hostPath = new Map<string, readonly string[]>();
  private groupsCache: Promise<readonly Group[]> | null = null;

  constructor(private readonly ctx: CoreContext) {}

  /** Permissions, roles or groups changed. */
  invalidate(): void {
    this.cache = null;
    this.groupsCache = null;
  }

  /** Groups, cached (every authenticated call needs the caller's groups). */
  groups(): Promise<readonly Group[]> {
    this.groupsCache ??= this.ctx.store.groups.list().catch((e: unknown) => {
      this.groupsCache = null;
      throw e;
    });
    return this.groupsCache;
  }

  private async hostAncestry(hostId: string): Promise<readonly string[] | null> {
    const cached = this.hostPath.get(hostId);
    if (cached) return cached;
    const h = await this.ctx.store.hosts.get(hostId);
    if (!h) return null;
    const path = [h.id, ...(h.clusterId ? [h.clusterId] : []), h.datacenterId];
    this.hostPath.set(hostId, path);
    return path;
  }

  private async load(): Promise<{ byEntity: Map<string, Permission[]>; roles: Map<string, Role> }> {
    if (this.cache) return this.cache;
    const [perms, roles] = await Promise.all([this.ctx.store.permissions.list(), this.ctx.store.roles.list()]);
    const byEntity = new Map<string, Permission[]>();
    for (const p of perms) {
      const l = byEntity.get(p.entityId) ?? [];
      l.push(p);
      byEntity.set(p.entityId, l);
    }
    this.cache = { byEntity, roles: new Map(roles.map((r) => [r.id, r])) };
    return this.cache;
  }

  /** Object → ... → 'root'. */
  async ancestry(entityId: string): Promise<string[]> {
    const s = this.ctx.store;
    if (entityId === 'root') return ['root'];
    if (entityId === 'library') return ['library', 'root'];
    if (entityId.startsWith('vm-')) {
      const vm = await s.vms.get(entityId);
      if (!vm) return [entityId, 'root'];
      return this.vmAncestry(vm);
    }
    if (entityId.startsWith('host-')) {
      const p = await this.hostAncestry(entityId);
      return p ? [...p, 'root'] : [entityId, 'root'];
    }
    if (entityId.startsWith('domain-c')) {
      const c = await s.clusters.get(entityId);
      return c ? [c.id, c.datacenterId, 'root'] : [entityId, 'root'];
    }
    if (entityId.startsWith('datastore-')) {
      const d = await s.datastores.get(entityId);
      return d ? [d.id, d.datacenterId, 'root'] : [entityId, 'root'];
    }
    return [entityId, 'root'];
  }

  async vmAncestry(vm: Pick<Vm, 'id' | 'hostId'>): Promise<string[]> {
    if (!vm.hostId) return [vm.id, 'library', 'root'];
    const p = await this.hostAncestry(vm.hostId);
    return p ? [vm.id, ...p, 'root'] : [vm.id, 'root'];
  }

  async privileges(caller: Caller, entityId: string, ancestry?: readonly string[]): Promise<ReadonlySet<Privilege>> {
    const { byEntity, roles } = await this.load();
    return effectivePrivileges(caller, ancestry ?? (await this.ancestry(entityId)), byEntity, roles);
  }

  async has(caller: Caller, privilege: Privilege, entityId: string, ancestry?: readonly string[]): Promise<boolean> {
    if (caller.kind === 'system') return true;
    return (await this.privileges(caller, entityId, ancestry)).has(privilege);
  }

  async require(caller: Caller, privilege: Privilege, entityId: string, ancestry?: readonly string[]): Promise<void> {
    if (caller.kind === 'system') return;
    requirePrivilege(caller, privilege, await this.privileges(caller, entityId, ancestry), entityId);
  }

  /**
   * Like require, but an object the caller may not read (no System.View on it) and may not
   * act on answers not_found, exactly as one that does not exist: ids and names of other
   * people's objects do not leak, and 403 vs 404 tells nothing. Readable but not allowed
   * answers unauthorized. VirtualMachine.Console is also held on the VMs of the desktop
   * pools the caller is entitled to (desktop users hold no permission on VMs).
   */
  async requireVisible(caller: Caller, privilege: Privilege, entityId: string, ancestry?: readonly string[]): Promise<void> {
    if (caller.kind === 'system') return;
    const privs = await this.privileges(caller, entityId, ancestry);
    if (privs.has(privilege)) return;
    if (privilege === 'VirtualMachine.Console' && (await this.entitledToVm(caller, entityId))) return;
    if (!privs.has('System.View')) throw notFound(`${entityId} was not found`, { module: 'core.authz' });
    requirePrivilege(caller, privilege, privs, entityId);
  }

  /**
   * Whether the caller may watch an object's changes (live updates): System.View on it, or
   * for a VM, an entitlement to a desktop pool that holds it (desktop users see their
   * desktops, nothing else).
   */
  async mayWatch(caller: Caller, entityId: string, ancestry?: readonly string[]): Promise<boolean> {
    if (caller.kind === 'system') return true;
    if ((await this.privileges(caller, entityId, ancestry)).has('System.View')) return true;
    return entityId.startsWith('vm-') && this.entitledToVm(caller, entityId);
  }

  /** Whether `vmId` is in a desktop pool the caller (or one of its groups) is entitled to. */
  private async entitledToVm(caller: Caller, vmId: string): Promise<boolean> {
    if (caller.kind !== 'user') return false;
    const mine = new Set([`user:${caller.userId}`, ...caller.groupIds.map((g) => `group:${g}`)]);
    for (const pool of await this.ctx.store.pools.list()) {
      if (!pool.vmIds.includes(vmId)) continue;
      if ((await this.ctx.store.entitlements.listForPool(pool.id)).some((e) => mine.has(e.principal))) return true;
    }
    return false;
  }

  /** Whether the caller can see everything (administrator-like on root). Used to skip per-row filtering. */
  async seesAll(caller: Caller): Promise<boolean> {
    if (caller.kind === 'system') return true;
    const { byEntity } = await this.load();
    const privs = await this.privileges(caller, 'root', ['root']);
    if (!privs.has('System.View')) return false;
    // A narrower permission lower down could take rights away: only skip filtering when none exist for this caller.
    const mine = new Set([`user:${caller.userId}`, ...caller.groupIds.map((g) => `group:${g}`)]);
    for (const [entity, perms] of byEntity) if (entity !== 'root' && perms.some((p) => mine.has(p.principal))) return false;
    return true;
  }
}

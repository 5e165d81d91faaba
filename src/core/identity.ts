import { createHash, randomBytes } from 'node:crypto';
import type { Caller } from './caller.ts';
import type { CoreContext } from './context.ts';
import type { Authorizer } from './authorizer.ts';
import type { EventLog } from './events.ts';
import { alreadyExists, invalidArgument, notAllowedInCurrentState, notFound, unauthenticated } from './errors.ts';
import { nextId } from './ids.ts';
import { checkFreeText, checkObjectName, TEXT_LIMITS } from './names.ts';
import type { Group, Permission, Principal, Role, Session, User } from './model/index.ts';
import { PRIVILEGES } from './model/index.ts';
import { generatePassword, hashPassword, verifyPassword } from './password.ts';

export interface LoginResult {
  /** Bearer token for later calls (vmware-api-session-id, cookies, …). Shown once. */
  readonly token: string;
  readonly session: Session;
  readonly caller: Caller;
}

const NAME_RE = /^[A-Za-z0-9._@\\-]{1,64}$/;

export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Users, groups, roles, permissions, sessions, login and lockout. */
export class IdentityService {
  constructor(
    private readonly ctx: CoreContext,
    private readonly authz: Authorizer,
    private readonly events: EventLog,
  ) {}

  // ---- login and sessions -------------------------------------------------

  /** Checks a user name and password, counting failures and locking out. */
  async verifyCredentials(userName: string, password: string): Promise<Caller> {
    const { store, clock, config } = this.ctx;
    const name = normaliseUserName(userName);
    const user = await store.users.getByName(name);
    const now = clock.now();
    // Same answer for unknown users and wrong passwords; scrypt runs either way.
    if (!user) {
      await verifyPassword(password, DUMMY_HASH);
      throw unauthenticated('invalid user name or password', { module: 'core.identity' });
    }
    if (user.lockedUntil && new Date(user.lockedUntil) > now) {
      throw unauthenticated(`account '${user.name}' is locked after ${config.maxFailedLogins} failed logins until ${user.lockedUntil}`, {
        module: 'core.identity',
        reason: 'account_locked',
      });
    }
    const ok = await verifyPassword(password, user.passwordHash);
    if (!ok) {
      const failed = user.failedLogins + 1;
      const lock = failed >= config.maxFailedLogins;
      await store.users.update(user.id, {
        failedLogins: lock ? 0 : failed,
        lockedUntil: lock ? new Date(now.getTime() + config.lockoutSeconds * 1000).toISOString() : user.lockedUntil,
      });
      if (lock) {
        await this.events.record(user.id, 'user.lockedOut', `account '${user.name}' locked after ${failed} failed logins`, { severity: 'warning' });
        throw unauthenticated(`account '${user.name}' is now locked after ${failed} failed logins`, { module: 'core.identity', reason: 'account_locked' });
      }
      throw unauthenticated('invalid user name or password', { module: 'core.identity' });
    }
    if (user.disabled) throw unauthenticated(`account '${user.name}' is disabled`, { module: 'core.identity' });
    if (user.failedLogins !== 0 || user.lockedUntil) {
      await store.users.update(user.id, { failedLogins: 0, lockedUntil: null });
    }
    return this.callerFor(user);
  }

  async login(userName: string, password: string, face: string, data: Record<string, unknown> = {}): Promise<LoginResult> {
    const caller = await this.verifyCredentials(userName, password);
    return this.createSession(caller, face, data);
  }

  async createSession(caller: Caller, face: string, data: Record<string, unknown> = {}): Promise<LoginResult> {
    const { store, clock, config } = this.ctx;
    const now = clock.now();
    const token = randomBytes(24).toString('hex');
    const session: Session = {
      id: tokenHash(token),
      userId: caller.userId,
      userName: caller.userName,
      face,
      createdAt: now.toISOString(),
      lastUsedAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + config.sessionMaxSeconds * 1000).toISOString(),
      idleSeconds: config.sessionIdleSeconds,
      data,
    };
    await store.sessions.insert(session);
    if (caller.kind === 'user') await store.users.update(caller.userId, { lastLoginAt: now.toISOString() });
    return { token, session, caller: { ...caller, sessionId: session.id } };
  }

  /** Resolves a bearer token to its caller; refreshes idle time. */
  async authenticate(token: string): Promise<{ caller: Caller; session: Session }> {
    const { store, clock } = this.ctx;
    if (!token || token.length > 256) throw unauthenticated('no valid session: log in first', { module: 'core.identity' });
    const session = await store.sessions.get(tokenHash(token));
    const now = clock.now();
    if (!session) throw unauthenticated('the session does not exist or has ended: log in again', { module: 'core.identity' });
    const idleEnd = new Date(session.lastUsedAt).getTime() + session.idleSeconds * 1000;
    if (new Date(session.expiresAt) <= now || idleEnd <= now.getTime()) {
      await store.sessions.delete(session.id);
      this.ctx.bus.emit('session.ended', session, 'expired');
      throw unauthenticated('the session has expired: log in again', { module: 'core.identity' });
    }
    const user = await store.users.get(session.userId);
    if (!user || user.disabled) {
      await store.sessions.delete(session.id);
      throw unauthenticated('the session’s user no longer exists or is disabled', { module: 'core.identity' });
    }
    // Touch at most every 5 s: a write per request is wasted work.
    let current = session;
    if (now.getTime() - new Date(session.lastUsedAt).getTime() > 5000) {
      current = await store.sessions.update(session.id, { lastUsedAt: now.toISOString() });
    }
    const caller = await this.callerFor(user);
    return { caller: { ...caller, sessionId: session.id }, session: current };
  }

  async updateSessionData(sessionId: string, data: Record<string, unknown>): Promise<Session> {
    const s = await this.ctx.store.sessions.get(sessionId);
    if (!s) throw notFound('the session has ended', { module: 'core.identity' });
    return this.ctx.store.sessions.update(sessionId, { data: { ...s.data, ...data } });
  }

  async logout(caller: Caller): Promise<void> {
    if (!caller.sessionId) return;
    const s = await this.ctx.store.sessions.get(caller.sessionId);
    if (!s) return;
    await this.ctx.store.sessions.delete(s.id);
    this.ctx.bus.emit('session.ended', s, 'logout');
  }

  async getSession(caller: Caller): Promise<Session> {
    const s = caller.sessionId ? await this.ctx.store.sessions.get(caller.sessionId) : undefined;
    if (!s) throw unauthenticated('no session', { module: 'core.identity' });
    return s;
  }

  async pruneSessions(): Promise<number> {
    return this.ctx.store.sessions.deleteExpired(this.ctx.clock.now().toISOString());
  }

  private async callerFor(user: User): Promise<Caller> {
    const groups = await this.authz.groups();
    return {
      kind: 'user',
      userId: user.id,
      userName: user.name,
      groupIds: groups.filter((g) => g.memberIds.includes(user.id)).map((g) => g.id),
      sessionId: null,
    };
  }

  // ---- users -----------------------------------------------------------

  async listUsers(caller: Caller): Promise<User[]> {
    await this.authz.require(caller, 'Authorization.Modify', 'root');
    return this.ctx.store.users.list();
  }

  async getUser(caller: Caller, idOrName: string): Promise<User> {
    const u = await this.resolveUser(idOrName);
    if (caller.userId !== u.id) await this.authz.require(caller, 'Authorization.Modify', 'root');
    return u;
  }

  async resolveUser(idOrName: string): Promise<User> {
    const s = this.ctx.store;
    const u = (await s.users.get(idOrName)) ?? (await s.users.getByName(normaliseUserName(idOrName)));
    if (!u) throw notFound(`user '${idOrName}' was not found`, { module: 'core.identity' });
    return u;
  }

  /** Creates a user; without a password one is generated and returned once. */
  async createUser(caller: Caller, spec: { name: string; password?: string; fullName?: string }): Promise<{ user: User; password: string }> {
    await this.authz.require(caller, 'Authorization.Modify', 'root');
    const name = normaliseUserName(spec.name);
    if (!NAME_RE.test(name)) throw invalidArgument(`user name '${spec.name}' is not valid: 1–64 letters, digits and . _ @ \\ -`, { module: 'core.identity' });
    checkFreeText('full name', spec.fullName, TEXT_LIMITS.short, 'core.identity');
    const password = spec.password ?? generatePassword();
    checkPasswordPolicy(password);
    if (await this.ctx.store.users.getByName(name)) throw alreadyExists(`user '${name}' already exists`, { module: 'core.identity' });
    const user: User = {
      id: await nextId(this.ctx.store, 'user'),
      name,
      fullName: spec.fullName ?? '',
      passwordHash: await hashPassword(password),
      disabled: false,
      failedLogins: 0,
      lockedUntil: null,
      lastLoginAt: null,
      createdAt: this.ctx.clock.now().toISOString(),
    };
    await this.ctx.store.users.insert(user);
    await this.events.record(user.id, 'user.created', `user '${name}' created`, { caller });
    return { user, password };
  }

  async setPassword(caller: Caller, idOrName: string, password: string): Promise<void> {
    const u = await this.resolveUser(idOrName);
    if (caller.userId !== u.id) await this.authz.require(caller, 'Authorization.Modify', 'root');
    checkPasswordPolicy(password);
    await this.ctx.store.users.update(u.id, { passwordHash: await hashPassword(password), failedLogins: 0, lockedUntil: null });
    await this.events.record(u.id, 'user.passwordChanged', `password of '${u.name}' changed`, { caller });
  }

  async updateUser(caller: Caller, idOrName: string, patch: { fullName?: string; disabled?: boolean }): Promise<User> {
    await this.authz.require(caller, 'Authorization.Modify', 'root');
    checkFreeText('full name', patch.fullName, TEXT_LIMITS.short, 'core.identity');
    const u = await this.resolveUser(idOrName);
    return this.ctx.store.users.update(u.id, patch);
  }

  async unlockUser(caller: Caller, idOrName: string): Promise<User> {
    await this.authz.require(caller, 'Authorization.Modify', 'root');
    const u = await this.resolveUser(idOrName);
    await this.events.record(u.id, 'user.unlocked', `account '${u.name}' unlocked`, { caller });
    return this.ctx.store.users.update(u.id, { failedLogins: 0, lockedUntil: null });
  }

  async deleteUser(caller: Caller, idOrName: string): Promise<void> {
    await this.authz.require(caller, 'Authorization.Modify', 'root');
    const u = await this.resolveUser(idOrName);
    if (u.id === caller.userId) throw notAllowedInCurrentState('you cannot delete your own account', { module: 'core.identity' });
    await this.ctx.store.transaction(async (tx) => {
      for (const s of await tx.sessions.listForUser(u.id)) await tx.sessions.delete(s.id);
      for (const p of await tx.permissions.listForPrincipal(`user:${u.id}`)) await tx.permissions.delete(p.id);
      for (const g of await tx.groups.list()) if (g.memberIds.includes(u.id)) await tx.groups.update(g.id, { memberIds: g.memberIds.filter((m) => m !== u.id) });
      await tx.users.delete(u.id);
    });
    this.authz.invalidate();
  }

  // ---- groups ----------------------------------------------------------

  async listGroups(caller: Caller): Promise<Group[]> {
    await this.authz.require(caller, 'System.View', 'root');
    return this.ctx.store.groups.list();
  }

  async createGroup(caller: Caller, spec: { name: string; description?: string; members?: string[] }): Promise<Group> {
    await this.authz.require(caller, 'Authorization.Modify', 'root');
    if (!NAME_RE.test(spec.name)) throw invalidArgument(`group name '${spec.name}' is not valid`, { module: 'core.identity' });
    checkFreeText('group description', spec.description, TEXT_LIMITS.long, 'core.identity');
    if (await this.ctx.store.groups.getByName(spec.name)) throw alreadyExists(`group '${spec.name}' already exists`, { module: 'core.identity' });
    const members = await Promise.all((spec.members ?? []).map((m) => this.resolveUser(m)));
    const g: Group = {
      id: await nextId(this.ctx.store, 'group'),
      name: spec.name,
      description: spec.description ?? '',
      memberIds: members.map((m) => m.id),
      createdAt: this.ctx.clock.now().toISOString(),
    };
    await this.ctx.store.groups.insert(g);
    this.authz.invalidate();
    return g;
  }

  async resolveGroup(idOrName: string): Promise<Group> {
    const g = (await this.ctx.store.groups.get(idOrName)) ?? (await this.ctx.store.groups.getByName(idOrName));
    if (!g) throw notFound(`group '${idOrName}' was not found`, { module: 'core.identity' });
    return g;
  }

  async setGroupMembers(caller: Caller, group: string, add: string[], remove: string[]): Promise<Group> {
    await this.authz.require(caller, 'Authorization.Modify', 'root');
    const g = await this.resolveGroup(group);
    const addIds = (await Promise.all(add.map((m) => this.resolveUser(m)))).map((u) => u.id);
    const removeIds = new Set((await Promise.all(remove.map((m) => this.resolveUser(m)))).map((u) => u.id));
    const members = [...new Set([...g.memberIds, ...addIds])].filter((m) => !removeIds.has(m));
    const out = await this.ctx.store.groups.update(g.id, { memberIds: members });
    this.authz.invalidate();
    return out;
  }

  async deleteGroup(caller: Caller, group: string): Promise<void> {
    await this.authz.require(caller, 'Authorization.Modify', 'root');
    const g = await this.resolveGroup(group);
    await this.ctx.store.transaction(async (tx) => {
      for (const p of await tx.permissions.listForPrincipal(`group:${g.id}`)) await tx.permissions.delete(p.id);
      await tx.groups.delete(g.id);
    });
    this.authz.invalidate();
  }

  // ---- roles and permissions -------------------------------------------

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
    if (kind === 'user') return `user:${(await this.resolveUser(ref!)).id}`;
    if (kind === 'group') return `group:${(await this.resolveGroup(ref!)).id}`;
    throw invalidArgument(`principal '${s}' must be user:<name> or group:<name>`, { module: 'core.identity' });
  }
}

/** 'administrator@vsphere.local' and 'VSPHERE.LOCAL\\administrator' log in as 'administrator'. */
export function normaliseUserName(name: string): string {
  let n = name.trim();
  const bs = n.lastIndexOf('\\');
  if (bs >= 0) n = n.slice(bs + 1);
  const at = n.indexOf('@');
  if (at > 0 && /^vsphere\.local$|^vmgate$|^localos$/i.test(n.slice(at + 1))) n = n.slice(0, at);
  return n;
}

function checkPasswordPolicy(pw: string): void {
  if (pw.length < 8) throw invalidArgument('passwords need at least 8 characters', { module: 'core.identity' });
  if (pw.length > 256) throw invalidArgument('passwords may have at most 256 characters', { module: 'core.identity' });
}

// A valid hash of a random password, so unknown users cost the same as wrong passwords.
const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

/**
 * Identity: the facade `core.identity` over its parts in src/core/identity/ —
 * login (credentials, lockout), sessions, users, groups, and authorization (roles,
 * permissions). Faces call the facade; each part is also reachable by name.
 */
import type { Authorizer } from './authorizer.ts';
import type { Caller } from './caller.ts';
import type { CoreContext } from './context.ts';
import type { EventLog } from './events.ts';
import type { Group, Permission, Principal, Privilege, Role, Session, User } from './model/index.ts';
import { PRIVILEGES } from './model/index.ts';
import { GroupService } from './identity/groups.ts';
import { HashPool } from './identity/hash-pool.ts';
import { LocalTicketService } from './identity/local-tickets.ts';
import { LoginService } from './identity/login.ts';
import { PermissionService } from './identity/permissions.ts';
import { SessionService } from './identity/sessions.ts';
import type { LoginResult } from './identity/sessions.ts';
import { UserService } from './identity/users.ts';

export { normaliseUserName } from './identity/names.ts';
export { unlockAccount } from './identity/login.ts';
export { tokenHash } from './identity/sessions.ts';
export type { LoginResult } from './identity/sessions.ts';

/** A caller's rights on the inventory root ({@link IdentityService.rights}). */
export interface CallerRights {
  readonly userName: string;
  readonly administrator: boolean;
  readonly privileges: readonly Privilege[];
}

/** Users, groups, roles, permissions, sessions, login and lockout. */
export class IdentityService {
  readonly sessions: SessionService;
  readonly logins: LoginService;
  readonly users: UserService;
  readonly groups: GroupService;
  readonly permissions: PermissionService;
  readonly localTickets: LocalTicketService;
  /** Where every password hash is computed (logins, new users, new passwords). */
  readonly hashPool: HashPool;

  constructor(
    ctx: CoreContext,
    private readonly authz: Authorizer,
    events: EventLog,
  ) {
    this.hashPool = new HashPool(() => ({
      concurrency: ctx.config.loginHashConcurrency,
      runningPerSource: Math.max(1, Math.floor(ctx.config.loginHashConcurrency / 2)),
      perSource: ctx.config.loginQueuePerSource,
      total: 1024,
    }));
    this.sessions = new SessionService(ctx, authz);
    this.logins = new LoginService(ctx, events, this.sessions, this.hashPool);
    this.users = new UserService(ctx, authz, events, this.logins, this.hashPool);
    this.groups = new GroupService(ctx, authz, this.users);
    this.permissions = new PermissionService(ctx, authz, events, this.users, this.groups);
    this.localTickets = new LocalTicketService(ctx, this.sessions);
  }

  /** Whether the caller holds `privilege` on an object (root by default): for faces that show rights (vmserverd IsAdminUser). */
  may(caller: Caller, privilege: Privilege, entityId = 'root'): Promise<boolean> {
    return this.authz.has(caller, privilege, entityId);
  }

  /**
   * Who the caller is and what they may do on the inventory root: their effective
   * privileges there (sorted), and `administrator` when those are all of vmgate's
   * privileges. What a UI shows or hides by; every call is still checked on its object.
   */
  async rights(caller: Caller): Promise<CallerRights> {
    const held = await this.authz.privileges(caller, 'root', ['root']);
    const privileges = [...held].sort();
    return { userName: caller.userName, administrator: PRIVILEGES.every((p) => held.has(p)), privileges };
  }

  // ---- login and sessions -------------------------------------------------

  /** `source`: the remote address the attempt came from (locks and throttles are keyed to it). */
  verifyCredentials(userName: string, password: string, source?: string): Promise<Caller> {
    return this.logins.verifyCredentials(userName, password, source);
  }
  login(userName: string, password: string, face: string, data: Record<string, unknown> = {}, source?: string): Promise<LoginResult> {
    return this.logins.login(userName, password, face, data, source);
  }
  /** Logs in an account whose password must change, replacing it (LoginService.changeExpiredPassword). */
  changeExpiredPassword(userName: string, currentPassword: string, newPassword: string, face: string, data: Record<string, unknown> = {}, source?: string): Promise<LoginResult> {
    return this.logins.changeExpiredPassword(userName, currentPassword, newPassword, face, data, source);
  }
  /** A one-time ticket (a minute) for a local login as `userName` without a password: the face gives it to that local OS account only. */
  issueLocalTicket(userName: string): Promise<{ ticket: string; expiresAt: string }> {
    return this.localTickets.issue(userName);
  }
  /** Logs in with a local ticket (once). */
  loginWithLocalTicket(ticket: string, face: string, data: Record<string, unknown> = {}): Promise<LoginResult> {
    return this.localTickets.login(ticket, face, data);
  }
  createSession(caller: Caller, face: string, data: Record<string, unknown> = {}): Promise<LoginResult> {
    return this.sessions.createSession(caller, face, data);
  }
  authenticate(token: string): Promise<{ caller: Caller; session: Session }> {
    return this.sessions.authenticate(token);
  }
  updateSessionData(sessionId: string, data: Record<string, unknown>): Promise<Session> {
    return this.sessions.updateSessionData(sessionId, data);
  }
  logout(caller: Caller): Promise<void> {
    return this.sessions.logout(caller);
  }
  getSession(caller: Caller): Promise<Session> {
    return this.sessions.getSession(caller);
  }
  /** Ends expired sessions and forgets login failures whose window is over. */
  async pruneSessions(): Promise<number> {
    await this.logins.prune();
    return this.sessions.pruneSessions();
  }

  // ---- users -----------------------------------------------------------

  listUsers(caller: Caller): Promise<User[]> {
    return this.users.listUsers(caller);
  }
  getUser(caller: Caller, idOrName: string): Promise<User> {
    return this.users.getUser(caller, idOrName);
  }
  resolveUser(idOrName: string): Promise<User> {
    return this.users.resolveUser(idOrName);
  }
  createUser(caller: Caller, spec: { name: string; password?: string; fullName?: string }): Promise<{ user: User; password: string }> {
    return this.users.createUser(caller, spec);
  }
  setPassword(caller: Caller, idOrName: string, password: string, opts: { currentPassword?: string; source?: string } = {}): Promise<void> {
    return this.users.setPassword(caller, idOrName, password, opts);
  }
  updateUser(caller: Caller, idOrName: string, patch: { fullName?: string; disabled?: boolean; mustChangePassword?: boolean }): Promise<User> {
    return this.users.updateUser(caller, idOrName, patch);
  }
  unlockUser(caller: Caller, idOrName: string): Promise<User> {
    return this.users.unlockUser(caller, idOrName);
  }
  deleteUser(caller: Caller, idOrName: string): Promise<void> {
    return this.users.deleteUser(caller, idOrName);
  }

  // ---- groups ----------------------------------------------------------

  listGroups(caller: Caller): Promise<Group[]> {
    return this.groups.listGroups(caller);
  }
  createGroup(caller: Caller, spec: { name: string; description?: string; members?: string[] }): Promise<Group> {
    return this.groups.createGroup(caller, spec);
  }
  resolveGroup(idOrName: string): Promise<Group> {
    return this.groups.resolveGroup(idOrName);
  }
  setGroupMembers(caller: Caller, group: string, add: string[], remove: string[]): Promise<Group> {
    return this.groups.setGroupMembers(caller, group, add, remove);
  }
  deleteGroup(caller: Caller, group: string): Promise<void> {
    return this.groups.deleteGroup(caller, group);
  }

  // ---- roles and permissions -------------------------------------------

  listRoles(caller: Caller): Promise<Role[]> {
    return this.permissions.listRoles(caller);
  }
  createRole(caller: Caller, spec: { id: string; name: string; privileges: string[] }): Promise<Role> {
    return this.permissions.createRole(caller, spec);
  }
  listPermissions(caller: Caller, entityId?: string): Promise<Permission[]> {
    return this.permissions.listPermissions(caller, entityId);
  }
  setPermission(caller: Caller, spec: { principal: string; entityId: string; roleId: string; propagate?: boolean }): Promise<Permission> {
    return this.permissions.setPermission(caller, spec);
  }
  removePermission(caller: Caller, permissionId: string): Promise<void> {
    return this.permissions.removePermission(caller, permissionId);
  }
  resolvePrincipal(s: string): Promise<Principal> {
    return this.permissions.resolvePrincipal(s);
  }
}

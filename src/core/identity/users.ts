import type { Authorizer } from '../authorizer.ts';
import type { Caller } from '../caller.ts';
import type { CoreContext } from '../context.ts';
import { alreadyExists, invalidArgument, isVmgateError, notAllowedInCurrentState, notFound, unauthorized } from '../errors.ts';
import type { EventLog } from '../events.ts';
import { nextId } from '../ids.ts';
import type { User } from '../model/index.ts';
import { generatePassword, hashPassword } from '../password.ts';
import type { HashPool } from './hash-pool.ts';
import type { LoginService } from './login.ts';
import { unlockAccount } from './login.ts';
import { checkFreeText, TEXT_LIMITS } from '../names.ts';
import { checkPasswordPolicy, NAME_RE, normaliseUserName } from './names.ts';

/** User accounts: create, read, change, unlock, delete. */
export class UserService {
  constructor(
    private readonly ctx: CoreContext,
    private readonly authz: Authorizer,
    private readonly events: EventLog,
    private readonly logins: LoginService,
    private readonly pool: HashPool,
  ) {}

  private hash(caller: Caller, password: string): Promise<string> {
    return this.pool.run(`caller:${caller.userId}`, () => hashPassword(password));
  }

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
      passwordHash: await this.hash(caller, password),
      disabled: false,
      mustChangePassword: false,
      failedLogins: 0,
      lockedUntil: null,
      lastLoginAt: null,
      createdAt: this.ctx.clock.now().toISOString(),
    };
    await this.ctx.store.users.insert(user);
    await this.events.record(user.id, 'user.created', `user '${name}' created`, { caller });
    return { user, password };
  }

  /**
   * Sets a password. Changing one's own needs the current one (checked as a login from
   * `opts.source`, so guesses count towards its lockout): a stolen session cannot take the
   * account for good. An administrator setting someone else's password does not need it.
   */
  async setPassword(caller: Caller, idOrName: string, password: string, opts: { currentPassword?: string; source?: string } = {}): Promise<void> {
    const u = await this.resolveUser(idOrName);
    const self = caller.kind === 'user' && caller.userId === u.id;
    if (!self) await this.authz.require(caller, 'Authorization.Modify', 'root');
    checkPasswordPolicy(password);
    if (self) {
      if (opts.currentPassword === undefined || opts.currentPassword === '') {
        throw invalidArgument('changing your own password needs your current password', { module: 'core.identity', reason: 'wrong_current_password' });
      }
      try {
        await this.logins.verifyCredentials(u.name, opts.currentPassword, opts.source);
      } catch (e) {
        if (isVmgateError(e) && e.kind === 'unauthenticated') {
          throw unauthorized(`the current password is not right: ${e.message}`, { module: 'core.identity', reason: 'wrong_current_password' });
        }
        throw e;
      }
    }
    // One's own new password is the change "must change password" asks for; an administrator's reset leaves the flag as it is.
    await this.ctx.store.users.update(u.id, { passwordHash: await this.hash(caller, password), failedLogins: 0, lockedUntil: null, ...(self ? { mustChangePassword: false } : {}) });
    await this.ctx.store.loginFailures.clear(u.id);
    await this.events.record(u.id, 'user.passwordChanged', `password of '${u.name}' changed`, { caller });
  }

  /** `mustChangePassword`: the account cannot log in (and its sessions end) until its password is changed. */
  async updateUser(caller: Caller, idOrName: string, patch: { fullName?: string; disabled?: boolean; mustChangePassword?: boolean }): Promise<User> {
    await this.authz.require(caller, 'Authorization.Modify', 'root');
    checkFreeText('full name', patch.fullName, TEXT_LIMITS.short, 'core.identity');
    const u = await this.resolveUser(idOrName);
    const updated = await this.ctx.store.users.update(u.id, patch);
    if (patch.mustChangePassword === true) {
      // The account's sessions end now (not only at their next use): clearing the flag again does not bring them back.
      for (const s of await this.ctx.store.sessions.listForUser(u.id)) {
        await this.ctx.store.sessions.delete(s.id);
        this.ctx.bus.emit('session.ended', s, 'revoked');
      }
    }
    if (patch.mustChangePassword !== undefined && patch.mustChangePassword !== u.mustChangePassword) {
      await this.events.record(u.id, 'user.mustChangePassword', patch.mustChangePassword ? `'${u.name}' must change the password at the next login` : `'${u.name}' no longer has to change the password`, { caller });
    }
    return updated;
  }

  async unlockUser(caller: Caller, idOrName: string): Promise<User> {
    await this.authz.require(caller, 'Authorization.Modify', 'root');
    const u = await this.resolveUser(idOrName);
    await this.events.record(u.id, 'user.unlocked', `account '${u.name}' unlocked`, { caller });
    return unlockAccount(this.ctx.store, u.id);
  }

  async deleteUser(caller: Caller, idOrName: string): Promise<void> {
    await this.authz.require(caller, 'Authorization.Modify', 'root');
    const u = await this.resolveUser(idOrName);
    if (u.id === caller.userId) throw notAllowedInCurrentState('you cannot delete your own account', { module: 'core.identity' });
    await this.ctx.store.transaction(async (tx) => {
      for (const s of await tx.sessions.listForUser(u.id)) await tx.sessions.delete(s.id);
      await tx.loginFailures.clear(u.id);
      for (const p of await tx.permissions.listForPrincipal(`user:${u.id}`)) await tx.permissions.delete(p.id);
      for (const g of await tx.groups.list()) if (g.memberIds.includes(u.id)) await tx.groups.update(g.id, { memberIds: g.memberIds.filter((m) => m !== u.id) });
      await tx.users.delete(u.id);
    });
    this.authz.invalidate();
  }
}

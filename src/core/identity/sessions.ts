import { createHash, randomBytes } from 'node:crypto';
import type { Authorizer } from '../authorizer.ts';
import type { Caller } from '../caller.ts';
import type { CoreContext } from '../context.ts';
import { notFound, unauthenticated } from '../errors.ts';
import type { Session, User } from '../model/index.ts';

export interface LoginResult {
  /** Bearer token for later calls (vmware-api-session-id, cookies, …). Shown once. */
  readonly token: string;
  readonly session: Session;
  readonly caller: Caller;
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Whether a session is past its absolute expiry or has been idle longer than it may. */
function hasExpired(session: Session, now: Date): boolean {
  const idleEnd = new Date(session.lastUsedAt).getTime() + session.idleSeconds * 1000;
  return new Date(session.expiresAt).getTime() <= now.getTime() || idleEnd <= now.getTime();
}

/** Sessions: created after a login, resolved from bearer tokens, ended, pruned, capped per user. */
export class SessionService {
  constructor(
    private readonly ctx: CoreContext,
    private readonly authz: Authorizer,
  ) {}

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
    const evicted = await store.transaction(async (tx) => {
      await tx.sessions.insert(session);
      if (caller.kind === 'user') await tx.users.update(caller.userId, { lastLoginAt: now.toISOString() });
      // The cap: beyond it, the sessions idle longest end (never the new one).
      const mine = await tx.sessions.listForUser(caller.userId);
      const over = mine.length - Math.max(1, config.maxSessionsPerUser);
      if (over <= 0) return [];
      const oldest = mine.filter((s) => s.id !== session.id).sort((a, b) => a.lastUsedAt.localeCompare(b.lastUsedAt) || a.createdAt.localeCompare(b.createdAt)).slice(0, over);
      for (const s of oldest) await tx.sessions.delete(s.id);
      return oldest;
    });
    for (const s of evicted) this.ctx.bus.emit('session.ended', s, 'evicted');
    return { token, session, caller: { ...caller, sessionId: session.id } };
  }

  /** Resolves a bearer token to its caller; refreshes idle time. */
  async authenticate(token: string): Promise<{ caller: Caller; session: Session }> {
    const { store, clock } = this.ctx;
    if (!token || token.length > 256) throw unauthenticated('no valid session: log in first', { module: 'core.identity' });
    const session = await store.sessions.get(tokenHash(token));
    const now = clock.now();
    if (!session) throw unauthenticated('the session does not exist or has ended: log in again', { module: 'core.identity' });
    if (hasExpired(session, now)) {
      await store.sessions.delete(session.id);
      this.ctx.bus.emit('session.ended', session, 'expired');
      throw unauthenticated('the session has expired: log in again', { module: 'core.identity' });
    }
    const user = await store.users.get(session.userId);
    if (!user || user.disabled) {
      await store.sessions.delete(session.id);
      throw unauthenticated('the session’s user no longer exists or is disabled', { module: 'core.identity' });
    }
    if (user.mustChangePassword) {
      await store.sessions.delete(session.id);
      throw unauthenticated(`the password of '${user.name}' must be changed: log in again and change it`, { module: 'core.identity', reason: 'password_expired' });
    }
    // Touch at most every 5 s: a write per request is wasted work.
    let current = session;
    if (now.getTime() - new Date(session.lastUsedAt).getTime() > 5000) {
      current = await store.sessions.update(session.id, { lastUsedAt: now.toISOString() });
    }
    const caller = await this.callerFor(user);
    return { caller: { ...caller, sessionId: session.id }, session: current };
  }

  /**
   * Whether a session still stands, without counting this as a use (its idle time is not
   * refreshed): a long-lived stream asks this now and then. An expired one is ended here
   * (`session.ended`, 'expired'), as authenticate would; a disabled user's too.
   */
  async isActive(sessionId: string): Promise<boolean> {
    const { store, clock } = this.ctx;
    const session = await store.sessions.get(sessionId);
    if (!session) return false;
    if (hasExpired(session, clock.now())) {
      await store.sessions.delete(session.id);
      this.ctx.bus.emit('session.ended', session, 'expired');
      return false;
    }
    const user = await store.users.get(session.userId);
    if (!user || user.disabled || user.mustChangePassword) {
      await store.sessions.delete(session.id);
      this.ctx.bus.emit('session.ended', session, 'revoked');
      return false;
    }
    return true;
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

  /** The caller a user's login or session stands for (with its groups). */
  async callerFor(user: User): Promise<Caller> {
    const groups = await this.authz.groups();
    return {
      kind: 'user',
      userId: user.id,
      userName: user.name,
      groupIds: groups.filter((g) => g.memberIds.includes(user.id)).map((g) => g.id),
      sessionId: null,
    };
  }
}

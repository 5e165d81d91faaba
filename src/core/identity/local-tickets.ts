/**
 * One-time local login tickets: how a program on the server's own machine logs in as
 * "the current OS user" without a password (VIX's VixHost_Connect with no host, user or
 * password). A face asks for a ticket for the vmgate user that an OS account maps to,
 * hands it to that OS account only (the authd door writes it into a file only that
 * account can read), and the program presents it once, within a minute.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { CoreContext } from '../context.ts';
import { unauthenticated } from '../errors.ts';
import type { LoginResult, SessionService } from './sessions.ts';
import { normaliseUserName } from './names.ts';

const TTL_MS = 60_000;
const MAX_OPEN = 1024;

export class LocalTicketService {
  /** sha256(ticket) → whom it is for and until when (the ticket itself is never kept). */
  private readonly open = new Map<string, { userId: string; expires: number }>();

  constructor(
    private readonly ctx: CoreContext,
    private readonly sessions: SessionService,
  ) {}

  /** A new ticket for an existing, enabled user (unauthenticated otherwise). */
  async issue(userName: string): Promise<{ ticket: string; expiresAt: string }> {
    const now = this.ctx.clock.now().getTime();
    this.prune(now);
    if (this.open.size >= MAX_OPEN) throw unauthenticated('too many local login tickets are open; try again in a minute', { module: 'core.identity' });
    const user = await this.ctx.store.users.getByName(normaliseUserName(userName));
    if (!user || user.disabled) throw unauthenticated(`no enabled vmgate user '${userName}' for a local login`, { module: 'core.identity' });
    const ticket = randomBytes(32).toString('base64url');
    this.open.set(hash(ticket), { userId: user.id, expires: now + TTL_MS });
    return { ticket, expiresAt: new Date(now + TTL_MS).toISOString() };
  }

  /** Logs in with a ticket: once, before it expires, while its user is enabled. */
  async login(ticket: string, face: string, data: Record<string, unknown> = {}): Promise<LoginResult> {
    const now = this.ctx.clock.now().getTime();
    const key = hash(ticket);
    const t = this.open.get(key);
    this.open.delete(key);
    if (!t || t.expires < now) throw unauthenticated('the local login ticket is unknown, used or expired', { module: 'core.identity' });
    const user = await this.ctx.store.users.get(t.userId);
    if (!user || user.disabled) throw unauthenticated('the user of the local login ticket is gone or disabled', { module: 'core.identity' });
    // An expired password is changed before the account logs in anywhere (as a password login refuses it).
    if (user.mustChangePassword) throw unauthenticated(`the password of '${user.name}' has expired: it must be changed before the account can log in`, { module: 'core.identity', reason: 'password_expired' });
    return this.sessions.createSession(await this.sessions.callerFor(user), face, { ...data, localTicket: true });
  }

  private prune(now: number): void {
    for (const [k, t] of this.open) if (t.expires < now) this.open.delete(k);
  }
}

function hash(ticket: string): string {
  return createHash('sha256').update(ticket).digest('hex');
}

/**
 * One-time local login tickets: how a program on the server's own machine logs in as
 * "the current OS user" without a password (VIX's VixHost_Connect with no host, user or
 * password). A face asks for a ticket for the vmgate user that an OS account maps to,
 * hands it to that OS account only (the authd door writes it into a file only that
 * account can read), and the program presents it once, within a minute.
 */
import type { CoreContext } from '../context.ts';
import { unauthenticated } from '../errors.ts';
import { OneTimeTickets } from '../one-time-tickets.ts';
import type { LoginResult, SessionService } from './sessions.ts';
import { normaliseUserName } from './names.ts';

const TTL_MS = 60_000;
const MAX_OPEN = 1024;

export class LocalTicketService {
  /** Ticket → the id of the user it is for. */
  private readonly open: OneTimeTickets<string>;

  constructor(
    private readonly ctx: CoreContext,
    private readonly sessions: SessionService,
  ) {
    this.open = new OneTimeTickets(ctx.clock, TTL_MS, MAX_OPEN);
  }

  /** A new ticket for an existing, enabled user (unauthenticated otherwise). */
  async issue(userName: string): Promise<{ ticket: string; expiresAt: string }> {
    const user = await this.ctx.store.users.getByName(normaliseUserName(userName));
    if (!user || user.disabled) throw unauthenticated(`no enabled vmgate user '${userName}' for a local login`, { module: 'core.identity' });
    const issued = this.open.issue(user.id);
    if (!issued) throw unauthenticated('too many local login tickets are open; try again in a minute', { module: 'core.identity' });
    return { ticket: issued.ticket, expiresAt: issued.expiresAt.toISOString() };
  }

  /** Logs in with a ticket: once, before it expires, while its user is enabled. */
  async login(ticket: string, face: string, data: Record<string, unknown> = {}): Promise<LoginResult> {
    const t = this.open.take(ticket);
    if (typeof t === 'string') throw unauthenticated('the local login ticket is unknown, used or expired', { module: 'core.identity' });
    const user = await this.ctx.store.users.get(t.value);
    if (!user || user.disabled) throw unauthenticated('the user of the local login ticket is gone or disabled', { module: 'core.identity' });
    // An expired password is changed before the account logs in anywhere (as a password login refuses it).
    if (user.mustChangePassword) throw unauthenticated(`the password of '${user.name}' has expired: it must be changed before the account can log in`, { module: 'core.identity', reason: 'password_expired' });
    return this.sessions.createSession(await this.sessions.callerFor(user), face, { ...data, localTicket: true });
  }
}

/**
 * One-time tickets held in memory: a random secret handed to one client, good once and
 * for a while (local login tickets, console proxy tickets). Only sha256(ticket) is kept;
 * `take` removes the ticket before the caller awaits anything, so two uses of one ticket
 * cannot both succeed. Expired tickets are dropped when new ones are issued; `max` bounds
 * how many may be outstanding (a flood fills it, it does not grow memory).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from './clock.ts';

export type TicketTaken<T> = { readonly value: T } | 'unknown' | 'expired';

export class OneTimeTickets<T> {
  readonly #open = new Map<string, { readonly value: T; readonly expiresAt: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs: number,
    private readonly max: number,
  ) {}

  /** A new ticket for `value`; null while `max` unexpired tickets are outstanding. */
  issue(value: T): { readonly ticket: string; readonly expiresAt: Date } | null {
    const now = this.clock.now().getTime();
    for (const [k, t] of this.#open) if (now > t.expiresAt) this.#open.delete(k);
    if (this.#open.size >= this.max) return null;
    const ticket = randomBytes(32).toString('base64url');
    const expiresAt = now + this.ttlMs;
    this.#open.set(digest(ticket), { value, expiresAt });
    return { ticket, expiresAt: new Date(expiresAt) };
  }

  /** Uses up a ticket, whatever the answer: its value, or why there is none. */
  take(ticket: string): TicketTaken<T> {
    const key = digest(ticket);
    const t = this.#open.get(key);
    this.#open.delete(key);
    if (!t) return 'unknown';
    return this.clock.now().getTime() > t.expiresAt ? 'expired' : { value: t.value };
  }
}

function digest(ticket: string): string {
  return createHash('sha256').update(ticket).digest('hex');
}

import type { Caller } from '../caller.ts';
import type { CoreContext } from '../context.ts';
import { invalidArgument, notAllowedInCurrentState, notFound, unauthenticated } from '../errors.ts';
import type { EventLog } from '../events.ts';
import type { User } from '../model/index.ts';
import type { Store } from '../ports/store.ts';
import { hashPassword, verifyPassword } from '../password.ts';
import type { HashPool } from './hash-pool.ts';
import { checkPasswordPolicy, normaliseUserName } from './names.ts';
import type { LoginResult, SessionService } from './sessions.ts';
import { KeyedMutex, normaliseSource, SourceThrottle } from './throttle.ts';

const INVALID = 'invalid user name or password';

/**
 * Login: a user name and password from a source address.
 *
 * - A lock is keyed to (account, source): `maxFailedLogins` wrong passwords from one address
 *   lock the account for that address only, for `lockoutSeconds`; the others log in as before.
 *   The failures are counted in the store in one statement, and the attempts of one
 *   (account, source) run one after another, so N parallel guesses count N and no more than
 *   `maxFailedLogins` are ever checked before the lock.
 * - Per address (any account, known or not): after `loginDelayAfterFailures` failures each
 *   attempt waits before anything else (so refusals are slow too), doubling from
 *   `loginDelayMs` up to `loginDelayMaxMs`; then at most `loginQueuePerSource` logins of the
 *   address are in progress (more are refused), and each waits the delay again in its slot.
 * - Hashing goes through the bounded, fair HashPool. Unknown users cost a hash of a dummy
 *   password of the same parameters and get the same answer as a wrong password.
 */
export class LoginService {
  private readonly throttle: SourceThrottle;
  private readonly serial = new KeyedMutex();

  constructor(
    private readonly ctx: CoreContext,
    private readonly events: EventLog,
    private readonly sessions: SessionService,
    private readonly pool: HashPool,
  ) {
    this.throttle = new SourceThrottle(() => {
      const c = this.ctx.config;
      return {
        windowMs: c.lockoutSeconds * 1000,
        delayAfterFailures: c.loginDelayAfterFailures,
        delayMs: c.loginDelayMs,
        delayMaxMs: c.loginDelayMaxMs,
        inFlightPerSource: c.loginQueuePerSource,
      };
    });
  }

  /**
   * Checks a user name and password coming from `source` (a remote address; default
   * 'local'). A right password of an account that must change it is `unauthenticated`
   * with reason `password_expired` (not a failure: it does not count towards the lock).
   */
  async verifyCredentials(userName: string, password: string, source?: string): Promise<Caller> {
    return this.verify(userName, password, source, 'refuse');
  }

  private async verify(userName: string, password: string, source: string | undefined, expired: 'refuse' | 'allow'): Promise<Caller> {
    const { store } = this.ctx;
    const src = normaliseSource(source);
    // An address that keeps failing waits first, whatever the outcome: refusals too are slow.
    await this.pause(src);
    const name = normaliseUserName(userName);
    const user = name.length <= 256 ? await store.users.getByName(name) : undefined;
    let leave: () => void;
    try {
      leave = this.throttle.enter(src);
    } catch (e) {
      if (user) await store.users.countFailedLogin(user.id, null);
      throw e;
    }
    try {
      // Admitted, it waits once more holding its slot: a failing address gets at most
      // loginQueuePerSource attempts per delay, however many connections it opens.
      await this.pause(src);
      if (!user) {
        await this.pool.run(src, () => verifyPassword(password, DUMMY_HASH));
        this.throttle.failed(src, this.ctx.clock.now().getTime());
        throw unauthenticated(INVALID, { module: 'core.identity' });
      }
      return await this.serial.run(`${user.id}\n${src}`, () => this.check(user, password, src, expired));
    } finally {
      leave();
    }
  }

  async login(userName: string, password: string, face: string, data: Record<string, unknown> = {}, source?: string): Promise<LoginResult> {
    const caller = await this.verifyCredentials(userName, password, source);
    return this.sessions.createSession(caller, face, data);
  }

  /** One attempt on a known account; never two at once for the same (account, source). */
  private async check(user: User, password: string, src: string, expired: 'refuse' | 'allow'): Promise<Caller> {
    const { store, clock, config } = this.ctx;
    const pair = await store.loginFailures.get(user.id, src);
    if (pair?.lockedUntil && Date.parse(pair.lockedUntil) > clock.now().getTime()) {
      await store.users.countFailedLogin(user.id, null);
      throw unauthenticated(`account '${user.name}' is locked for logins from ${src} until ${pair.lockedUntil} after ${config.maxFailedLogins} failed logins`, {
        module: 'core.identity',
        reason: 'account_locked',
      });
    }
    const current = (await store.users.get(user.id)) ?? user;
    const ok = await this.pool.run(src, () => verifyPassword(password, current.passwordHash));
    if (!ok) {
      const now = clock.now();
      const rec = await store.loginFailures.recordFailure(user.id, src, {
        at: now.toISOString(),
        windowStart: new Date(now.getTime() - config.lockoutSeconds * 1000).toISOString(),
        max: config.maxFailedLogins,
        lockUntil: new Date(now.getTime() + config.lockoutSeconds * 1000).toISOString(),
      });
      this.throttle.failed(src, now.getTime());
      await store.users.countFailedLogin(user.id, rec.lockedUntil);
      if (rec.lockedUntil !== null) {
        await this.events.record(user.id, 'user.lockedOut', `account '${user.name}' locked for logins from ${src} until ${rec.lockedUntil} after ${rec.failures} failed logins`, { severity: 'warning' });
        throw unauthenticated(`account '${user.name}' is now locked for logins from ${src} after ${rec.failures} failed logins`, { module: 'core.identity', reason: 'account_locked' });
      }
      throw unauthenticated(INVALID, { module: 'core.identity' });
    }
    if (current.disabled) throw unauthenticated(`account '${current.name}' is disabled`, { module: 'core.identity' });
    if (pair) await store.loginFailures.clear(user.id, src);
    if (current.failedLogins !== 0) await store.users.update(user.id, { failedLogins: 0 });
    if (current.mustChangePassword && expired === 'refuse') {
      throw unauthenticated(`the password of '${current.name}' has expired: it must be changed before the account can log in`, { module: 'core.identity', reason: 'password_expired' });
    }
    return this.sessions.callerFor(current);
  }

  /**
   * The expired-password login (View's windows-password-expired screen): the current
   * password is checked as a login from `source` (wrong guesses count towards the lock),
   * the new one against the policy; then the password is replaced, "must change" is
   * cleared and a session is created, as `login` would.
   */
  async changeExpiredPassword(userName: string, currentPassword: string, newPassword: string, face: string, data: Record<string, unknown> = {}, source?: string): Promise<LoginResult> {
    checkPasswordPolicy(newPassword);
    if (newPassword === currentPassword) throw invalidArgument('the new password must differ from the current one', { module: 'core.identity' });
    const caller = await this.verify(userName, currentPassword, source, 'allow');
    const user = await this.ctx.store.users.get(caller.userId);
    if (!user) throw unauthenticated(INVALID, { module: 'core.identity' });
    const hash = await this.pool.run(normaliseSource(source), () => hashPassword(newPassword));
    // Only if the password is still the one just checked: two changes at once cannot both win.
    const outcome = await this.ctx.store.transaction(async (tx) => {
      const now = await tx.users.get(user.id);
      if (!now || now.passwordHash !== user.passwordHash) return 'changed-meanwhile';
      // Only an expired password is changed this way (a live one: setPassword with the session).
      if (!now.mustChangePassword) return 'not-expired';
      await tx.users.update(user.id, { passwordHash: hash, mustChangePassword: false, failedLogins: 0, lockedUntil: null });
      await tx.loginFailures.clear(user.id);
      return 'done';
    });
    if (outcome === 'changed-meanwhile') throw unauthenticated(`the password of '${user.name}' was changed meanwhile: log in with the new one`, { module: 'core.identity' });
    if (outcome === 'not-expired') throw notAllowedInCurrentState(`the password of '${user.name}' has not expired: log in with it`, { module: 'core.identity' });
    await this.events.record(user.id, 'user.passwordChanged', `password of '${user.name}' changed at login (it had expired)`, { caller });
    return this.sessions.createSession(caller, face, data);
  }

  private async pause(src: string): Promise<void> {
    const ms = this.throttle.delayMs(src, this.ctx.clock.now().getTime());
    // ±25 % so that a flood's attempts do not all wake at once and arrive as one burst.
    if (ms > 0) await new Promise((r) => setTimeout(r, ms * (0.75 + Math.random() * 0.5)));
  }

  /** Failed logins from `source` in the current window (for tests and the docs' examples). */
  sourceFailures(source: string): number {
    return this.throttle.failures(normaliseSource(source), this.ctx.clock.now().getTime());
  }

  /** Forgets old failure rows (their window is over and no lock is running). */
  async prune(): Promise<number> {
    const before = new Date(this.ctx.clock.now().getTime() - this.ctx.config.lockoutSeconds * 1000).toISOString();
    return this.ctx.store.loginFailures.prune(before);
  }
}

/**
 * Lifts every lock and forgets the failures of one account, from every source. Used by
 * `unlockUser` and by `vmgate user unlock NAME --data-dir DIR` on the server itself (no
 * session: the store alone). A running server sees it at the next attempt.
 */
export async function unlockAccount(store: Store, idOrName: string): Promise<User> {
  const u = (await store.users.get(idOrName)) ?? (await store.users.getByName(normaliseUserName(idOrName)));
  if (!u) throw notFound(`user '${idOrName}' was not found`, { module: 'core.identity' });
  return store.transaction(async (tx) => {
    await tx.loginFailures.clear(u.id);
    return tx.users.update(u.id, { failedLogins: 0, lockedUntil: null });
  });
}

// A valid hash (same N, r, p) of no password, so unknown users cost the same as wrong passwords.
const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

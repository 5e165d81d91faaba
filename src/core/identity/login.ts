import type { Caller } from '../caller.ts';
import type { CoreContext } from '../context.ts';
import { unauthenticated } from '../errors.ts';
import type { EventLog } from '../events.ts';
import { verifyPassword } from '../password.ts';
import { normaliseUserName } from './names.ts';
import type { LoginResult, SessionService } from './sessions.ts';

/** Login: checks a user name and password, counting failures and locking out. */
export class LoginService {
  constructor(
    private readonly ctx: CoreContext,
    private readonly events: EventLog,
    private readonly sessions: SessionService,
  ) {}

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
    return this.sessions.callerFor(user);
  }

  async login(userName: string, password: string, face: string, data: Record<string, unknown> = {}): Promise<LoginResult> {
    const caller = await this.verifyCredentials(userName, password);
    return this.sessions.createSession(caller, face, data);
  }
}

// A valid hash of a random password, so unknown users cost the same as wrong passwords.
const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

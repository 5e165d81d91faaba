import type { User } from '../../../core/model/index.ts';
import { implement } from '../call.ts';
import type { VapiCall } from '../call.ts';
import type { VmgateUserInfo, VmgateUserSummary } from '../../../protocols/vapi/types/index.ts';
import { VmgateUsersService } from '../../../protocols/vapi/types/index.ts';

function isLocked(call: VapiCall, u: User): boolean {
  return u.lockedUntil !== null && new Date(u.lockedUntil) > call.core.now();
}

function userSummary(call: VapiCall, u: User): VmgateUserSummary {
  return { user: u.id, name: u.name, full_name: u.fullName, disabled: u.disabled, locked: isLocked(call, u) };
}

function userInfo(call: VapiCall, u: User): VmgateUserInfo {
  return {
    ...userSummary(call, u),
    ...(u.lockedUntil === null ? {} : { locked_until: u.lockedUntil }),
    failed_logins: u.failedLogins,
    ...(u.lastLoginAt === null ? {} : { last_login: u.lastLoginAt }),
    created: u.createdAt,
    must_change_password: u.mustChangePassword,
  };
}

/** com.vmgate.users → core.identity (users). */
export const vmgateUsersHandlers = implement(VmgateUsersService, {
  async list(call) {
    return (await call.core.identity.listUsers(call.caller)).map((u) => userSummary(call, u));
  },
  async get(call, { user }) {
    return userInfo(call, await call.core.identity.getUser(call.caller, user));
  },
  async create(call, { spec }) {
    const r = await call.core.identity.createUser(call.caller, {
      name: spec.name,
      ...(spec.password === undefined ? {} : { password: spec.password }),
      ...(spec.full_name === undefined ? {} : { fullName: spec.full_name }),
    });
    // The password goes back only when vmgate made it up: the caller cannot know it otherwise.
    return spec.password === undefined ? { user: r.user.id, password: r.password } : { user: r.user.id };
  },
  async update(call, { user, spec }) {
    await call.core.identity.updateUser(call.caller, user, {
      ...(spec.full_name === undefined ? {} : { fullName: spec.full_name }),
      ...(spec.disabled === undefined ? {} : { disabled: spec.disabled }),
      ...(spec.must_change_password === undefined ? {} : { mustChangePassword: spec.must_change_password }),
    });
    return undefined;
  },
  async set_password(call, { user, password, current_password }) {
    await call.core.identity.setPassword(call.caller, user, password, {
      ...(current_password === undefined ? {} : { currentPassword: current_password }),
      ...(call.source === undefined ? {} : { source: call.source }),
    });
    return undefined;
  },
  async unlock(call, { user }) {
    await call.core.identity.unlockUser(call.caller, user);
    return undefined;
  },
  async delete(call, { user }) {
    await call.core.identity.deleteUser(call.caller, user);
    return undefined;
  },
});

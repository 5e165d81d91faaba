import { unauthenticated } from '../../../core/errors.ts';
import { implement } from '../call.ts';
import { SessionService } from '../../../protocols/vapi/types/index.ts';

/** com.vmware.cis.session: the same accounts and sessions as every other face. */
export const sessionHandlers = implement(SessionService, {
  async create(call) {
    const { token } = await call.core.identity.createSession(call.caller, 'vapi');
    return token;
  },
  async delete(call) {
    if (!call.caller.sessionId) throw unauthenticated('there is no session to end: this call was not made with a session id', { module: 'face.vapi' });
    await call.core.identity.logout(call.caller);
    return undefined;
  },
  async get(call) {
    const s = await call.core.identity.getSession(call.caller);
    return { user: s.userName, created_time: s.createdAt, last_accessed_time: s.lastUsedAt };
  },
});

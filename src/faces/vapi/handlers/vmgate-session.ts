import { implement } from '../call.ts';
import { VmgateSessionService } from '../../../protocols/vapi/types/index.ts';

/** com.vmgate.session → core.identity.rights (the caller's privileges on the inventory root). */
export const vmgateSessionHandlers = implement(VmgateSessionService, {
  async get(call) {
    const r = await call.core.identity.rights(call.caller);
    return { user: r.userName, administrator: r.administrator, privileges: [...r.privileges] };
  },
});

import { implement } from '../call.ts';
import { VmgateRolesService } from '../../../protocols/vapi/types/index.ts';

/** com.vmgate.roles → core.identity (roles). */
export const vmgateRolesHandlers = implement(VmgateRolesService, {
  async list(call) {
    return (await call.core.identity.listRoles(call.caller)).map((r) => ({ id: r.id, name: r.name, privileges: [...r.privileges], system: r.system }));
  },
  async create(call, { spec }) {
    return (await call.core.identity.createRole(call.caller, { id: spec.id, name: spec.name, privileges: [...spec.privileges] })).id;
  },
});

import { implement } from '../call.ts';
import { VmgatePermissionsService } from '../../../protocols/vapi/types/index.ts';
import { principalName } from './vmgate-principals.ts';

/** com.vmgate.permissions → core.identity (permissions). */
export const vmgatePermissionsHandlers = implement(VmgatePermissionsService, {
  async list(call, { entity }) {
    const perms = await call.core.identity.listPermissions(call.caller, entity);
    return Promise.all(
      perms.map(async (p) => ({ permission: p.id, principal: await principalName(call.core, p.principal), entity: p.entityId, role: p.roleId, propagate: p.propagate })),
    );
  },
  async set(call, { spec }) {
    const p = await call.core.identity.setPermission(call.caller, {
      principal: spec.principal,
      entityId: spec.entity,
      roleId: spec.role,
      ...(spec.propagate === undefined ? {} : { propagate: spec.propagate }),
    });
    return p.id;
  },
  async delete(call, { permission }) {
    await call.core.identity.removePermission(call.caller, permission);
    return undefined;
  },
});

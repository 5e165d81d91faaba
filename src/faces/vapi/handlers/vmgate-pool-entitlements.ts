import type { Principal } from '../../../core/model/index.ts';
import { isVmgateError } from '../../../core/errors.ts';
import { implement } from '../call.ts';
import type { VapiCall } from '../call.ts';
import { VmgatePoolEntitlementsService } from '../../../protocols/vapi/types/index.ts';
import { principalName } from './vmgate-principals.ts';

/**
 * `user:alice` → `user:user-3` as core stores it. For remove, a principal whose account is
 * gone can still be named as stored (`user:user-3`).
 */
async function corePrincipal(call: VapiCall, principal: string, orAsStored: boolean): Promise<Principal> {
  try {
    return await call.core.identity.resolvePrincipal(principal);
  } catch (e) {
    if (orAsStored && isVmgateError(e) && e.kind === 'not_found') return principal as Principal;
    throw e;
  }
}

/** com.vmgate.pools.entitlements → core.vdi (entitlements). */
export const vmgatePoolEntitlementsHandlers = implement(VmgatePoolEntitlementsService, {
  async list(call, { pool }) {
    const rows = await call.core.vdi.listEntitlements(call.caller, pool);
    return Promise.all(rows.map(async (e) => ({ entitlement: e.id, principal: await principalName(call.core, e.principal), created: e.createdAt })));
  },
  async add(call, { pool, principal }) {
    // Pool and privilege first, so that callers without Desktop.Admin learn nothing about accounts.
    await call.core.vdi.listEntitlements(call.caller, pool);
    return (await call.core.vdi.entitle(call.caller, pool, await corePrincipal(call, principal, false))).id;
  },
  async remove(call, { pool, principal }) {
    await call.core.vdi.listEntitlements(call.caller, pool);
    await call.core.vdi.unentitle(call.caller, pool, await corePrincipal(call, principal, true));
    return undefined;
  },
});

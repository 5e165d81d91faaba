import type { DesktopPool } from '../../../core/model/index.ts';
import { implement } from '../call.ts';
import type { VmgatePoolInfo, VmgatePoolSummary, VmgatePoolType } from '../../../protocols/vapi/types/index.ts';
import { VmgatePoolsService } from '../../../protocols/vapi/types/index.ts';

const TYPE: Readonly<Record<DesktopPool['type'], VmgatePoolType>> = { dedicated: 'DEDICATED', floating: 'FLOATING', application: 'APPLICATION' };
const CORE_TYPE: Readonly<Record<VmgatePoolType, DesktopPool['type']>> = { DEDICATED: 'dedicated', FLOATING: 'floating', APPLICATION: 'application' };

function poolSummary(p: DesktopPool): VmgatePoolSummary {
  return { pool: p.id, name: p.name, display_name: p.displayName, type: TYPE[p.type], enabled: p.enabled, vm_count: p.vmIds.length };
}

function poolInfo(p: DesktopPool): VmgatePoolInfo {
  return {
    pool: p.id,
    name: p.name,
    display_name: p.displayName,
    type: TYPE[p.type],
    enabled: p.enabled,
    vms: [...p.vmIds],
    protocols: [...p.protocols],
    default_protocol: p.defaultProtocol,
    reset_allowed: p.resetAllowed,
    created: p.createdAt,
  };
}

/** com.vmgate.pools → core.vdi (pools). */
export const vmgatePoolsHandlers = implement(VmgatePoolsService, {
  async list(call) {
    return (await call.core.vdi.listPools(call.caller)).map(poolSummary);
  },
  async get(call, { pool }) {
    return poolInfo(await call.core.vdi.getPool(call.caller, pool));
  },
  async create(call, { spec }) {
    const p = await call.core.vdi.createPool(call.caller, {
      name: spec.name,
      type: CORE_TYPE[spec.type],
      ...(spec.display_name === undefined ? {} : { displayName: spec.display_name }),
      ...(spec.vms === undefined ? {} : { vmIds: [...spec.vms] }),
      ...(spec.protocols === undefined ? {} : { protocols: [...spec.protocols] }),
      ...(spec.default_protocol === undefined ? {} : { defaultProtocol: spec.default_protocol }),
      ...(spec.reset_allowed === undefined ? {} : { resetAllowed: spec.reset_allowed }),
    });
    return p.id;
  },
  async delete(call, { pool }) {
    await call.core.vdi.deletePool(call.caller, pool);
    return undefined;
  },
  async add_vms(call, { pool, vms }) {
    await call.core.vdi.setPoolVms(call.caller, pool, [...vms], []);
    return undefined;
  },
  async remove_vms(call, { pool, vms }) {
    await call.core.vdi.setPoolVms(call.caller, pool, [], [...vms]);
    return undefined;
  },
  async enable(call, { pool }) {
    await call.core.vdi.setPoolEnabled(call.caller, pool, true);
    return undefined;
  },
  async disable(call, { pool }) {
    await call.core.vdi.setPoolEnabled(call.caller, pool, false);
    return undefined;
  },
});

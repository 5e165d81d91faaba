import type { Group } from '../../../core/model/index.ts';
import { notFound } from '../../../core/errors.ts';
import { implement } from '../call.ts';
import type { VapiCall } from '../call.ts';
import type { VmgateGroupInfo } from '../../../protocols/vapi/types/index.ts';
import { VmgateGroupsService } from '../../../protocols/vapi/types/index.ts';
import { userName } from './vmgate-principals.ts';

async function groupInfo(call: VapiCall, g: Group): Promise<VmgateGroupInfo> {
  return {
    group: g.id,
    name: g.name,
    description: g.description,
    members: await Promise.all(g.memberIds.map((m) => userName(call.core, m))),
    created: g.createdAt,
  };
}

/** com.vmgate.groups → core.identity (groups). */
export const vmgateGroupsHandlers = implement(VmgateGroupsService, {
  async list(call) {
    return Promise.all((await call.core.identity.listGroups(call.caller)).map((g) => groupInfo(call, g)));
  },
  async get(call, { group }) {
    const g = (await call.core.identity.listGroups(call.caller)).find((x) => x.id === group || x.name === group);
    if (!g) throw notFound(`group '${group}' was not found`, { module: 'face.vapi' });
    return groupInfo(call, g);
  },
  async create(call, { spec }) {
    const g = await call.core.identity.createGroup(call.caller, {
      name: spec.name,
      ...(spec.description === undefined ? {} : { description: spec.description }),
      ...(spec.members === undefined ? {} : { members: [...spec.members] }),
    });
    return g.id;
  },
  async delete(call, { group }) {
    await call.core.identity.deleteGroup(call.caller, group);
    return undefined;
  },
  async add_members(call, { group, users }) {
    await call.core.identity.setGroupMembers(call.caller, group, [...users], []);
    return undefined;
  },
  async remove_members(call, { group, users }) {
    await call.core.identity.setGroupMembers(call.caller, group, [], [...users]);
    return undefined;
  },
});

import type { Authorizer } from '../authorizer.ts';
import type { Caller } from '../caller.ts';
import type { CoreContext } from '../context.ts';
import { alreadyExists, invalidArgument, notFound } from '../errors.ts';
import { nextId } from '../ids.ts';
import type { Group } from '../model/index.ts';
import { checkFreeText, TEXT_LIMITS } from '../names.ts';
import { NAME_RE } from './names.ts';
import type { UserService } from './users.ts';

/** Groups of users: permissions granted to a group apply to its members. */
export class GroupService {
  constructor(
    private readonly ctx: CoreContext,
    private readonly authz: Authorizer,
    private readonly users: UserService,
  ) {}

  async listGroups(caller: Caller): Promise<Group[]> {
    await this.authz.require(caller, 'System.View', 'root');
    return this.ctx.store.groups.list();
  }

  async createGroup(caller: Caller, spec: { name: string; description?: string; members?: string[] }): Promise<Group> {
    await this.authz.require(caller, 'Authorization.Modify', 'root');
    if (!NAME_RE.test(spec.name)) throw invalidArgument(`group name '${spec.name}' is not valid`, { module: 'core.identity' });
    checkFreeText('group description', spec.description, TEXT_LIMITS.long, 'core.identity');
    if (await this.ctx.store.groups.getByName(spec.name)) throw alreadyExists(`group '${spec.name}' already exists`, { module: 'core.identity' });
    const members = await Promise.all((spec.members ?? []).map((m) => this.users.resolveUser(m)));
    const g: Group = {
      id: await nextId(this.ctx.store, 'group'),
      name: spec.name,
      description: spec.description ?? '',
      memberIds: members.map((m) => m.id),
      createdAt: this.ctx.clock.now().toISOString(),
    };
    await this.ctx.store.groups.insert(g);
    this.authz.invalidate();
    return g;
  }

  async resolveGroup(idOrName: string): Promise<Group> {
    const g = (await this.ctx.store.groups.get(idOrName)) ?? (await this.ctx.store.groups.getByName(idOrName));
    if (!g) throw notFound(`group '${idOrName}' was not found`, { module: 'core.identity' });
    return g;
  }

  async setGroupMembers(caller: Caller, group: string, add: string[], remove: string[]): Promise<Group> {
    await this.authz.require(caller, 'Authorization.Modify', 'root');
    const g = await this.resolveGroup(group);
    const addIds = (await Promise.all(add.map((m) => this.users.resolveUser(m)))).map((u) => u.id);
    const removeIds = new Set((await Promise.all(remove.map((m) => this.users.resolveUser(m)))).map((u) => u.id));
    const members = [...new Set([...g.memberIds, ...addIds])].filter((m) => !removeIds.has(m));
    const out = await this.ctx.store.groups.update(g.id, { memberIds: members });
    this.authz.invalidate();
    return out;
  }

  async deleteGroup(caller: Caller, group: string): Promise<void> {
    await this.authz.require(caller, 'Authorization.Modify', 'root');
    const g = await this.resolveGroup(group);
    await this.ctx.store.transaction(async (tx) => {
      for (const p of await tx.permissions.listForPrincipal(`group:${g.id}`)) await tx.permissions.delete(p.id);
      await tx.groups.delete(g.id);
    });
    this.authz.invalidate();
  }
}

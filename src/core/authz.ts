import type { Caller } from './caller.ts';
import { unauthorized } from './errors.ts';
import type { Permission, Privilege, Role } from './model/index.ts';

/**
 * Permission resolution, as vSphere does it: walk from the object up to 'root'. The first
 * level where the caller has any permission decides: permissions naming the user win
 * over those naming one of the user's groups; roles at that level are unioned. A
 * permission on an ancestor counts only when it propagates.
 */
export function effectivePrivileges(
  caller: Caller,
  ancestry: readonly string[],
  permissionsByEntity: ReadonlyMap<string, readonly Permission[]>,
  roles: ReadonlyMap<string, Role>,
): ReadonlySet<Privilege> {
  if (caller.kind === 'system') return ALL;
  const userPrincipal = `user:${caller.userId}`;
  const groupPrincipals = new Set(caller.groupIds.map((g) => `group:${g}`));
  for (let i = 0; i < ancestry.length; i++) {
    const perms = (permissionsByEntity.get(ancestry[i]!) ?? []).filter((p) => i === 0 || p.propagate);
    const mine = perms.filter((p) => p.principal === userPrincipal);
    const chosen = mine.length > 0 ? mine : perms.filter((p) => groupPrincipals.has(p.principal));
    if (chosen.length === 0) continue;
    const out = new Set<Privilege>();
    for (const p of chosen) for (const priv of roles.get(p.roleId)?.privileges ?? []) out.add(priv);
    return out;
  }
  return NONE;
}

const NONE: ReadonlySet<Privilege> = new Set();
let ALL: ReadonlySet<Privilege> = new Set();
export function setAllPrivileges(all: readonly Privilege[]): void {
  ALL = new Set(all);
}

export function requirePrivilege(
  caller: Caller,
  privilege: Privilege,
  privileges: ReadonlySet<Privilege>,
  objectLabel: string,
): void {
  if (!privileges.has(privilege)) {
    throw unauthorized(`user '${caller.userName}' lacks the privilege ${privilege} on ${objectLabel}`, {
      module: 'core.authz',
      details: { privilege, object: objectLabel },
    });
  }
}

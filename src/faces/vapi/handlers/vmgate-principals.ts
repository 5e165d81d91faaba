/**
 * Principals as vmgate's own services show them. Core stores `user:<id>` / `group:<id>`;
 * people read and write `user:<name>` / `group:<name>`.
 */
import type { CoreApi } from '../../../core/index.ts';
import { isVmgateError } from '../../../core/errors.ts';

/** `user:user-3` → `user:alice`; a principal whose account is gone stays as stored. */
export async function principalName(core: CoreApi, principal: string): Promise<string> {
  const i = principal.indexOf(':');
  const kind = principal.slice(0, i);
  const ref = principal.slice(i + 1);
  try {
    if (kind === 'user') return `user:${(await core.identity.resolveUser(ref)).name}`;
    if (kind === 'group') return `group:${(await core.identity.resolveGroup(ref)).name}`;
  } catch (e) {
    if (!isVmgateError(e) || e.kind !== 'not_found') throw e;
  }
  return principal;
}

/** A user id as its name (for group members); an id whose account is gone stays as is. */
export async function userName(core: CoreApi, userId: string): Promise<string> {
  return (await principalName(core, `user:${userId}`)).slice('user:'.length);
}

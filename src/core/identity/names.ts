import { invalidArgument } from '../errors.ts';

/** User and group names: 1–64 letters, digits and . _ @ \ - (ASCII: compared case-insensitively). */
export const NAME_RE = /^[A-Za-z0-9._@\\-]{1,64}$/;

/**
 * 'administrator@vsphere.local' and 'VSPHERE.LOCAL\\administrator' log in as 'administrator'.
 * Case is kept as written: the store compares user names case-insensitively, as vSphere does.
 */
export function normaliseUserName(name: string): string {
  let n = name.trim();
  const bs = n.lastIndexOf('\\');
  if (bs >= 0) n = n.slice(bs + 1);
  const at = n.indexOf('@');
  if (at > 0 && /^vsphere\.local$|^vmgate$|^localos$/i.test(n.slice(at + 1))) n = n.slice(0, at);
  return n;
}

export function checkPasswordPolicy(pw: string): void {
  if (pw.length < 8) throw invalidArgument('passwords need at least 8 characters', { module: 'core.identity' });
  if (pw.length > 256) throw invalidArgument('passwords may have at most 256 characters', { module: 'core.identity' });
}

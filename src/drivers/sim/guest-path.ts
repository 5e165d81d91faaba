/** POSIX path helpers for guest paths (always '/'-separated, never the host's). */

/** Normalises an absolute path: collapses '//', resolves '.' and '..'; '/' stays '/'. */
export function normalizeGuestPath(path: string): string {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return '/' + out.join('/');
}

/** Resolves `path` against `cwd` (absolute) and normalises it. */
export function resolveGuestPath(cwd: string, path: string): string {
  return normalizeGuestPath(path.startsWith('/') ? path : `${cwd}/${path}`);
}

/** The path's parts below '/': '/a/b' → ['a', 'b']. */
export function guestPathParts(path: string): string[] {
  return normalizeGuestPath(path).split('/').filter((p) => p !== '');
}

export function guestBasename(path: string): string {
  const parts = guestPathParts(path);
  return parts.length === 0 ? '/' : parts[parts.length - 1];
}

export function guestDirname(path: string): string {
  const parts = guestPathParts(path);
  return '/' + parts.slice(0, -1).join('/');
}

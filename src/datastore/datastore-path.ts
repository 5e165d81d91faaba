/**
 * Datastore paths and confinement.
 *
 * VMware names a file on a datastore as `[datastore1] folder/vm.vmx`: the datastore's
 * name in brackets, one space, then the path relative to the datastore's root with
 * forward slashes. `[datastore1]` alone is the root.
 *
 * `resolveInside` turns a relative path into an absolute one under a datastore root and
 * refuses anything that would leave the root: absolute paths, `..` that climbs above it,
 * NUL bytes, and symbolic links (anywhere on the path that already exists) whose target
 * is outside (with `followFinal: false` the last component itself is not followed).
 * It guards against links already present on the datastore; it cannot
 * guard against another process swapping a component between the check and the use
 * (vmgate is the only writer of its datastores).
 */
import { realpathSync, lstatSync } from 'node:fs';
import { lstat, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, join, posix, resolve, sep } from 'node:path';
import { invalidArgument, notFound, unauthorized } from '../core/errors.ts';
import { mapFsError } from './fs-errors.ts';

const MODULE = 'datastore';

export { formatDatastorePath, parseDatastorePath } from '../core/datastore-path-syntax.ts';
export type { DatastorePath } from '../core/datastore-path-syntax.ts';

export interface ResolveOptions {
  /** Datastore name for error messages (`[name] rel`). */
  readonly datastoreName?: string;
  /**
   * false: the last component is not followed, only its folder is checked. For
   * operations on the name itself (lstat, unlink, rename): a link that points outside
   * (or nowhere) can still be looked at, removed or renamed, never read or written
   * through. Default true.
   */
  readonly followFinal?: boolean;
}

/**
 * Lexical part of confinement: the normalised relative path ('' = the root). Throws
 * invalid_argument for NUL bytes and absolute paths, unauthorized for `..` escapes.
 */
export function normalizeRel(rel: string, options: ResolveOptions = {}): string {
  const label = labelOf(rel, options);
  if (typeof rel !== 'string') throw invalidArgument('a datastore path must be text', { module: MODULE });
  if (rel.includes('\0')) throw invalidArgument(`${label} contains a NUL byte`, { module: MODULE });
  if (isAbsolute(rel) || rel.startsWith('/') || /^[A-Za-z]:[\\/]/.test(rel)) {
    throw invalidArgument(`${label} must be relative to the datastore, not absolute`, { module: MODULE });
  }
  let n = posix.normalize(rel === '' ? '.' : rel);
  if (n === '..' || n.startsWith('../')) throw escapes(label);
  if (n === '.' || n === './') return '';
  n = n.replace(/\/+$/, '');
  return n;
}

/**
 * Absolute path of `rel` inside `root` (root must exist). The path returned is lexical
 * (root joined with the normalised rel), so a link inside the datastore is still
 * addressed as the link; only where it leads is checked. Synchronous; servers use
 * resolveInsideAsync.
 */
export function resolveInside(root: string, rel: string, options: ResolveOptions = {}): string {
  const n = normalizeRel(rel, options);
  const absRoot = resolve(root);
  const full = n === '' ? absRoot : join(absRoot, n);
  let realRoot: string;
  try {
    realRoot = realpathSync(absRoot);
  } catch (e) {
    throw rootMissing(absRoot, e);
  }
  let existing = options.followFinal === false && n !== '' ? dirname(full) : full;
  while (true) {
    try {
      lstatSync(existing);
      break;
    } catch (e) {
      existing = parentOrThrow(existing, absRoot, e, labelOf(rel, options));
    }
  }
  let real: string;
  try {
    real = realpathSync(existing);
  } catch (e) {
    throw dangling(e, labelOf(rel, options));
  }
  if (!isInside(realRoot, real)) throw escapes(labelOf(rel, options));
  return full;
}

/** resolveInside without blocking the event loop. */
export async function resolveInsideAsync(root: string, rel: string, options: ResolveOptions = {}): Promise<string> {
  const n = normalizeRel(rel, options);
  const absRoot = resolve(root);
  const full = n === '' ? absRoot : join(absRoot, n);
  let realRoot: string;
  try {
    realRoot = await realpath(absRoot);
  } catch (e) {
    throw rootMissing(absRoot, e);
  }
  let existing = options.followFinal === false && n !== '' ? dirname(full) : full;
  while (true) {
    try {
      await lstat(existing);
      break;
    } catch (e) {
      existing = parentOrThrow(existing, absRoot, e, labelOf(rel, options));
    }
  }
  let real: string;
  try {
    real = await realpath(existing);
  } catch (e) {
    throw dangling(e, labelOf(rel, options));
  }
  if (!isInside(realRoot, real)) throw escapes(labelOf(rel, options));
  return full;
}

/** After lstat(p) failed: the parent to try next, or the error to throw. */
function parentOrThrow(p: string, root: string, e: unknown, label: string): string {
  if (!isNoEntry(e)) throw mapFsError(e, label); // EACCES, ELOOP, ENAMETOOLONG…: a proper error, not a raw fs one
  if (p === root || dirname(p) === p) throw rootMissing(root, e);
  return dirname(p);
}

function isNoEntry(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function isInside(realRoot: string, real: string): boolean {
  return real === realRoot || real.startsWith(realRoot.endsWith(sep) ? realRoot : realRoot + sep);
}

function labelOf(rel: string, options: ResolveOptions): string {
  const shown = JSON.stringify(String(rel).replace(/\0/g, '\\0'));
  return options.datastoreName === undefined ? `path ${shown}` : `[${options.datastoreName}] ${String(rel).replace(/\0/g, '\\0')}`;
}

function escapes(label: string): Error {
  return unauthorized(`${label}: path escapes the datastore`, { module: MODULE });
}

function dangling(e: unknown, label: string): Error {
  return invalidArgument(`${label} leads through a symbolic link that points nowhere`, { module: MODULE, cause: e });
}

function rootMissing(root: string, e: unknown): Error {
  return notFound(`datastore root ${root} does not exist or is not accessible`, { module: MODULE, cause: e });
}

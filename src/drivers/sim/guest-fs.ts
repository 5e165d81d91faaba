import type { GuestFileInfo } from '../../core/ports/driver.ts';
import { guestBasename, guestPathParts, normalizeGuestPath } from './guest-path.ts';
import { simError } from './sim-error.ts';

/** Who does a file operation: uid 0 may do anything, others follow the mode bits. */
export interface FsUser {
  readonly username: string;
  readonly uid: number;
}

interface NodeBase {
  mode: number;
  owner: string;
  mtimeMs: number;
}
interface FileNode extends NodeBase {
  readonly kind: 'file';
  /** Capacity may exceed `size`: writes in chunks grow it geometrically. */
  data: Buffer;
  size: number;
}
interface DirNode extends NodeBase {
  readonly kind: 'dir';
  readonly entries: Map<string, FsNode>;
}
type FsNode = FileNode | DirNode;

/** One entry of a serialised file system; parents come before their children. */
export interface GuestFsImageEntry {
  readonly path: string;
  readonly type: 'file' | 'directory';
  readonly mode: number;
  readonly owner: string;
  readonly mtime: string;
  /** base64, files only. */
  readonly data?: string;
}

/** A guest file system as JSON (what `sim-disk.json` holds). */
export interface GuestFsImage {
  readonly format: 'vmgate-sim-disk';
  readonly version: 1;
  readonly capacityBytes: number | null;
  readonly entries: readonly GuestFsImageEntry[];
}

/** What one simulated guest may hold in memory, whatever its disks say. */
const MAX_TOTAL_BYTES = 2 * 1024 * 1024 * 1024;
const MAX_FILE_BYTES = 1024 * 1024 * 1024;

const R = 4;
const W = 2;
const X = 1;
const STICKY = 0o1000;

export interface WriteOptions {
  readonly offset: number;
  /** Cut the file to `offset` before writing. */
  readonly truncate: boolean;
  /** false: an existing file is refused when the write starts at offset 0. */
  readonly overwrite: boolean;
  /** Mode of a new file (default 0644). */
  readonly mode?: number;
}

/**
 * The in-memory POSIX-like file system of a simulated guest: directories and files with
 * Buffer content, mode, owner and mtime. Every checked operation takes the acting user;
 * errors carry the reasons of core/errors.ts (file_not_found, not_a_file,
 * not_a_directory, file_exists) and name the path.
 */
export class GuestFs {
  #root: DirNode;
  #used = 0;
  readonly capacityBytes: number | null;

  constructor(capacityBytes: number | null = null) {
    this.capacityBytes = capacityBytes;
    this.#root = { kind: 'dir', mode: 0o755, owner: 'root', mtimeMs: Date.now(), entries: new Map() };
  }

  /** Bytes held by files. */
  get usedBytes(): number {
    return this.#used;
  }

  static fromImage(image: GuestFsImage): GuestFs {
    if (image?.format !== 'vmgate-sim-disk' || image.version !== 1 || !Array.isArray(image.entries)) {
      throw simError('invalid_argument', 'not a vmgate sim disk image (format vmgate-sim-disk, version 1)');
    }
    const fs = new GuestFs(image.capacityBytes ?? null);
    for (const e of image.entries) {
      const mtimeMs = Date.parse(e.mtime);
      const path = normalizeGuestPath(e.path);
      if (path === '/') {
        Object.assign(fs.#root, { mode: e.mode, owner: e.owner, mtimeMs });
        continue;
      }
      const parent = fs.#node(pathParent(path));
      if (parent?.kind !== 'dir') throw simError('invalid_argument', `sim disk image: '${path}' comes before its directory`);
      const node: FsNode =
        e.type === 'directory'
          ? { kind: 'dir', mode: e.mode, owner: e.owner, mtimeMs, entries: new Map() }
          : fileNode(Buffer.from(e.data ?? '', 'base64'), e.mode, e.owner, mtimeMs);
      if (node.kind === 'file') fs.#used += node.size;
      parent.entries.set(guestBasename(path), node);
    }
    return fs;
  }

  toImage(): GuestFsImage {
    const entries: GuestFsImageEntry[] = [];
    const visit = (path: string, node: FsNode): void => {
      const base = { path, mode: node.mode, owner: node.owner, mtime: new Date(node.mtimeMs).toISOString() };
      if (node.kind === 'file') {
        entries.push({ ...base, type: 'file', data: node.data.subarray(0, node.size).toString('base64') });
        return;
      }
      entries.push({ ...base, type: 'directory' });
      for (const [name, child] of [...node.entries].sort(([a], [b]) => (a < b ? -1 : 1))) visit(joinPath(path, name), child);
    };
    visit('/', this.#root);
    return { format: 'vmgate-sim-disk', version: 1, capacityBytes: this.capacityBytes, entries };
  }

  /** A deep copy (snapshots). */
  clone(): GuestFs {
    const copy = new GuestFs(this.capacityBytes);
    const dup = (n: FsNode): FsNode =>
      n.kind === 'file'
        ? fileNode(Buffer.from(n.data.subarray(0, n.size)), n.mode, n.owner, n.mtimeMs)
        : { kind: 'dir', mode: n.mode, owner: n.owner, mtimeMs: n.mtimeMs, entries: new Map([...n.entries].map(([k, v]) => [k, dup(v)])) };
    copy.#root = dup(this.#root) as DirNode;
    copy.#used = this.#used;
    return copy;
  }

  // ---- unchecked set-up (presets) -------------------------------------------------------

  /** Creates a directory (and its parents) as root would, then sets mode and owner. */
  setupDirectory(path: string, mode: number, owner: string): void {
    let dir = this.#root;
    for (const part of guestPathParts(path)) {
      let next = dir.entries.get(part);
      if (!next) {
        next = { kind: 'dir', mode: 0o755, owner: 'root', mtimeMs: Date.now(), entries: new Map() };
        dir.entries.set(part, next);
      }
      if (next.kind !== 'dir') throw simError('invalid_argument', `'${path}': not a directory`, 'not_a_directory');
      dir = next;
    }
    dir.mode = mode;
    dir.owner = owner;
  }

  /** Creates or replaces a file as root would. */
  setupFile(path: string, content: string | Buffer, mode: number, owner: string): void {
    const p = normalizeGuestPath(path);
    this.setupDirectory(pathParent(p), this.#node(pathParent(p))?.mode ?? 0o755, this.#node(pathParent(p))?.owner ?? 'root');
    const parent = this.#node(pathParent(p)) as DirNode;
    const old = parent.entries.get(guestBasename(p));
    if (old?.kind === 'file') this.#used -= old.size;
    const node = fileNode(Buffer.from(content), mode, owner, Date.now());
    this.#used += node.size;
    parent.entries.set(guestBasename(p), node);
  }

  // ---- checked operations ---------------------------------------------------------------

  stat(path: string, user: FsUser): GuestFileInfo {
    const p = normalizeGuestPath(path);
    const node = this.#existing(p, user);
    return info(p, node);
  }

  /** The entries of a directory, sorted by name (without '.' and '..'). */
  list(path: string, user: FsUser): GuestFileInfo[] {
    const p = normalizeGuestPath(path);
    const node = this.#existing(p, user);
    if (node.kind !== 'dir') throw notADirectory(p);
    this.#need(node, user, R, p, 'list');
    return [...node.entries].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, child]) => info(joinPath(p, name), child));
  }

  isDirectory(path: string, user: FsUser): boolean {
    const found = this.#lookup(normalizeGuestPath(path), user, true);
    return found?.node?.kind === 'dir';
  }

  exists(path: string, user: FsUser): boolean {
    const found = this.#lookup(normalizeGuestPath(path), user, true);
    return found?.node !== undefined;
  }

  mkdir(path: string, user: FsUser, opts: { parents: boolean; mode?: number }): void {
    const p = normalizeGuestPath(path);
    if (opts.parents) {
      let cur = '/';
      for (const part of guestPathParts(p)) {
        cur = joinPath(cur, part);
        const found = this.#lookup(cur, user);
        if (found.node?.kind === 'dir') continue;
        if (found.node) throw notADirectory(cur);
        this.#create(found.parent, part, cur, user, dirNode(opts.mode ?? 0o755, user.username));
      }
      return;
    }
    const found = this.#lookup(p, user);
    if (found.node) throw simError('already_exists', `'${p}': file exists`, 'file_exists');
    this.#create(found.parent, found.name, p, user, dirNode(opts.mode ?? 0o755, user.username));
  }

  rmdir(path: string, user: FsUser, recursive: boolean): void {
    const p = normalizeGuestPath(path);
    if (p === '/') throw simError('unauthorized', "permission denied: '/' cannot be removed");
    const found = this.#lookup(p, user);
    const node = found.node;
    if (!node) throw notFound(p);
    if (node.kind !== 'dir') throw notADirectory(p);
    if (node.entries.size > 0 && !recursive) throw simError('invalid_argument', `'${p}': directory not empty`);
    if (recursive) this.#checkTreeRemovable(node, p, user);
    this.#remove(found.parent, found.name, p, user);
  }

  unlink(path: string, user: FsUser): void {
    const p = normalizeGuestPath(path);
    const found = this.#lookup(p, user);
    if (!found.node) throw notFound(p);
    if (found.node.kind !== 'file') throw notAFile(p);
    this.#remove(found.parent, found.name, p, user);
  }

  /** Renames `from` to `to` (not into it). `overwrite` replaces an existing file or empty directory. */
  rename(from: string, to: string, user: FsUser, overwrite: boolean): void {
    const a = normalizeGuestPath(from);
    const b = normalizeGuestPath(to);
    const src = this.#lookup(a, user);
    if (!src.node) throw notFound(a);
    if (a === '/') throw simError('unauthorized', "permission denied: '/' cannot be moved");
    if (a === b) return;
    if (b.startsWith(a + '/')) throw simError('invalid_argument', `cannot move '${a}' into itself ('${b}')`);
    const dst = this.#lookup(b, user);
    if (dst.node) {
      if (!overwrite) throw simError('already_exists', `'${b}': file exists`, 'file_exists');
      if (dst.node.kind === 'dir' && src.node.kind !== 'dir') throw simError('already_exists', `'${b}': is a directory`, 'file_exists');
      if (dst.node.kind !== 'dir' && src.node.kind === 'dir') throw notADirectory(b);
      if (dst.node.kind === 'dir' && dst.node.entries.size > 0) throw simError('invalid_argument', `'${b}': directory not empty`);
    }
    this.#needEntryChange(src.parent, src.node, a, user);
    this.#need(dst.parent, user, W | X, pathParent(b), 'create in');
    if (dst.node) {
      this.#needEntryChange(dst.parent, dst.node, b, user);
      if (dst.node.kind === 'file') this.#used -= dst.node.size;
    }
    src.parent.entries.delete(src.name);
    dst.parent.entries.set(dst.name, src.node);
    const now = Date.now();
    src.parent.mtimeMs = now;
    dst.parent.mtimeMs = now;
  }

  /** Reads up to `length` bytes from `offset` (fewer at the end of the file). */
  read(path: string, user: FsUser, offset: number, length: number): Buffer {
    const p = normalizeGuestPath(path);
    const node = this.#existing(p, user);
    if (node.kind !== 'file') throw notAFile(p);
    this.#need(node, user, R, p, 'read');
    if (offset >= node.size || length <= 0) return Buffer.alloc(0);
    return Buffer.from(node.data.subarray(offset, Math.min(node.size, offset + length)));
  }

  readAll(path: string, user: FsUser): Buffer {
    return this.read(path, user, 0, Number.MAX_SAFE_INTEGER);
  }

  /** Writes `data` at `offset`, creating the file; a gap past the end reads as zeros. */
  write(path: string, user: FsUser, data: Buffer, opts: WriteOptions): void {
    const p = normalizeGuestPath(path);
    if (!Number.isSafeInteger(opts.offset) || opts.offset < 0) throw simError('invalid_argument', `offset ${opts.offset} is not valid for '${p}'`);
    const found = this.#lookup(p, user);
    let node = found.node;
    if (node?.kind === 'dir') throw notAFile(p);
    if (node) {
      if (!opts.overwrite && opts.offset === 0) throw simError('already_exists', `'${p}': file exists`, 'file_exists');
      this.#need(node, user, W, p, 'write');
    } else {
      node = fileNode(Buffer.alloc(0), opts.mode ?? 0o644, user.username, Date.now());
      this.#create(found.parent, found.name, p, user, node);
    }
    const newSize = Math.max(opts.truncate ? opts.offset : node.size, opts.offset + data.length);
    this.#resize(node, newSize, p);
    data.copy(node.data, opts.offset);
    node.size = newSize;
    node.mtimeMs = Date.now();
  }

  append(path: string, user: FsUser, data: Buffer): void {
    const p = normalizeGuestPath(path);
    const found = this.#lookup(p, user);
    const size = found.node?.kind === 'file' ? found.node.size : 0;
    this.write(p, user, data, { offset: size, truncate: false, overwrite: true });
  }

  /** `touch`: creates an empty file or updates the mtime. */
  touch(path: string, user: FsUser): void {
    const p = normalizeGuestPath(path);
    const found = this.#lookup(p, user);
    if (!found.node) {
      this.#create(found.parent, found.name, p, user, fileNode(Buffer.alloc(0), 0o644, user.username, Date.now()));
      return;
    }
    if (user.uid !== 0 && found.node.owner !== user.username) this.#need(found.node, user, W, p, 'touch');
    found.node.mtimeMs = Date.now();
  }

  chmod(path: string, user: FsUser, mode: number): void {
    const p = normalizeGuestPath(path);
    const node = this.#existing(p, user);
    if (user.uid !== 0 && node.owner !== user.username) throw denied(p, user, 'change the mode of');
    node.mode = mode & 0o7777;
  }

  /** Makes a uniquely named file (0600) or directory (0700) and returns its path. */
  createTemp(user: FsUser, opts: { directory: string; prefix: string; suffix: string; directoryOnly: boolean; random: () => number }): string {
    const dir = normalizeGuestPath(opts.directory);
    if (this.#existing(dir, user).kind !== 'dir') throw notADirectory(dir);
    const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
    for (let attempt = 0; attempt < 100; attempt++) {
      let tag = '';
      for (let i = 0; i < 6; i++) tag += alphabet[Math.floor(opts.random() * alphabet.length) % alphabet.length];
      const p = joinPath(dir, `${opts.prefix}${tag}${opts.suffix}`);
      if (this.#node(p)) continue;
      if (opts.directoryOnly) this.mkdir(p, user, { parents: false, mode: 0o700 });
      else this.write(p, user, Buffer.alloc(0), { offset: 0, truncate: true, overwrite: false, mode: 0o600 });
      return p;
    }
    throw simError('resource_exhausted', `could not find a free temporary name in '${dir}'`);
  }

  /** For exec: the file's content when it exists, is a file and `user` may execute it. */
  executable(path: string, user: FsUser): Buffer {
    const p = normalizeGuestPath(path);
    const node = this.#existing(p, user);
    if (node.kind !== 'file') throw simError('unauthorized', `permission denied: '${p}' is a directory`);
    const can = user.uid === 0 ? (node.mode & 0o111) !== 0 : (permBits(node, user) & X) !== 0;
    if (!can) throw denied(p, user, 'execute');
    return Buffer.from(node.data.subarray(0, node.size));
  }

  // ---- internals ------------------------------------------------------------------------

  #node(path: string): FsNode | undefined {
    let cur: FsNode = this.#root;
    for (const part of guestPathParts(path)) {
      if (cur.kind !== 'dir') return undefined;
      const next = cur.entries.get(part);
      if (!next) return undefined;
      cur = next;
    }
    return cur;
  }

  /**
   * Walks to the parent of `path` checking search permission on every directory; the last
   * component may be missing. With `quiet`, failures give undefined instead of throwing.
   */
  #lookup(path: string, user: FsUser): { parent: DirNode; name: string; node: FsNode | undefined };
  #lookup(path: string, user: FsUser, quiet: true): { parent: DirNode; name: string; node: FsNode | undefined } | undefined;
  #lookup(path: string, user: FsUser, quiet = false): { parent: DirNode; name: string; node: FsNode | undefined } | undefined {
    const parts = guestPathParts(path);
    if (parts.length === 0) return { parent: this.#root, name: '', node: this.#root };
    let dir = this.#root;
    let walked = '';
    for (const part of parts.slice(0, -1)) {
      if (user.uid !== 0 && (permBits(dir, user) & X) === 0) {
        if (quiet) return undefined;
        throw denied(walked || '/', user, 'enter');
      }
      walked += '/' + part;
      const next = dir.entries.get(part);
      if (!next) {
        if (quiet) return undefined;
        throw notFound(path);
      }
      if (next.kind !== 'dir') {
        if (quiet) return undefined;
        throw notADirectory(walked);
      }
      dir = next;
    }
    if (user.uid !== 0 && (permBits(dir, user) & X) === 0) {
      if (quiet) return undefined;
      throw denied(walked || '/', user, 'enter');
    }
    const name = parts[parts.length - 1];
    return { parent: dir, name, node: dir.entries.get(name) };
  }

  #existing(path: string, user: FsUser): FsNode {
    const found = this.#lookup(path, user);
    if (!found.node) throw notFound(path);
    return found.node;
  }

  #need(node: FsNode, user: FsUser, bits: number, path: string, verb: string): void {
    if (user.uid === 0) return;
    if ((permBits(node, user) & bits) !== bits) throw denied(path, user, verb);
  }

  /** Removing or renaming an entry: write+search on the directory, and the sticky-bit rule. */
  #needEntryChange(parent: DirNode, node: FsNode, path: string, user: FsUser): void {
    this.#need(parent, user, W | X, pathParent(path), 'change');
    if (user.uid !== 0 && parent.mode & STICKY && node.owner !== user.username && parent.owner !== user.username) {
      throw denied(path, user, 'remove');
    }
  }

  #checkTreeRemovable(dir: DirNode, path: string, user: FsUser): void {
    if (user.uid === 0) return;
    for (const [name, child] of dir.entries) {
      const p = joinPath(path, name);
      this.#needEntryChange(dir, child, p, user);
      if (child.kind === 'dir') {
        this.#need(child, user, R | X, p, 'enter');
        this.#checkTreeRemovable(child, p, user);
      }
    }
  }

  #create(parent: DirNode, name: string, path: string, user: FsUser, node: FsNode): void {
    if (name === '') throw simError('already_exists', "'/': file exists", 'file_exists');
    this.#need(parent, user, W | X, pathParent(path), 'create in');
    if (node.kind === 'file') this.#reserve(node.size, path);
    parent.entries.set(name, node);
    parent.mtimeMs = Date.now();
    if (node.kind === 'file') this.#used += node.size;
  }

  #remove(parent: DirNode, name: string, path: string, user: FsUser): void {
    const node = parent.entries.get(name);
    if (!node) throw notFound(path);
    this.#needEntryChange(parent, node, path, user);
    parent.entries.delete(name);
    parent.mtimeMs = Date.now();
    this.#used -= bytesIn(node);
  }

  #reserve(extra: number, path: string): void {
    const limit = Math.min(this.capacityBytes ?? Infinity, MAX_TOTAL_BYTES);
    if (extra > 0 && this.#used + extra > limit) {
      throw simError('resource_exhausted', `'${path}': no space left on the guest disk (${limit} bytes)`);
    }
  }

  #resize(node: FileNode, size: number, path: string): void {
    if (size > MAX_FILE_BYTES) throw simError('resource_exhausted', `'${path}': a simulated guest file may hold at most ${MAX_FILE_BYTES} bytes`);
    if (size > node.size) this.#reserve(size - node.size, path);
    this.#used += size - node.size;
    if (size > node.data.length) {
      const grown = Buffer.alloc(Math.max(size, Math.min(node.data.length * 2, size + 64 * 1024 * 1024)));
      node.data.copy(grown, 0, 0, node.size);
      node.data = grown;
    } else if (size < node.size) {
      node.data.fill(0, size, node.size);
    }
    node.size = Math.max(0, size);
  }
}

function fileNode(data: Buffer, mode: number, owner: string, mtimeMs: number): FileNode {
  return { kind: 'file', mode, owner, mtimeMs, data, size: data.length };
}

function dirNode(mode: number, owner: string): DirNode {
  return { kind: 'dir', mode, owner, mtimeMs: Date.now(), entries: new Map() };
}

function bytesIn(node: FsNode): number {
  if (node.kind === 'file') return node.size;
  let n = 0;
  for (const child of node.entries.values()) n += bytesIn(child);
  return n;
}

function permBits(node: FsNode, user: FsUser): number {
  return node.owner === user.username ? (node.mode >> 6) & 7 : node.mode & 7;
}

function info(path: string, node: FsNode): GuestFileInfo {
  return {
    name: guestBasename(path),
    path,
    type: node.kind === 'dir' ? 'directory' : 'file',
    size: node.kind === 'dir' ? 4096 : node.size,
    modifiedAt: new Date(node.mtimeMs).toISOString(),
    mode: node.mode,
    owner: node.owner,
  };
}

function joinPath(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

function pathParent(path: string): string {
  const parts = guestPathParts(path);
  return '/' + parts.slice(0, -1).join('/');
}

function notFound(path: string) {
  return simError('not_found', `'${path}': no such file or directory`, 'file_not_found');
}
function notADirectory(path: string) {
  return simError('invalid_argument', `'${path}': not a directory`, 'not_a_directory');
}
function notAFile(path: string) {
  return simError('invalid_argument', `'${path}': is a directory, not a file`, 'not_a_file');
}
function denied(path: string, user: FsUser, verb: string) {
  return simError('unauthorized', `permission denied: user '${user.username}' may not ${verb} '${path}'`);
}

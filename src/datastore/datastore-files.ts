/**
 * File operations on one datastore (a directory that holds VM folders).
 *
 * Every path is relative to the datastore root and goes through resolveInsideAsync, so
 * nothing here reads or writes outside the root (`..`, absolute paths, NUL bytes and
 * symbolic links that lead out are refused). Every failure is a VmgateError whose
 * message names the datastore path (`[datastore1] vm/vm.vmx`); fs error codes map to
 * kinds in fs-errors.ts (ENOENT → not_found/file_not_found, EEXIST →
 * already_exists/file_exists, ENOTDIR → invalid_argument/not_a_directory, EISDIR →
 * invalid_argument/not_a_file, ENOSPC → resource_exhausted, …). Writes are atomic
 * (atomic-write.ts); copies are streamed, so they work for any size and across file
 * systems; aborting a copy leaves the destination as it was.
 */
import { createReadStream } from 'node:fs';
import type { Stats } from 'node:fs';
import { chmod, lstat, mkdir, open, readdir, realpath, rename, rm, rmdir, stat, statfs, symlink, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, posix, relative, resolve } from 'node:path';
import type { DatastoreFilesFactory } from '../core/ports/datastore-files.ts';
import { alreadyExists, invalidArgument, notFound, resourceExhausted, unsupported } from '../core/errors.ts';
import { TEMP_MARKER, syncDir, writeFileAtomic } from './atomic-write.ts';
import type { AtomicData } from './atomic-write.ts';
import { normalizeRel, resolveInsideAsync } from './datastore-path.ts';
import { mapFsError } from './fs-errors.ts';
import { probeBaseDisk, qcow2ChildImage } from './qcow2-child.ts';

const MODULE = 'datastore';
const COPY_CHUNK = 1024 * 1024;
/** Default ceiling of readText: a text file bigger than this is not read into memory. */
export const DEFAULT_MAX_TEXT_BYTES = 64 * 1024 * 1024;
/** Longest folder name createVmFolder makes, in UTF-8 bytes (file systems allow 255). */
const MAX_FOLDER_NAME_BYTES = 200;
/** How many `name_<n>` createVmFolder tries before giving up. */
const MAX_FOLDER_SUFFIX = 9999;

export type DatastoreEntryType = 'file' | 'directory' | 'symlink' | 'other';

export interface DatastoreEntry {
  readonly name: string;
  /** A symbolic link is reported as 'symlink', not followed. */
  readonly type: DatastoreEntryType;
  readonly size: number;
  /** ISO 8601 modification time. */
  readonly mtime: string;
}

export interface DatastoreUsage {
  readonly capacityBytes: number;
  /** Bytes vmgate can still write (the file system's "available", not counting reserved blocks). */
  readonly freeBytes: number;
}

export interface CopyOptions {
  readonly signal?: AbortSignal;
  /** Called as data is copied, with bytes copied so far and the total. */
  readonly onProgress?: (copiedBytes: number, totalBytes: number) => void;
}

export interface ReadTextOptions {
  /** Refuse (invalid_argument) files larger than this; default DEFAULT_MAX_TEXT_BYTES. */
  readonly maxBytes?: number;
}

export class DatastoreFiles {
  /** Absolute directory of the datastore. */
  readonly root: string;
  /** Datastore name, used in `[name] rel` paths and messages. */
  readonly name: string;

  constructor(root: string, name: string) {
    this.root = resolve(root);
    this.name = name;
  }

  /** `[name] rel`, as VMware writes datastore paths (for messages: never throws). */
  datastorePath(rel: string): string {
    const shown = String(rel).replace(/\0/g, '\\0');
    return shown === '' ? `[${this.name}]` : `[${this.name}] ${shown}`;
  }

  /** Absolute path of `rel`, checked to stay inside the datastore. */
  async resolve(rel: string): Promise<string> {
    return resolveInsideAsync(this.root, rel, { datastoreName: this.name });
  }

  /** For operations on the name itself: the last component is not followed. */
  async #resolveName(rel: string): Promise<string> {
    return resolveInsideAsync(this.root, rel, { datastoreName: this.name, followFinal: false });
  }

  async readText(rel: string, options: ReadTextOptions = {}): Promise<string> {
    return (await this.readBytes(rel, options)).toString('utf8');
  }

  async readBytes(rel: string, options: ReadTextOptions = {}): Promise<Buffer> {
    const full = await this.resolve(rel);
    const max = options.maxBytes ?? DEFAULT_MAX_TEXT_BYTES;
    return this.#fs(rel, async () => {
      // Check before opening: opening a FIFO would block.
      const before = await stat(full);
      if (!before.isFile()) throw notAFile(this.datastorePath(rel));
      const fh = await open(full, 'r');
      try {
        const st = await fh.stat();
        if (!st.isFile()) throw notAFile(this.datastorePath(rel));
        if (st.size > max) {
          throw invalidArgument(`${this.datastorePath(rel)} is ${st.size} bytes, more than the ${max} bytes vmgate reads at once`, {
            module: MODULE,
          });
        }
        return await fh.readFile();
      } finally {
        await fh.close();
      }
    });
  }

  /**
   * Opens a file for streaming (any size): its size and its bytes. The file is opened
   * once, after the confinement check, and read through that descriptor; a FIFO or a
   * device is refused before opening. The caller consumes or destroys the stream.
   */
  async openRead(rel: string): Promise<{ size: number; mtime: string; stream: AsyncIterable<Uint8Array> & { destroy(): void } }> {
    const full = await this.resolve(rel);
    return this.#fs(rel, async () => {
      const before = await stat(full);
      if (!before.isFile()) throw before.isDirectory() ? invalidArgument(`${this.datastorePath(rel)} is a folder, not a file`, { module: MODULE, reason: 'not_a_file' }) : notAFile(this.datastorePath(rel));
      const fh = await open(full, 'r');
      try {
        const st = await fh.stat();
        if (!st.isFile()) throw notAFile(this.datastorePath(rel));
        const stream = fh.createReadStream({ highWaterMark: COPY_CHUNK, autoClose: true });
        return { size: st.size, mtime: st.mtime.toISOString(), stream };
      } catch (e) {
        await fh.close();
        throw e;
      }
    });
  }

  /** Replaces (or creates) a file atomically. Its folder must exist. */
  async writeAtomic(rel: string, data: AtomicData, options: CopyOptions = {}): Promise<void> {
    const full = await this.#resolveNonRoot(rel, 'write');
    await this.#fs(rel, async () => {
      await this.#requireParent(rel, full);
      await writeFileAtomic(full, data, {
        signal: options.signal,
        onProgress: options.onProgress === undefined ? undefined : (n) => options.onProgress?.(n, n),
      });
    });
  }

  /** True when something (file, folder or link, even a dangling one) has that name. */
  async exists(rel: string): Promise<boolean> {
    const full = await this.#resolveName(rel);
    try {
      await lstat(full);
      return true;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return false;
      throw mapFsError(e, this.datastorePath(rel));
    }
  }

  /** What `rel` is; a symbolic link is reported as a link. */
  async stat(rel: string): Promise<DatastoreEntry> {
    const full = await this.#resolveName(rel);
    const st = await this.#fs(rel, () => lstat(full));
    return entryOf(normalizeRel(rel) === '' ? '' : basename(full), st);
  }

  /** The entries of a folder, sorted by name. */
  async list(rel: string): Promise<DatastoreEntry[]> {
    const full = await this.resolve(rel);
    const st = await this.#fs(rel, () => lstat(full));
    if (!st.isDirectory()) throw notADirectory(this.datastorePath(rel));
    const names = await this.#fs(rel, () => readdir(full));
    const entries = await Promise.all(
      names.map(async (name) => {
        try {
          return entryOf(name, await lstat(join(full, name)));
        } catch {
          return null; // removed while listing
        }
      }),
    );
    return entries.filter((e): e is DatastoreEntry => e !== null).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /**
   * Creates a folder. Without `parents` its parent must exist and the folder must not;
   * with `parents` missing parents are created and an existing folder is fine (mkdir -p).
   */
  async makeDir(rel: string, parents = false): Promise<void> {
    if (normalizeRel(rel, { datastoreName: this.name }) === '') {
      if (parents) return;
      throw alreadyExists(`${this.datastorePath(rel)} already exists (it is the datastore root)`, {
        module: MODULE,
        reason: 'file_exists',
      });
    }
    const full = await this.resolve(rel);
    await this.#fs(rel, async () => {
      if (!parents) await this.#requireParent(rel, full);
      await mkdir(full, { recursive: parents });
    });
    if (parents) {
      // mkdir -p succeeds on an existing folder but must not on an existing file.
      const st = await this.#fs(rel, () => lstat(full));
      if (!st.isDirectory()) {
        throw alreadyExists(`${this.datastorePath(rel)} already exists and is not a folder`, { module: MODULE, reason: 'file_exists' });
      }
    }
  }

  /** Removes a file (or a symbolic link, not what it points to). */
  async removeFile(rel: string): Promise<void> {
    const full = await this.#resolveNonRoot(rel, 'remove', false);
    await this.#fs(rel, async () => {
      const st = await lstat(full);
      if (st.isDirectory()) throw notAFile(this.datastorePath(rel));
      await unlink(full);
    });
  }

  /** Removes a folder; without `recursive` it must be empty. */
  async removeDir(rel: string, recursive = false): Promise<void> {
    const full = await this.#resolveNonRoot(rel, 'remove', false);
    await this.#fs(rel, async () => {
      const st = await lstat(full);
      if (!st.isDirectory()) throw notADirectory(this.datastorePath(rel));
      if (recursive) await rm(full, { recursive: true });
      else await rmdir(full);
    });
  }

  /**
   * Moves or renames a file or folder, within this datastore or (with `destination`)
   * into another one. Renames when both are on one file system, else copies and removes.
   */
  async move(fromRel: string, toRel: string, overwrite = false, options: CopyOptions & { destination?: DatastoreFiles } = {}): Promise<void> {
    const dest = options.destination ?? this;
    const from = await this.#resolveNonRoot(fromRel, 'move', false);
    const to = await dest.#resolveNonRoot(toRel, 'move onto');
    const src = await this.#fs(fromRel, () => lstat(from));
    if (src.isSymbolicLink() && dest !== this) throw linksUnsupported(this.datastorePath(fromRel));
    const existing = await dest.#lstatOrNull(toRel, to);
    if (existing !== null) {
      if (!overwrite) throw fileExists(dest.datastorePath(toRel));
      if (existing.isDirectory() && !src.isDirectory()) throw notAFile(dest.datastorePath(toRel));
      if (!existing.isDirectory() && src.isDirectory()) throw notADirectory(dest.datastorePath(toRel));
    }
    await dest.#fs(toRel, () => dest.#requireParent(toRel, to));
    try {
      await rename(from, to);
      await syncDir(dirname(to));
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EXDEV') {
        throw mapFsError(e, `moving ${this.datastorePath(fromRel)} to ${dest.datastorePath(toRel)}:`);
      }
    }
    // Another file system: copy, then remove the source. Copying would follow a link.
    if (src.isSymbolicLink()) throw linksUnsupported(this.datastorePath(fromRel));
    if (src.isDirectory()) {
      if (existing !== null) await dest.#fs(toRel, () => rm(to, { recursive: true }));
      await this.#copyTree(fromRel, from, dest, toRel, to, options);
      await this.#fs(fromRel, () => rm(from, { recursive: true }));
    } else {
      await this.#copyFile(fromRel, from, src, dest, toRel, to, options);
      await this.#fs(fromRel, () => unlink(from));
    }
  }

  /**
   * Copies a file (streamed, any size, across file systems), within this datastore or
   * (with `destination`) into another one. The destination appears complete or not at all.
   */
  async copy(fromRel: string, toRel: string, overwrite = false, options: CopyOptions & { destination?: DatastoreFiles } = {}): Promise<void> {
    const dest = options.destination ?? this;
    const from = await this.#resolveNonRoot(fromRel, 'copy');
    const to = await dest.#resolveNonRoot(toRel, 'copy onto');
    const src = await this.#fs(fromRel, () => lstat(from));
    if (src.isSymbolicLink()) throw linksUnsupported(this.datastorePath(fromRel));
    if (!src.isFile()) throw notAFile(this.datastorePath(fromRel));
    const existing = await dest.#lstatOrNull(toRel, to);
    if (existing !== null) {
      if (!overwrite) throw fileExists(dest.datastorePath(toRel));
      if (existing.isDirectory()) throw notAFile(dest.datastorePath(toRel));
    }
    await dest.#fs(toRel, () => dest.#requireParent(toRel, to));
    await this.#copyFile(fromRel, from, src, dest, toRel, to, options);
  }

  /**
   * Creates a new VM folder at the root and returns its name (= its rel path). The name
   * is sanitised (no path separators, control or Windows-reserved characters, no leading
   * dots, at most 200 UTF-8 bytes); when taken, `name_1`, `name_2`, … are tried.
   */
  async createVmFolder(name: string): Promise<string> {
    const base = sanitizeFolderName(name);
    await this.resolve('');
    for (let n = 0; n <= MAX_FOLDER_SUFFIX; n++) {
      const candidate = n === 0 ? base : `${base}_${n}`;
      try {
        await mkdir(join(this.root, candidate));
        return candidate;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw mapFsError(e, this.datastorePath(candidate));
      }
    }
    throw resourceExhausted(`${this.datastorePath(base)}: names ${base} to ${base}_${MAX_FOLDER_SUFFIX} are all taken`, {
      module: MODULE,
    });
  }

  /** Removes a VM's folder with everything in it. */
  async removeVmFolder(rel: string): Promise<void> {
    await this.removeDir(rel, true);
  }

  /**
   * Moves a folder to `toRel` (default: the same rel) on another datastore (or this one):
   * a rename on one file system, else a copy into a temporary folder, a rename into
   * place and the removal of the source. The destination must not exist or be an empty
   * folder (one reserved with createVmFolder). On failure the source stays and no
   * partial destination is left. Returns `toRel`.
   */
  async moveFolderTo(other: DatastoreFiles, rel: string, toRel: string = rel, options: CopyOptions = {}): Promise<string> {
    const from = await this.#resolveNonRoot(rel, 'move');
    const to = await other.#resolveNonRoot(toRel, 'move onto');
    await this.#requireDirectory(rel, from);
    await other.#requireFreeOrEmptyFolder(toRel, to);
    await other.#fs(toRel, () => other.#requireParent(toRel, to));
    try {
      await rename(from, to);
      await syncDir(dirname(to));
      await syncDir(dirname(from));
      return toRel;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EXDEV') {
        throw mapFsError(e, `moving ${this.datastorePath(rel)} to ${other.datastorePath(toRel)}:`);
      }
    }
    await this.#copyTree(rel, from, other, toRel, to, options);
    await this.#fs(rel, () => rm(from, { recursive: true }));
    return toRel;
  }

  /**
   * Copies a folder tree to `toRel` on another datastore (or this one) for a clone. The
   * destination must not exist or be an empty folder (typically one just reserved with
   * createVmFolder); it is filled completely or not at all (the tree is copied into a
   * temporary folder that is then renamed into place). Regular files and
   * folders are copied; sockets and FIFOs (runtime leftovers such as a QMP socket) are
   * skipped; a symbolic link makes the copy fail with `unsupported` before anything is
   * written.
   */
  async copyFolderTo(other: DatastoreFiles, fromRel: string, toRel: string, options: CopyOptions = {}): Promise<void> {
    const from = await this.#resolveNonRoot(fromRel, 'copy');
    const to = await other.#resolveNonRoot(toRel, 'copy onto');
    await this.#requireDirectory(fromRel, from);
    await other.#requireFreeOrEmptyFolder(toRel, to);
    await other.#fs(toRel, () => other.#requireParent(toRel, to));
    await this.#copyTree(fromRel, from, other, toRel, to, options);
  }

  /** Owner, group and permission bits (of a link itself: not followed). */
  async ownership(rel: string): Promise<{ uid: number; gid: number; mode: number }> {
    const full = await this.#resolveName(rel);
    const st = await this.#fs(rel, () => lstat(full));
    return { uid: st.uid, gid: st.gid, mode: st.mode & 0o7777 };
  }

  /**
   * Sets the permission bits of a file or folder: only rwx for owner, group and others
   * (0o777); set-id and sticky bits are refused. A symbolic link is refused (chmod would
   * change what it points to), and so is the datastore root (vmgate must keep using it).
   */
  async changeMode(rel: string, mode: number): Promise<void> {
    if (!Number.isInteger(mode) || mode < 0 || mode > 0o777) {
      throw invalidArgument(`mode ${typeof mode === 'number' ? mode.toString(8) : String(mode)} for ${this.datastorePath(rel)} must be permission bits from 000 to 777 (no set-id or sticky bits)`, { module: MODULE });
    }
    const full = await this.#resolveNonRoot(rel, 'change the mode of', false);
    await this.#fs(rel, async () => {
      const st = await lstat(full);
      if (st.isSymbolicLink()) throw unsupported(`${this.datastorePath(rel)} is a symbolic link: change the mode of what it points to`, { module: MODULE });
      await chmod(full, mode);
    });
  }

  /**
   * Makes a symbolic link at `rel` that points to `targetRel` on this datastore (which
   * must exist and stay inside: the target is resolved with the usual confinement). The
   * link holds the path from its folder's real location to the target's real location
   * (links on the way resolved, so a link in a linked folder cannot point out), relative,
   * so it keeps pointing inside the datastore wherever the datastore is mounted.
   */
  async makeLink(rel: string, targetRel: string): Promise<void> {
    const link = await this.#resolveNonRoot(rel, 'make a link at', false);
    const target = await this.resolve(targetRel);
    const realTarget = await this.#fs(targetRel, () => realpath(target));
    if ((await this.#lstatOrNull(rel, link)) !== null) throw fileExists(this.datastorePath(rel));
    await this.#fs(rel, async () => {
      await this.#requireParent(rel, link);
      const realFolder = await realpath(dirname(link));
      await symlink(relative(realFolder, realTarget) || '.', link);
    });
  }

  /** An empty qcow2 child of the disk at `parentRel` (see the port's createChildDisk). */
  async createChildDisk(parentRel: string, childRel: string): Promise<{ baseFormat: 'qcow2' | 'vmdk' | 'raw'; virtualSize: number; backing: string }> {
    if (!normalizeRel(childRel, { datastoreName: this.name }).endsWith('.qcow2')) {
      throw invalidArgument(`${this.datastorePath(childRel)}: a copy-on-write child is a qcow2 disk, its name must end in .qcow2`, { module: MODULE });
    }
    const parent = await this.#resolveNonRoot(parentRel, 'use as a base disk');
    const child = await this.#resolveNonRoot(childRel, 'create a disk at', false);
    const realParent = await this.#fs(parentRel, () => realpath(parent));
    if (!(await this.#fs(parentRel, () => stat(realParent))).isFile()) throw notAFile(this.datastorePath(parentRel));
    if ((await this.#lstatOrNull(childRel, child)) !== null) throw fileExists(this.datastorePath(childRel));
    await this.#fs(childRel, () => this.#requireParent(childRel, child));
    const base = await this.#fs(parentRel, () => probeBaseDisk(realParent));
    if (base.virtualSize <= 0) throw invalidArgument(`${this.datastorePath(parentRel)} is empty: it is not a disk`, { module: MODULE });
    const backing = relative(await this.#fs(childRel, () => realpath(dirname(child))), realParent);
    let image: Buffer;
    try {
      image = qcow2ChildImage(backing, base.format, base.virtualSize);
    } catch (e) {
      throw invalidArgument(`cannot make a child of ${this.datastorePath(parentRel)}: ${(e as Error).message}`, { module: MODULE });
    }
    await this.#fs(childRel, () => writeFileAtomic(child, image));
    return { baseFormat: base.format, virtualSize: base.virtualSize, backing };
  }

  /** Size and free space of the file system that holds the datastore. */
  async usage(): Promise<DatastoreUsage> {
    await this.resolve('');
    const s = await this.#fs('', () => statfs(this.root));
    return { capacityBytes: s.blocks * s.bsize, freeBytes: s.bavail * s.bsize };
  }

  // -------------------------------------------------------------------------------------

  /** Runs fs work, mapping errors to VmgateError naming `rel`. */
  async #fs<T>(rel: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (e) {
      throw mapFsError(e, this.datastorePath(rel));
    }
  }

  async #resolveNonRoot(rel: string, verb: string, followFinal = true): Promise<string> {
    if (normalizeRel(rel, { datastoreName: this.name }) === '') {
      throw invalidArgument(`cannot ${verb} ${this.datastorePath(rel)}: it is the datastore root`, { module: MODULE });
    }
    return followFinal ? this.resolve(rel) : this.#resolveName(rel);
  }

  async #lstatOrNull(rel: string, full: string): Promise<Stats | null> {
    try {
      return await lstat(full);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return null;
      throw mapFsError(e, this.datastorePath(rel));
    }
  }

  /** The folder `full` goes into must exist (links to folders inside the datastore count). */
  async #requireParent(rel: string, full: string): Promise<void> {
    const parentRel = posix.dirname(normalizeRel(rel));
    const parentLabel = this.datastorePath(parentRel === '.' ? '' : parentRel);
    let st: Stats;
    try {
      st = await stat(dirname(full));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        throw notFound(`folder ${parentLabel} of ${this.datastorePath(rel)} does not exist`, { module: MODULE, reason: 'file_not_found' });
      }
      if (code === 'ENOTDIR') throw notADirectory(parentLabel);
      throw mapFsError(e, parentLabel);
    }
    if (!st.isDirectory()) throw notADirectory(parentLabel);
  }

  /** A folder copy or move may land on nothing or on an empty folder, nothing else. */
  async #requireFreeOrEmptyFolder(rel: string, full: string): Promise<void> {
    const st = await this.#lstatOrNull(rel, full);
    if (st === null) return;
    if (!st.isDirectory()) throw fileExists(this.datastorePath(rel));
    const names = await this.#fs(rel, () => readdir(full));
    if (names.length > 0) {
      throw alreadyExists(`${this.datastorePath(rel)} already exists and is not empty`, { module: MODULE, reason: 'file_exists' });
    }
  }

  async #requireDirectory(rel: string, full: string): Promise<void> {
    const st = await this.#fs(rel, () => lstat(full));
    if (!st.isDirectory()) throw notADirectory(this.datastorePath(rel));
  }

  async #copyFile(
    fromRel: string,
    from: string,
    src: Stats,
    dest: DatastoreFiles,
    toRel: string,
    to: string,
    options: CopyOptions,
  ): Promise<void> {
    const total = src.size;
    const stream = createReadStream(from, { highWaterMark: COPY_CHUNK });
    try {
      await writeFileAtomic(to, stream, {
        mode: src.mode & 0o7777,
        sparse: true,
        signal: options.signal,
        onProgress: (n) => options.onProgress?.(n, Math.max(total, n)),
      });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // Read errors name the source; everything else the destination.
      const onSource = (e as { path?: unknown }).path === from || code === 'EISDIR';
      throw onSource ? mapFsError(e, this.datastorePath(fromRel)) : mapFsError(e, dest.datastorePath(toRel));
    } finally {
      stream.destroy();
    }
  }

  /** Copies a tree into a temporary sibling of `to`, then renames it into place. */
  async #copyTree(fromRel: string, from: string, dest: DatastoreFiles, toRel: string, to: string, options: CopyOptions): Promise<void> {
    const plan = await this.#planTree(fromRel, from);
    const total = plan.reduce((n, item) => n + (item.kind === 'file' ? item.size : 0), 0);
    const tmp = join(dirname(to), `.${basename(to).slice(0, 100)}${TEMP_MARKER}${randomBytes(6).toString('hex')}`);
    let copied = 0;
    try {
      await mkdir(tmp);
      for (const item of plan) {
        options.signal?.throwIfAborted();
        const target = item.rel === '' ? tmp : join(tmp, item.rel);
        if (item.kind === 'dir') {
          if (item.rel !== '') await mkdir(target, { mode: item.mode });
          continue;
        }
        const base = copied;
        const stream = createReadStream(join(from, item.rel), { highWaterMark: COPY_CHUNK });
        try {
          await writeFileAtomic(target, stream, {
            mode: item.mode,
            sparse: true,
            signal: options.signal,
            onProgress: (n) => options.onProgress?.(base + n, Math.max(total, base + n)),
          });
        } finally {
          stream.destroy();
        }
        copied += item.size;
      }
      await rename(tmp, to);
      await syncDir(dirname(to));
    } catch (e) {
      await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
      throw mapFsError(e, `copying ${this.datastorePath(fromRel)} to ${dest.datastorePath(toRel)}:`);
    }
  }

  /** Everything to copy, parents before children; fails on links before anything is written. */
  async #planTree(fromRel: string, from: string): Promise<TreeItem[]> {
    const plan: TreeItem[] = [];
    const top = normalizeRel(fromRel);
    const walk = async (rel: string): Promise<void> => {
      const full = rel === '' ? from : join(from, rel);
      const itemRel = rel === '' ? top : posix.join(top, rel);
      const st = await this.#fs(itemRel, () => lstat(full));
      if (st.isSymbolicLink()) throw linksUnsupported(this.datastorePath(itemRel));
      if (st.isDirectory()) {
        plan.push({ kind: 'dir', rel, mode: st.mode & 0o7777, size: 0 });
        const names = (await this.#fs(itemRel, () => readdir(full))).sort();
        for (const name of names) await walk(rel === '' ? name : posix.join(rel, name));
      } else if (st.isFile()) {
        plan.push({ kind: 'file', rel, mode: st.mode & 0o7777, size: st.size });
      }
      // sockets, FIFOs, devices: skipped
    };
    await walk('');
    return plan;
  }
}

interface TreeItem {
  readonly kind: 'dir' | 'file';
  /** Relative to the folder being copied; '' for the folder itself. */
  readonly rel: string;
  readonly mode: number;
  readonly size: number;
}

/** A folder name that is safe on every file system vmgate meets. */
export function sanitizeFolderName(name: string): string {
  let s = '';
  for (const ch of String(name)) {
    const c = ch.codePointAt(0) ?? 0;
    s += c < 0x20 || c === 0x7f || '/\\:*?"<>|'.includes(ch) ? '_' : ch;
  }
  s = s.trim().replace(/^\.+/, '').replace(/[. ]+$/, '').trim();
  // Cut to MAX_FOLDER_NAME_BYTES of UTF-8 without splitting a character.
  while (Buffer.byteLength(s, 'utf8') > MAX_FOLDER_NAME_BYTES) s = [...s].slice(0, -1).join('');
  s = s.replace(/[. ]+$/, '');
  return s === '' ? 'vm' : s;
}

function entryOf(name: string, st: Stats): DatastoreEntry {
  const type: DatastoreEntryType = st.isSymbolicLink() ? 'symlink' : st.isDirectory() ? 'directory' : st.isFile() ? 'file' : 'other';
  return { name, type, size: st.size, mtime: st.mtime.toISOString() };
}

function notAFile(label: string): Error {
  return invalidArgument(`${label} is a folder, not a file`, { module: MODULE, reason: 'not_a_file' });
}

function notADirectory(label: string): Error {
  return invalidArgument(`${label} is not a folder`, { module: MODULE, reason: 'not_a_directory' });
}

function fileExists(label: string): Error {
  return alreadyExists(`${label} already exists`, { module: MODULE, reason: 'file_exists' });
}

function linksUnsupported(label: string): Error {
  return unsupported(`${label} is a symbolic link; vmgate does not copy links`, { module: MODULE });
}

/** The datastore file port's factory (core's `files`): a confined view of one datastore. */
export const datastoreFiles: DatastoreFilesFactory = (ds) => new DatastoreFiles(ds.path, ds.name);

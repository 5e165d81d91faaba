/**
 * The datastore file port: what core needs from the files of one datastore (a VM
 * folder's `.vmx`, creating, moving, copying and removing VM folders, free space).
 * `src/datastore` implements it with confined paths and atomic writes; the server
 * passes the factory to core, so core never imports the file layer.
 */

export interface DatastoreUsage {
  readonly capacityBytes: number;
  /** Bytes vmgate can still write (the file system's "available", not counting reserved blocks). */
  readonly freeBytes: number;
}

export interface FolderCopyOptions {
  readonly signal?: AbortSignal;
  /** Called as data is copied, with bytes copied so far and the total. */
  readonly onProgress?: (copiedBytes: number, totalBytes: number) => void;
}

/** One entry of a datastore folder; a symbolic link is reported as 'symlink', not followed. */
export interface DatastoreFileEntry {
  readonly name: string;
  readonly type: 'file' | 'directory' | 'symlink' | 'other';
  readonly size: number;
  /** ISO 8601 modification time. */
  readonly mtime: string;
}

/** Who owns a file and its permission bits (FileManager_ChangeOwner/ChangeGroup/ChangeMode). */
export interface DatastoreFileOwnership {
  readonly uid: number;
  readonly gid: number;
  /** Permission bits (0o7777 of st_mode). */
  readonly mode: number;
}

/** One datastore's files; every `rel` is relative to its root and confined to it. */
export interface DatastoreFilesPort {
  /** The absolute path of `rel`, checked to stay inside the datastore (links followed). */
  resolve(rel: string): Promise<string>;
  readText(rel: string, options?: { readonly maxBytes?: number }): Promise<string>;
  /**
   * Write-then-rename: readers see the old content or the new, never a mix. Chunks from a
   * stream are written as they come; a failure or an abort (`signal`) leaves the target as
   * it was and no temporary file behind.
   */
  writeAtomic(rel: string, data: string | Uint8Array | AsyncIterable<Uint8Array>, options?: FolderCopyOptions): Promise<void>;
  /** A file's size and bytes, streamed; the caller consumes or destroys the stream. */
  openRead(rel: string): Promise<{ size: number; mtime: string; stream: AsyncIterable<Uint8Array> & { destroy(): void } }>;
  /** A new folder named after `name` (sanitised, `name_<n>` when taken); its rel path. */
  createVmFolder(name: string): Promise<string>;
  removeVmFolder(rel: string): Promise<void>;
  /** Removes one file (not a folder); not_found when it is not there. */
  removeFile(rel: string): Promise<void>;
  moveFolderTo(other: DatastoreFilesPort, rel: string, toRel?: string, options?: FolderCopyOptions): Promise<string>;
  copyFolderTo(other: DatastoreFilesPort, fromRel: string, toRel: string, options?: FolderCopyOptions): Promise<void>;
  usage(): Promise<DatastoreUsage>;
  // ---- browsing and file management (the vmserverd FileManager_* / File_* / Directory_* ops)
  exists(rel: string): Promise<boolean>;
  stat(rel: string): Promise<DatastoreFileEntry>;
  /** Entries sorted by name; not_a_directory for a file. */
  list(rel: string): Promise<DatastoreFileEntry[]>;
  /** mkdir; with `parents` every missing level is made and an existing folder is fine. */
  makeDir(rel: string, parents?: boolean): Promise<void>;
  removeDir(rel: string, recursive?: boolean): Promise<void>;
  /** A file or folder, within this datastore or into `destination` (copy and remove across file systems). */
  move(fromRel: string, toRel: string, overwrite?: boolean, options?: FolderCopyOptions & { destination?: DatastoreFilesPort }): Promise<void>;
  /** A file, streamed (any size, across file systems); the destination appears whole or not at all. */
  copy(fromRel: string, toRel: string, overwrite?: boolean, options?: FolderCopyOptions & { destination?: DatastoreFilesPort }): Promise<void>;
  /** Owner, group and permission bits of a file or folder (a link's own, not followed). */
  ownership(rel: string): Promise<DatastoreFileOwnership>;
  /** chmod of a file or folder (a link is refused: its target's bits would change). */
  changeMode(rel: string, mode: number): Promise<void>;
  /**
   * A symbolic link at `rel` to `targetRel` (an existing file or folder of this datastore),
   * written relative to the link's folder so that it stays inside the datastore.
   */
  makeLink(rel: string, targetRel: string): Promise<void>;
  /**
   * A new, empty qcow2 disk at `childRel` (it must end in `.qcow2`) whose backing file is
   * the disk at `parentRel` on this datastore (qcow2, VMware sparse or descriptor, or raw):
   * writes go to the child, the base is never written. The backing path is relative to the
   * child's folder. Returns the base's format and virtual size, and the backing path.
   */
  createChildDisk(parentRel: string, childRel: string): Promise<{ baseFormat: 'qcow2' | 'vmdk' | 'raw'; virtualSize: number; backing: string }>;
}

/** Opens the files of a datastore: its root directory and its name (for messages). */
export type DatastoreFilesFactory = (datastore: { readonly path: string; readonly name: string }) => DatastoreFilesPort;

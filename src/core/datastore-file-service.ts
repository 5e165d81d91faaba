/**
 * Files on datastores for a caller: the vmserverd face's FileManager_* / File_* /
 * Directory_* operations. Paths are `[datastore] folder/file` or the datastore's absolute
 * root form (`/srv/ds0/folder/file`); everything stays inside the datastores the caller
 * may see (confinement itself — `..`, links leading out, NUL bytes — is the file port's).
 * Browsing needs Datastore.Browse, changes Datastore.FileManagement; changes are events,
 * a copy is a task with progress.
 */
import { userInfo } from 'node:os';
import { posix } from 'node:path';
import type { Authorizer } from './authorizer.ts';
import type { Caller } from './caller.ts';
import type { CoreContext } from './context.ts';
import { formatDatastorePath, parseDatastorePath } from './datastore-path-syntax.ts';
import { alreadyExists, invalidArgument, isVmgateError, notFound, unsupported } from './errors.ts';
import type { EventLog } from './events.ts';
import type { Datastore, Task } from './model/index.ts';
import type { DatastoreFileEntry, DatastoreFileOwnership, DatastoreFilesPort, DatastoreUsage } from './ports/datastore-files.ts';
import type { TaskEngine } from './tasks.ts';

const MODULE = 'core.datastoreFiles';

export interface ResolvedDatastorePath {
  readonly datastore: Datastore;
  readonly rel: string;
  /** `[name] rel` */
  readonly path: string;
  readonly files: DatastoreFilesPort;
}

type Privilege = 'Datastore.Browse' | 'Datastore.FileManagement';

export class DatastoreFileService {
  constructor(
    private readonly ctx: CoreContext,
    private readonly authz: Authorizer,
    private readonly events: EventLog,
    private readonly tasks: TaskEngine,
  ) {}

  /** Parses and authorises a path; unknown and invisible datastores answer the same not_found. */
  async resolve(caller: Caller, path: string, privilege: Privilege = 'Datastore.Browse'): Promise<ResolvedDatastorePath> {
    if (typeof path !== 'string' || path === '' || path.length > 4096) throw invalidArgument('a datastore path is required', { module: MODULE });
    if (path.includes('\0')) throw invalidArgument(`datastore path ${JSON.stringify(path)} contains a NUL byte`, { module: MODULE });
    let ds: Datastore | undefined;
    let rel: string;
    if (path.startsWith('[')) {
      const p = parseDatastorePath(path);
      ds = await this.ctx.store.datastores.getByName(p.datastoreName);
      if (!ds) throw notFound(`datastore '${p.datastoreName}' was not found`, { module: MODULE });
      rel = p.rel;
    } else if (path.startsWith('/')) {
      const held = datastoreHolding(await this.ctx.store.datastores.list(), path);
      if (!held) throw notFound(`${path} is not on any datastore`, { module: MODULE });
      ({ datastore: ds, rel } = held);
    } else {
      throw invalidArgument(`'${path.slice(0, 200)}' is not a datastore path like '[datastore1] folder/file'`, { module: MODULE });
    }
    await this.authz.requireVisible(caller, privilege, ds.id, [ds.id, ds.datacenterId, 'root']);
    return { datastore: ds, rel, path: formatDatastorePath(ds.name, rel), files: this.ctx.files(ds) };
  }

  async list(caller: Caller, path: string): Promise<DatastoreFileEntry[]> {
    const r = await this.resolve(caller, path);
    return r.files.list(r.rel);
  }

  async stat(caller: Caller, path: string): Promise<DatastoreFileEntry> {
    const r = await this.resolve(caller, path);
    return r.files.stat(r.rel);
  }

  async exists(caller: Caller, path: string): Promise<boolean> {
    const r = await this.resolve(caller, path);
    return r.files.exists(r.rel);
  }

  async readText(caller: Caller, path: string, maxBytes: number): Promise<string> {
    const r = await this.resolve(caller, path);
    return r.files.readText(r.rel, { maxBytes });
  }

  async usage(caller: Caller, path: string): Promise<{ datastore: Datastore; usage: DatastoreUsage }> {
    const r = await this.resolve(caller, path);
    return { datastore: r.datastore, usage: await r.files.usage() };
  }

  /**
   * A datastore by name (and, when given, the name of its datacenter), authorised for
   * `privilege`, with `rel` inside it: what vSphere's `/folder/<rel>?dsName=&dcPath=` names.
   * Unknown and invisible datastores, and a datacenter that does not hold the datastore,
   * answer the same not_found.
   */
  async resolveIn(caller: Caller, dsName: string, dcPath: string | undefined, rel: string, privilege: Privilege = 'Datastore.Browse'): Promise<ResolvedDatastorePath> {
    if (typeof dsName !== 'string' || dsName === '') throw invalidArgument('dsName (the datastore) is required', { module: MODULE });
    if (typeof rel !== 'string' || rel.length > 4096 || rel.includes('\0')) throw invalidArgument('the file path is too long or contains a NUL byte', { module: MODULE });
    const ds = await this.ctx.store.datastores.getByName(dsName);
    const missing = () => notFound(`datastore '${dsName}'${dcPath ? ` in datacenter '${dcPath}'` : ''} was not found`, { module: MODULE });
    if (!ds) throw missing();
    if (dcPath !== undefined && dcPath !== '') {
      const dc = await this.ctx.store.datacenters.get(ds.datacenterId);
      if (!dc || (dc.name !== dcPath && dc.id !== dcPath)) throw missing();
    }
    // Not even visible: the same answer as a datastore that does not exist.
    await this.authz.requireVisible(caller, privilege, ds.id, [ds.id, ds.datacenterId, 'root']).catch((e: unknown) => {
      throw isVmgateError(e) && e.kind === 'not_found' ? missing() : e;
    });
    return { datastore: ds, rel, path: formatDatastorePath(ds.name, rel), files: this.ctx.files(ds) };
  }

  /** A file's bytes, streamed (GET /folder). */
  async openRead(caller: Caller, r: ResolvedDatastorePath): Promise<{ size: number; mtime: string; stream: AsyncIterable<Uint8Array> & { destroy(): void } }> {
    void caller;
    return r.files.openRead(r.rel);
  }

  /**
   * Writes a file from a stream (PUT /folder): missing folders on the way are made, an
   * existing file is replaced atomically; a failed or aborted upload leaves the old file
   * (or nothing) and no temporary file. Returns the bytes written.
   */
  async writeStream(caller: Caller, r: ResolvedDatastorePath, data: AsyncIterable<Uint8Array>, options: { signal?: AbortSignal } = {}): Promise<{ bytes: number; created: boolean }> {
    if (r.rel === '' || r.rel.endsWith('/')) throw invalidArgument(`${r.path} is a folder: name the file to write`, { module: MODULE, reason: 'not_a_file' });
    const parent = posix.dirname(r.rel);
    if (parent !== '.' && parent !== '') await r.files.makeDir(parent, true);
    const created = !(await r.files.exists(r.rel));
    let bytes = 0;
    await r.files.writeAtomic(r.rel, data, { ...(options.signal ? { signal: options.signal } : {}), onProgress: (n) => (bytes = n) });
    await this.events.record(r.datastore.id, 'datastore.fileUploaded', `${r.path} written (${bytes} bytes)`, { caller });
    return { bytes, created };
  }

  /** Removes a file or an empty folder (DELETE /folder). */
  async remove(caller: Caller, r: ResolvedDatastorePath): Promise<void> {
    if (r.rel === '') throw invalidArgument(`${r.path} is a datastore root and cannot be removed`, { module: MODULE });
    const st = await r.files.stat(r.rel);
    if (st.type === 'directory') await r.files.removeDir(r.rel, false);
    else await r.files.removeFile(r.rel);
    await this.events.record(r.datastore.id, st.type === 'directory' ? 'datastore.folderRemoved' : 'datastore.fileRemoved', `${r.path} removed`, { caller });
  }

  /** A new file with this content; already_exists when something is there. */
  async createFile(caller: Caller, path: string, content: string): Promise<string> {
    const r = await this.resolve(caller, path, 'Datastore.FileManagement');
    if (r.rel === '' || (await r.files.exists(r.rel))) throw invalidOrExists(r);
    await r.files.writeAtomic(r.rel, content);
    await this.events.record(r.datastore.id, 'datastore.fileCreated', `${r.path} created`, { caller });
    return r.path;
  }

  /** mkdir (`parents`: every missing level, as mkdir -p). Returns the paths made. */
  async makeDir(caller: Caller, path: string, parents: boolean): Promise<string> {
    const r = await this.resolve(caller, path, 'Datastore.FileManagement');
    await r.files.makeDir(r.rel, parents);
    await this.events.record(r.datastore.id, 'datastore.folderCreated', `${r.path} created`, { caller });
    return r.path;
  }

  async removeFile(caller: Caller, path: string): Promise<void> {
    const r = await this.resolve(caller, path, 'Datastore.FileManagement');
    await r.files.removeFile(r.rel);
    await this.events.record(r.datastore.id, 'datastore.fileRemoved', `${r.path} removed`, { caller });
  }

  async removeDir(caller: Caller, path: string, recursive: boolean): Promise<void> {
    const r = await this.resolve(caller, path, 'Datastore.FileManagement');
    if (r.rel === '') throw invalidArgument(`${r.path} is a datastore root and cannot be removed`, { module: MODULE });
    await r.files.removeDir(r.rel, recursive);
    await this.events.record(r.datastore.id, 'datastore.folderRemoved', `${r.path} removed${recursive ? ' with its contents' : ''}`, { caller });
  }

  async move(caller: Caller, from: string, to: string, overwrite: boolean): Promise<void> {
    const a = await this.resolve(caller, from, 'Datastore.FileManagement');
    const b = await this.resolve(caller, to, 'Datastore.FileManagement');
    await a.files.move(a.rel, b.rel, overwrite, a.datastore.id === b.datastore.id ? {} : { destination: b.files });
    await this.events.record(a.datastore.id, 'datastore.fileMoved', `${a.path} moved to ${b.path}`, { caller });
  }

  /** Owner, group and permission bits of a file or folder. */
  async ownership(caller: Caller, path: string): Promise<DatastoreFileOwnership> {
    const r = await this.resolve(caller, path);
    return r.files.ownership(r.rel);
  }

  /** chmod: rwx bits for owner, group and others (0 to 0o777); an event. */
  async changeMode(caller: Caller, path: string, mode: number): Promise<DatastoreFileOwnership> {
    const r = await this.resolve(caller, path, 'Datastore.FileManagement');
    await r.files.changeMode(r.rel, mode);
    await this.events.record(r.datastore.id, 'datastore.fileModeChanged', `mode of ${r.path} set to ${mode.toString(8).padStart(3, '0')}`, { caller });
    return r.files.ownership(r.rel);
  }

  /**
   * Read-only on or off: the write bits of owner, group and others cleared, or the
   * owner's write bit set (what a read-only attribute means on a POSIX file system).
   */
  async setReadOnly(caller: Caller, path: string, readOnly: boolean): Promise<DatastoreFileOwnership> {
    const r = await this.resolve(caller, path, 'Datastore.FileManagement');
    const { mode } = await r.files.ownership(r.rel);
    const next = readOnly ? mode & 0o555 : (mode | 0o200) & 0o777;
    await r.files.changeMode(r.rel, next);
    await this.events.record(r.datastore.id, 'datastore.fileModeChanged', `${r.path} made ${readOnly ? 'read-only' : 'writable'} (mode ${next.toString(8).padStart(3, '0')})`, { caller });
    return r.files.ownership(r.rel);
  }

  /**
   * chown, on vmgate's model: the files of its datastores belong to the account vmgate
   * runs as, and vmgate users are not accounts of the operating system. Naming the owner
   * (or group) a file already has succeeds and changes nothing; any other owner is
   * `unsupported`. `owner`: a uid or the service account's name; `group`: a gid.
   */
  async changeOwner(caller: Caller, path: string, change: { owner?: string; group?: string }): Promise<DatastoreFileOwnership> {
    const r = await this.resolve(caller, path, 'Datastore.FileManagement');
    const cur = await r.files.ownership(r.rel);
    const svc = serviceAccount();
    if (change.owner !== undefined) {
      const uid = /^\d{1,10}$/.test(change.owner) ? Number(change.owner) : change.owner === svc.name ? svc.uid : null;
      if (uid === null) throw unsupported(`'${change.owner.slice(0, 64)}' is not an owner vmgate can give ${r.path}: its files belong to the account vmgate runs as ('${svc.name}', uid ${svc.uid})`, { module: MODULE });
      if (uid !== cur.uid) throw unsupported(`${r.path} belongs to uid ${cur.uid}; vmgate does not give its files to other accounts (uid ${uid})`, { module: MODULE });
    }
    if (change.group !== undefined) {
      const gid = /^\d{1,10}$/.test(change.group) ? Number(change.group) : null;
      if (gid === null) throw invalidArgument(`group '${change.group.slice(0, 64)}' must be a numeric gid`, { module: MODULE });
      if (gid !== cur.gid) throw unsupported(`${r.path} belongs to group ${cur.gid}; vmgate does not give its files to other groups (gid ${gid})`, { module: MODULE });
    }
    return cur;
  }

  /** A symbolic link at `path` to `target`, both on one datastore (the link stays inside it). */
  async makeLink(caller: Caller, path: string, target: string): Promise<string> {
    const link = await this.resolve(caller, path, 'Datastore.FileManagement');
    const to = await this.resolve(caller, target, 'Datastore.Browse');
    if (to.datastore.id !== link.datastore.id) throw invalidArgument(`a link and its target must be on one datastore: ${link.path} and ${to.path} are not`, { module: MODULE });
    await link.files.makeLink(link.rel, to.rel);
    await this.events.record(link.datastore.id, 'datastore.linkCreated', `${link.path} links to ${to.path}`, { caller });
    return link.path;
  }

  /**
   * A copy-on-write child disk (qcow2) of a base disk on the same datastore: reads come
   * from the base, writes go to the child. Browse on the base, FileManagement for the child.
   */
  async createCowDisk(caller: Caller, parent: string, child: string): Promise<{ path: string; parent: string; baseFormat: string; virtualSize: number }> {
    const base = await this.resolve(caller, parent, 'Datastore.Browse');
    const made = await this.resolve(caller, child, 'Datastore.FileManagement');
    if (base.datastore.id !== made.datastore.id) throw invalidArgument(`a child disk and its base must be on one datastore: ${made.path} and ${base.path} are not`, { module: MODULE });
    const r = await made.files.createChildDisk(base.rel, made.rel);
    await this.events.record(made.datastore.id, 'datastore.diskCreated', `${made.path} created as a copy-on-write child of ${base.path} (${r.baseFormat}, ${r.virtualSize} bytes)`, { caller });
    return { path: made.path, parent: base.path, baseFormat: r.baseFormat, virtualSize: r.virtualSize };
  }

  /** Copies a file of any size, across datastores and file systems, as a task with progress. */
  async copy(caller: Caller, from: string, to: string, overwrite: boolean): Promise<Task> {
    const a = await this.resolve(caller, from, 'Datastore.Browse');
    const b = await this.resolve(caller, to, 'Datastore.FileManagement');
    // Fail fast on what can be known now (a missing source, a folder, an existing target).
    const src = await a.files.stat(a.rel);
    if (src.type !== 'file') throw invalidArgument(`${a.path} is not a file`, { module: MODULE, reason: 'not_a_file' });
    if (!overwrite && (await b.files.exists(b.rel))) throw invalidOrExists(b);
    if (!(await b.files.exists(posix.dirname(b.rel) === '.' ? '' : posix.dirname(b.rel)))) throw notFound(`the folder of ${b.path} does not exist`, { module: MODULE, reason: 'file_not_found' });
    return this.tasks.start({ kind: 'datastore.fileCopy', targetId: b.datastore.id, targetName: b.path, caller, cancellable: true, step: `Copying ${a.path} to ${b.path}` }, async (t) => {
      await a.files.copy(a.rel, b.rel, overwrite, {
        signal: t.signal,
        onProgress: (done, total) => t.progress(total > 0 ? Math.floor((done / total) * 100) : 100, `Copied ${done} of ${total} bytes`),
        ...(a.datastore.id === b.datastore.id ? {} : { destination: b.files }),
      });
      await this.events.record(b.datastore.id, 'datastore.fileCopied', `${a.path} copied to ${b.path} (${src.size} bytes)`, { caller, taskId: t.taskId });
      return { path: b.path, bytes: src.size };
    });
  }
}

/** The account vmgate runs as: the owner of everything it writes on its datastores. */
function serviceAccount(): { name: string; uid: number; gid: number } {
  const u = userInfo();
  return { name: u.username, uid: u.uid, gid: u.gid };
}

function invalidOrExists(r: ResolvedDatastorePath): Error {
  return alreadyExists(`${r.path} already exists`, { module: MODULE, reason: 'file_exists' });
}

/**
 * The datastore an absolute path lies in (the deepest, when one datastore's folder is inside
 * another's) and the path relative to its root; undefined when it is on none. `/srv/ds0-other/x`
 * is not inside `/srv/ds0`: a prefix counts only up to a separator.
 */
export function datastoreHolding(datastores: readonly Datastore[], path: string): { datastore: Datastore; rel: string } | undefined {
  const ds = datastores.filter((d) => path === d.path || path.startsWith(d.path.replace(/\/+$/, '') + '/')).sort((a, b) => b.path.length - a.path.length)[0];
  return ds ? { datastore: ds, rel: path.slice(ds.path.replace(/\/+$/, '').length).replace(/^\/+/, '') } : undefined;
}

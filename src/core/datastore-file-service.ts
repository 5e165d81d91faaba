/**
 * Files on datastores for a caller: the vmserverd face's FileManager_* / File_* /
 * Directory_* operations. Paths are `[datastore] folder/file` or the datastore's absolute
 * root form (`/srv/ds0/folder/file`); everything stays inside the datastores the caller
 * may see (confinement itself — `..`, links leading out, NUL bytes — is the file port's).
 * Browsing needs Datastore.Browse, changes Datastore.FileManagement; changes are events,
 * a copy is a task with progress.
 */
import { posix } from 'node:path';
import type { Authorizer } from './authorizer.ts';
import type { Caller } from './caller.ts';
import type { CoreContext } from './context.ts';
import { formatDatastorePath, parseDatastorePath } from './datastore-path-syntax.ts';
import { alreadyExists, invalidArgument, isVmgateError, notFound } from './errors.ts';
import type { EventLog } from './events.ts';
import type { Datastore, Task } from './model/index.ts';
import type { DatastoreFileEntry, DatastoreFilesPort, DatastoreUsage } from './ports/datastore-files.ts';
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
      const all = await this.ctx.store.datastores.list();
      ds = all.filter((d) => path === d.path || path.startsWith(d.path.replace(/\/+$/, '') + '/')).sort((a, b) => b.path.length - a.path.length)[0];
      if (!ds) throw notFound(`${path} is not on any datastore`, { module: MODULE });
      rel = path.slice(ds.path.replace(/\/+$/, '').length).replace(/^\/+/, '');
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

function invalidOrExists(r: ResolvedDatastorePath): Error {
  return alreadyExists(`${r.path} already exists`, { module: MODULE, reason: 'file_exists' });
}

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
import { alreadyExists, invalidArgument, notFound } from './errors.ts';
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

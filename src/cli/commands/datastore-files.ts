/**
 * `vmgate datastore add|rm|ls|upload|download` and `vmgate host info`: datastores
 * (com.vmgate.datastores) and their files through `/folder/<path>?dsName=` (streamed, with
 * a byte progress bar on a terminal), so an ISO or a disk image gets onto a datastore
 * without knowing the server's directories.
 *
 * A file on a datastore is written `DATASTORE:PATH` (`datastore1:iso/guest.iso`) or as
 * vSphere writes it, `[datastore1] iso/guest.iso`; a bare name is a datastore.
 */
import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { basename, resolve as resolvePath } from 'node:path';
import { Command } from 'commander';
import type { CliContext } from '../client-command.ts';
import { clientAction } from '../client-command.ts';
import { CliError, usageError } from '../cli-error.ts';
import { formatBytes } from '../table.ts';
import { downloadFile, localFileSize, smallRequest, transferBar, uploadFile } from '../transfer.ts';

/** Files larger than this get a byte progress bar (on a terminal). */

export interface DatastoreFileRef {
  readonly datastore: string;
  /** Relative to the datastore's root, '' for the root. */
  readonly path: string;
}

/** `ds:path` or `[ds] path` → its parts; null for a bare datastore name. */
export function parseDatastoreFile(text: string): DatastoreFileRef | null {
  const bracket = /^\[([^\]]+)\]\s*(.*)$/s.exec(text);
  if (bracket) return { datastore: bracket[1]!, path: bracket[2]!.replace(/^\/+/, '') };
  const i = text.indexOf(':');
  if (i > 0) return { datastore: text.slice(0, i), path: text.slice(i + 1).replace(/^\/+/, '') };
  return null;
}

function requireFile(text: string): DatastoreFileRef {
  const ref = parseDatastoreFile(text);
  if (!ref) throw usageError(`'${text}' is not a datastore file: write DATASTORE:PATH (datastore1:iso/guest.iso) or '[datastore1] iso/guest.iso'`);
  return ref;
}

/** The /folder URL of a datastore file on the server the CLI talks to. */
export function folderUrl(server: string, ref: DatastoreFileRef): URL {
  const parts = ref.path.split('/').filter((p) => p !== '');
  // A URL resolves dot segments itself (even encoded ones), so they would name another file than the one written.
  if (parts.some((p) => p === '.' || p === '..')) throw usageError(`${shown(ref)}: a datastore path may not contain '.' or '..' segments`);
  const path = parts.map(encodeURIComponent).join('/');
  const url = new URL(`/folder/${path}`, server);
  url.searchParams.set('dsName', ref.datastore);
  return url;
}

function sessionHeaders(ctx: CliContext): Record<string, string> {
  const id = ctx.client.sessionId;
  if (id === undefined) throw new CliError('UNAUTHENTICATED', 'no session: log in first (vmgate login)');
  return { 'vmware-api-session-id': id };
}

const shown = (ref: DatastoreFileRef) => `[${ref.datastore}] ${ref.path}`;

export function datastoreAddCommand(): Command {
  const cmd = new Command('add')
    .description('add a datastore: an existing absolute directory on the vmgate machine (a new one under the data directory without PATH)')
    .argument('<name>', 'datastore name (letters, digits, . _ -)')
    .argument('[path]', 'absolute directory on the vmgate machine')
    .option('--datacenter <datacenter>', 'datacenter (needed only when there are several)');
  return clientAction<{ datacenter?: string }>(cmd, async (ctx, [name, path], opts) => {
    const id = await ctx.client.vmgate.datastores.create({ name: name as string, ...(path ? { path: path as string } : {}), ...(opts.datacenter ? { datacenter: opts.datacenter } : {}) });
    const d = await ctx.client.vmgate.datastores.get(id);
    ctx.out.result(`added datastore ${d.name} (${id}) at ${d.path}`, d);
  });
}

export function datastoreRmCommand(): Command {
  const cmd = new Command('rm')
    .description('remove a file or an empty folder (DATASTORE:PATH), or take a datastore (NAME) out of the inventory; its files stay')
    .argument('<target>', 'DATASTORE:PATH, or a datastore name');
  return clientAction(cmd, async (ctx, [target]) => {
    const ref = parseDatastoreFile(target as string);
    if (ref === null) {
      await ctx.client.vmgate.datastores.delete(target as string);
      ctx.out.result(`removed datastore ${target as string} from the inventory (its files stay)`, { datastore: target, removed: true });
      return;
    }
    if (ref.path === '') throw usageError(`name a file or folder on ${ref.datastore}: ${ref.datastore}:PATH (to remove the datastore itself: vmgate datastore rm ${ref.datastore})`);
    await smallRequest(folderUrl(ctx.client.server, ref), ctx.tls, 'DELETE', sessionHeaders(ctx), `could not remove ${shown(ref)}`);
    ctx.out.result(`removed ${shown(ref)}`, { datastore: ref.datastore, path: ref.path, removed: true });
  });
}

export function datastoreLsCommand(): Command {
  const cmd = new Command('ls').description('list a folder of a datastore').argument('<folder>', 'DATASTORE or DATASTORE:PATH');
  return clientAction(cmd, async (ctx, [target]) => {
    const ref = parseDatastoreFile(target as string) ?? { datastore: target as string, path: '' };
    const body = await smallRequest(folderUrl(ctx.client.server, ref), ctx.tls, 'GET', { ...sessionHeaders(ctx), accept: 'application/json' }, `could not list ${shown(ref)}`);
    let rows: { name: string; type: string; size: number; modified: string }[];
    try {
      rows = JSON.parse(body) as typeof rows;
      if (!Array.isArray(rows)) throw new Error('not a list');
    } catch {
      throw new CliError('ERROR', `${shown(ref)} is a file, not a folder (download it with vmgate datastore download)`);
    }
    ctx.out.table(rows, [
      { header: 'NAME', value: (e) => (e.type === 'directory' ? `${e.name}/` : e.name) },
      { header: 'TYPE', value: (e) => e.type },
      { header: 'SIZE', value: (e) => (e.type === 'file' ? formatBytes(e.size) : ''), align: 'right' },
      { header: 'MODIFIED', value: (e) => e.modified },
    ]);
  });
}

export function datastoreUploadCommand(): Command {
  const cmd = new Command('upload')
    .description('copy a local file onto a datastore (folders are made; an existing file is replaced whole)')
    .argument('<local>', 'local file')
    .argument('<target>', 'DATASTORE:PATH (a PATH ending in / or a bare DATASTORE keeps the file name)');
  return clientAction(cmd, async (ctx, [local, target]) => {
    const localPath = local as string;
    const size = await localFileSize(localPath);
    const given = parseDatastoreFile(target as string) ?? { datastore: target as string, path: '' };
    const ref = given.path === '' || given.path.endsWith('/') ? { ...given, path: `${given.path}${basename(localPath)}` } : given;
    const { board, bar } = transferBar(ctx.progress, basename(localPath), size);
    try {
      await uploadFile(folderUrl(ctx.client.server, ref), ctx.tls, localPath, size, (n) => bar.update(n), sessionHeaders(ctx));
      bar.finish('done');
    } finally {
      board.stop();
    }
    ctx.out.result(`uploaded ${localPath} to ${shown(ref)} (${formatBytes(size)})`, { local: localPath, datastore: ref.datastore, path: ref.path, bytes: size });
  });
}

export function datastoreDownloadCommand(): Command {
  const cmd = new Command('download')
    .description('copy a datastore file to a local file (a local directory keeps the file name)')
    .argument('<source>', 'DATASTORE:PATH')
    .argument('[local]', 'local file or directory (default: the current directory)');
  return clientAction(cmd, async (ctx, [source, local]) => {
    const ref = requireFile(source as string);
    if (ref.path === '' || ref.path.endsWith('/')) throw usageError(`name a file: ${ref.datastore}:PATH`);
    let localPath = resolvePath((local as string | undefined) ?? '.');
    const st = await stat(localPath).catch(() => null);
    if (st?.isDirectory()) localPath = resolvePath(localPath, basename(ref.path));
    let progress: ReturnType<typeof transferBar> | undefined;
    let bytes: number;
    try {
      bytes = await downloadFile(
        folderUrl(ctx.client.server, ref),
        ctx.tls,
        localPath,
        (size) => (progress = transferBar(ctx.progress, basename(ref.path), size)),
        (n) => progress?.bar.update(n),
        sessionHeaders(ctx),
      );
      progress?.bar.finish('done');
    } finally {
      progress?.board.stop();
    }
    ctx.out.result(`downloaded ${shown(ref)} to ${localPath} (${formatBytes(bytes)})`, { datastore: ref.datastore, path: ref.path, local: localPath, bytes });
  });
}

export function hostInfoCommand(): Command {
  const cmd = new Command('info').description("a host's driver, capacity, usage, datastores and accelerator").argument('<host>', 'host id or name');
  return clientAction(cmd, async (ctx, [ref]) => {
    const h = await ctx.client.vmgate.hosts.get(ref as string);
    ctx.out.details(
      [
        ['host', h.host],
        ['name', h.name],
        ['driver', h.driver],
        ['accelerator', h.accelerator === undefined ? undefined : `${h.accelerator} (${h.accelerator_reason ?? ''})`],
        ['cpus', `${h.used_cpu} of ${h.cpu_count} in use`],
        ['memory', `${formatBytes(h.used_memory_mib * 1024 * 1024)} of ${formatBytes(h.memory_mib * 1024 * 1024)} in use`],
        ['vms', h.vm_count],
        ['datastores', h.datastores.join(', ')],
      ],
      h,
    );
  });
}

/** Where `vm create --import-disk` puts the image before the server copies it into the VM's folder. */
const IMPORT_FOLDER = '.vmgate-import';

/**
 * Uploads a local disk image to `[ds] .vmgate-import/<random>-<name>` (the given datastore,
 * else the first one the caller sees), with a progress bar; removeStaged deletes it.
 */
export async function stageImage(ctx: CliContext, localPath: string, datastore: string | undefined): Promise<DatastoreFileRef> {
  const size = await localFileSize(localPath, '--import-disk: ');
  let dsName: string;
  if (datastore !== undefined) dsName = (await ctx.client.vmgate.datastores.get(datastore)).name;
  else {
    const all = await ctx.client.vmgate.datastores.list();
    if (all.length === 0) throw new CliError('NOT_FOUND', 'there is no datastore to upload the disk image to: add one (vmgate datastore add)');
    dsName = all[0]!.name;
  }
  const ref = { datastore: dsName, path: `${IMPORT_FOLDER}/${randomBytes(6).toString('hex')}-${basename(localPath)}` };
  const { board, bar } = transferBar(ctx.progress, basename(localPath), size);
  try {
    await uploadFile(folderUrl(ctx.client.server, ref), ctx.tls, localPath, size, (n) => bar.update(n), sessionHeaders(ctx));
    bar.finish('uploaded');
  } finally {
    board.stop();
  }
  return ref;
}

export async function removeStaged(ctx: CliContext, ref: DatastoreFileRef): Promise<void> {
  await smallRequest(folderUrl(ctx.client.server, ref), ctx.tls, 'DELETE', sessionHeaders(ctx), `could not remove the uploaded image ${shown(ref)}`).catch(() => undefined);
}

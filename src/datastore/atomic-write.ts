/**
 * Crash-safe file replacement: write a temporary file in the target's directory, fsync
 * it, rename it over the target, fsync the directory. Readers see the old content or the
 * new content, never a mix; a crash or a failed write leaves the target as it was (and
 * at worst a `.*.vmgate-tmp-*` file, which a failed write removes itself).
 *
 * Throws Node's own fs errors (ENOENT, ENOTDIR, ENOSPC, …) and AbortError; callers map
 * them (DatastoreFiles turns them into VmgateError).
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Content: bytes, text (UTF-8), or chunks from a stream or generator. */
export type AtomicData =
  | string
  | Uint8Array
  | Iterable<string | Uint8Array>
  | AsyncIterable<string | Uint8Array>;

export interface AtomicWriteOptions {
  /** Permission bits of the new file; default: the replaced file's, else 0o666 & ~umask. */
  readonly mode?: number;
  /** Aborting stops the write and leaves the target untouched. */
  readonly signal?: AbortSignal;
  /** Called after each chunk with the bytes written so far. */
  readonly onProgress?: (bytesWritten: number) => void;
  /**
   * Leave all-zero chunks as holes (the file keeps its length): copies of sparse disk
   * images stay sparse instead of growing to their full capacity.
   */
  readonly sparse?: boolean;
}

/** Prefix of temporary files, so listings and cleanups can recognise them. */
export const TEMP_MARKER = '.vmgate-tmp-';

/** Replaces `path` with `data` atomically; resolves to the number of bytes written. */
export async function writeFileAtomic(path: string, data: AtomicData, options: AtomicWriteOptions = {}): Promise<number> {
  options.signal?.throwIfAborted();
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path).slice(0, 100)}${TEMP_MARKER}${randomBytes(6).toString('hex')}`);
  let mode = options.mode;
  if (mode === undefined) {
    try {
      mode = (await stat(path)).mode & 0o7777;
    } catch {
      // new file: default permissions
    }
  }
  const fh = await open(tmp, 'wx', mode ?? 0o666);
  let written = 0;
  try {
    written = await writeAll(fh, data, options);
    if (mode !== undefined) await fh.chmod(mode); // exact bits, not filtered by umask
    await fh.sync();
    await fh.close();
    await rename(tmp, path);
  } catch (e) {
    await fh.close().catch(() => undefined);
    await rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
  await syncDir(dir);
  return written;
}

async function writeAll(fh: FileHandle, data: AtomicData, options: AtomicWriteOptions): Promise<number> {
  if (typeof data === 'string' || data instanceof Uint8Array) {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    await writeChunk(fh, buf);
    options.onProgress?.(buf.byteLength);
    return buf.byteLength;
  }
  let total = 0;
  let holeAtEnd = false;
  for await (const chunk of data as AsyncIterable<string | Uint8Array>) {
    options.signal?.throwIfAborted();
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    holeAtEnd = options.sparse === true && isAllZero(buf);
    if (!holeAtEnd) await writeChunk(fh, buf, total);
    total += buf.byteLength;
    options.onProgress?.(total);
  }
  // A trailing hole still counts towards the length.
  if (holeAtEnd) await fh.truncate(total);
  options.signal?.throwIfAborted();
  return total;
}

async function writeChunk(fh: FileHandle, buf: Uint8Array, position: number | null = null): Promise<void> {
  let offset = 0;
  while (offset < buf.byteLength) {
    const { bytesWritten } = await fh.write(buf, offset, buf.byteLength - offset, position === null ? null : position + offset);
    offset += bytesWritten;
  }
}

let zeros = Buffer.alloc(0);
function isAllZero(buf: Uint8Array): boolean {
  if (zeros.length < buf.byteLength) zeros = Buffer.alloc(buf.byteLength);
  return Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).equals(zeros.subarray(0, buf.byteLength));
}

/** Makes a rename durable. Some file systems cannot fsync a directory; that is not an error. */
export async function syncDir(dir: string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EBADF') throw e;
  } finally {
    await fh?.close().catch(() => undefined);
  }
}

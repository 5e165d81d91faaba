/**
 * Streaming the one-shot guest transfer URLs (`PUT` a local file in, `GET` a guest file
 * out) with a byte count for a progress bar. The client's uploadFile / downloadFile hold
 * the whole file in memory and report no progress, so the CLI streams these itself, with
 * the same TLS settings as its client. A download lands in a temporary file beside the
 * target and is renamed into place only when complete.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { basename, dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { httpsAgent } from '../clients/vapi/transport.ts';
import { CliError, usageError } from './cli-error.ts';
import type { TlsSettings } from './client-from-options.ts';
import { ProgressBoard, type ItemProgress } from './progress.ts';

const STATUS_ERROR: Readonly<Record<number, string>> = { 400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'UNAUTHORIZED', 404: 'NOT_FOUND', 409: 'NOT_ALLOWED_IN_CURRENT_STATE', 507: 'RESOURCE_EXHAUSTED' };

/** Transfers smaller than this show no progress bar. */
const PROGRESS_THRESHOLD = 1024 * 1024;

/** The size of a local file to send; anything else (missing, unreadable, not a file) is a usage error, prefixed with `what`. */
export async function localFileSize(localPath: string, what = ''): Promise<number> {
  try {
    const st = await stat(localPath);
    if (!st.isFile()) throw usageError(`${what}'${localPath}' is not a file`);
    return st.size;
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw usageError(`${what}cannot read '${localPath}': ${(e as Error).message}`);
  }
}

/** A byte progress bar for one transfer (shown only when `progress` is on and the size is known and over 1 MiB). */
export function transferBar(progress: boolean, label: string, size: number | undefined): { board: ProgressBoard; bar: ItemProgress } {
  const board = new ProgressBoard(progress && size !== undefined && size > PROGRESS_THRESHOLD);
  return { board, bar: board.add(label, size ?? 1, 'bytes') };
}

/** The transfer URL as an absolute URL; vSphere may leave its host as `*` ("the server you asked"). */
export function transferUrl(uri: string, server: string): URL {
  const url = new URL(uri, server);
  if (url.hostname === '*') url.host = new URL(server).host;
  return url;
}

function counter(onBytes: (n: number) => void): Transform {
  let total = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      total += chunk.length;
      onBytes(total);
      done(null, chunk);
    },
  });
}

function send(url: URL, tls: TlsSettings, method: 'PUT' | 'GET' | 'DELETE', headers: Record<string, string>): { req: http.ClientRequest; res: Promise<http.IncomingMessage> } {
  const secure = url.protocol === 'https:';
  const options: https.RequestOptions = {
    method,
    headers,
    ...(secure ? { agent: httpsAgent(tls) } : {}),
  };
  const req = (secure ? https : http).request(url, options);
  const res = new Promise<http.IncomingMessage>((resolve, reject) => {
    req.once('response', resolve);
    req.once('error', reject);
  });
  return { req, res };
}

async function failure(res: http.IncomingMessage, what: string): Promise<CliError> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8').trim().slice(0, 500);
  const status = res.statusCode ?? 0;
  return new CliError(STATUS_ERROR[status] ?? 'ERROR', `${what}: HTTP ${status}${text ? `: ${text}` : ''}`);
}

/** PUTs `localPath` (of `size` bytes) to the transfer URL (`headers`: e.g. the session of a /folder upload). */
export async function uploadFile(url: URL, tls: TlsSettings, localPath: string, size: number, onBytes: (n: number) => void, headers: Record<string, string> = {}): Promise<void> {
  const { req, res } = send(url, tls, 'PUT', { ...headers, 'content-type': 'application/octet-stream', 'content-length': String(size) });
  // The server may answer (and refuse) before it has read the whole body: its answer wins.
  const uploaded = pipeline(createReadStream(localPath), counter(onBytes), req).then(
    () => undefined,
    (e: unknown) => e,
  );
  const response = await res;
  const status = response.statusCode ?? 0;
  if (status < 200 || status >= 300) throw await failure(response, 'the upload was refused');
  response.resume();
  // A 2xx means the server received exactly the declared bytes (it refuses shorter or
  // longer bodies). The request stream may still report a premature close when the server
  // closed the connection right after answering: that is not a failed upload.
  await uploaded;
}

/** GETs the transfer URL into `localPath`; returns the byte count. `onStart` learns the size. */
export async function downloadFile(url: URL, tls: TlsSettings, localPath: string, onStart: (size: number | undefined) => void, onBytes: (n: number) => void, headers: Record<string, string> = {}): Promise<number> {
  const { req, res } = send(url, tls, 'GET', headers);
  req.end();
  const response = await res;
  if ((response.statusCode ?? 0) !== 200) throw await failure(response, 'the download was refused');
  const length = Number(response.headers['content-length']);
  onStart(Number.isSafeInteger(length) ? length : undefined);
  const tmp = join(dirname(localPath), `.${basename(localPath)}.vmgate-${process.pid}.part`);
  let received = 0;
  try {
    await pipeline(
      response,
      counter((n) => {
        received = n;
        onBytes(n);
      }),
      createWriteStream(tmp, { flags: 'wx', mode: 0o644 }),
    );
    if (Number.isSafeInteger(length) && received !== length) throw new CliError('ERROR', `the download ended after ${received} of ${length} bytes`);
    await rename(tmp, localPath);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  return received;
}

/** A small request (a folder listing as JSON, a DELETE); throws a CliError for a status that is not 2xx. */
export async function smallRequest(url: URL, tls: TlsSettings, method: 'GET' | 'DELETE', headers: Record<string, string>, what: string): Promise<string> {
  const { req, res } = send(url, tls, method, headers);
  req.end();
  const response = await res;
  const status = response.statusCode ?? 0;
  if (status < 200 || status >= 300) throw await failure(response, what);
  const chunks: Buffer[] = [];
  for await (const c of response) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

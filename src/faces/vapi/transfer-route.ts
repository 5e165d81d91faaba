import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { posix } from 'node:path';
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CoreApi, Logger } from '../../core/index.ts';
import { invalidArgument, isVmgateError, toVmgateError } from '../../core/errors.ts';
import type { GuestTransfer } from './handlers/guest-transfer-tokens.ts';
import { guestTransferTokens } from './handlers/guest-transfer-tokens.ts';

/** Bytes per core.guest.readFile / writeFile call. */
export const TRANSFER_CHUNK = 1024 * 1024;
/** After an upload turns out too long, read and drop at most this much more before hanging up. */
const MAX_DISCARD = 64 * 1024 * 1024;

/** Core error kinds → the plain HTTP status of a transfer URL (ESXi answers these without a body format). */
const STATUS: Readonly<Record<string, number>> = {
  not_found: 404,
  unauthenticated: 403,
  unauthorized: 403,
  invalid_argument: 400,
  already_exists: 400,
  not_allowed_in_current_state: 400,
  unsupported: 400,
  cancelled: 400,
};

class TransferRefused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Guest file transfer URLs (`/guestFile/<token>`) handed out by
 * vm.guest.filesystem.create. GET streams a guest file out, PUT streams one in; neither
 * needs a session (the token is the credential, bound to its caller, VM, guest login and
 * path). Answers are plain: 200 with the bytes (GET) or empty (PUT); errors a status and a
 * one-line text. The PUT route reads the raw request stream itself, so the face's body
 * limit does not apply: the declared size does. Registered under the face's `/guestFile`
 * prefix (its own scope: streaming body, plain-text errors and 404).
 */
export function registerTransfers(app: FastifyInstance, core: CoreApi, log: Logger): void {
  const tokens = guestTransferTokens(core);

  const refuse = (reply: FastifyReply, status: number, text: string) => reply.code(status).header('content-type', 'text/plain; charset=utf-8').send(`${text}\n`);

  const fail = (reply: FastifyReply, e: unknown) => {
    if (e instanceof TransferRefused) return refuse(reply, e.status, e.message);
    const err = toVmgateError(e, 'face.vapi');
    const status = STATUS[err.kind] ?? 500;
    if (status === 500) log.error({ err: e }, 'guest file transfer failed');
    return refuse(reply, status, status === 500 && !isVmgateError(e) ? 'internal error' : err.message);
  };

  /** The transfer behind a URL, claimed for this request; answers the refusal itself when there is none. */
  const claim = (req: FastifyRequest<{ Params: { token: string } }>, reply: FastifyReply, direction: GuestTransfer['direction']) => {
    const c = tokens.claim(req.params.token);
    if (c === 'unknown') {
      refuse(reply, 404, 'no such guest file transfer: the URL is unknown, expired or already used');
      return undefined;
    }
    if (c === 'busy') {
      refuse(reply, 400, 'this guest file transfer is in progress on another request');
      return undefined;
    }
    if (c.transfer.direction !== direction) {
      c.failed();
      refuse(reply, 400, direction === 'download' ? 'this URL takes an upload: PUT the file to it' : 'this URL gives a download: GET it');
      return undefined;
    }
    return c;
  };

  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    // The body stays a stream: the PUT handler reads it chunk by chunk.
    scope.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
    scope.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
      const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
      if (status === 500) log.error({ err }, 'guest file transfer route error');
      return refuse(reply, status, status === 500 ? 'internal error' : err.message);
    });

    scope.get<{ Params: { token: string } }>('/:token', { exposeHeadRoute: false }, async (req, reply) => {
      const c = claim(req, reply, 'download');
      if (!c) return reply;
      const t = c.transfer;
      let size: number;
      try {
        const f = await core.guest.stat(t.caller, t.vmId, t.login, t.path);
        if (f.type !== 'file') throw new TransferRefused(400, `'${t.path}' is a ${f.type}, not a file`);
        size = f.size;
      } catch (e) {
        c.failed();
        return fail(reply, e);
      }
      const body = Readable.from(readChunks(core, t, size));
      reply.raw.once('finish', () => c.succeeded());
      reply.raw.once('close', () => c.failed());
      body.once('error', (e) => log.warn({ err: e, path: t.path, vm: t.vmId }, 'guest file download broke off'));
      return reply.code(200).headers({ 'content-type': 'application/octet-stream', 'content-length': String(size) }).send(body);
    });

    scope.put<{ Params: { token: string } }>('/:token', async (req, reply) => {
      const raw = req.raw;
      const c = claim(req, reply, 'upload');
      if (!c) {
        raw.resume();
        return reply;
      }
      try {
        await receiveUpload(core, c.transfer, raw);
      } catch (e) {
        c.failed();
        if (!raw.readableEnded) raw.resume();
        return fail(reply, e);
      }
      c.succeeded();
      return reply.code(200).send();
    });
  });
}

/** The file's bytes in TRANSFER_CHUNK pieces; throws if it ends before `size`. */
async function* readChunks(core: CoreApi, t: GuestTransfer, size: number): AsyncGenerator<Buffer> {
  for (let offset = 0; offset < size; ) {
    const want = Math.min(TRANSFER_CHUNK, size - offset);
    const chunk = await core.guest.readFile(t.caller, t.vmId, t.login, t.path, offset, want);
    if (chunk.length === 0) throw new Error(`'${t.path}' shrank to ${offset} bytes while it was being sent`);
    offset += chunk.length;
    yield chunk;
  }
}

/**
 * Streams the body into a hidden file beside the target (1 MiB per write, offsets
 * increasing, the first write truncating), then moves it into place. A body longer or
 * shorter than declared is refused with 400 and leaves no trace: the target is untouched.
 */
async function receiveUpload(core: CoreApi, t: GuestTransfer, raw: IncomingMessage): Promise<void> {
  const declared = t.size;
  const lengthHeader = raw.headers['content-length'];
  if (lengthHeader !== undefined) {
    const n = Number(lengthHeader);
    if (!Number.isSafeInteger(n) || n !== declared) throw new TransferRefused(400, `the body is ${lengthHeader} bytes but the transfer was created for ${declared} bytes`);
  }
  const temp = posix.join(posix.dirname(t.path), `.vmgate-upload-${randomBytes(6).toString('hex')}-${posix.basename(t.path)}`.slice(0, 250));
  const write = (data: Buffer, offset: number) => core.guest.writeFile(t.caller, t.vmId, t.login, temp, data, offset === 0 ? { offset, truncate: true, overwrite: false } : { offset, truncate: false, overwrite: true });
  let written = 0;
  let received = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let started = false;
  const flush = async (all: boolean): Promise<void> => {
    while (pendingBytes >= TRANSFER_CHUNK || (all && (pendingBytes > 0 || !started))) {
      const buf = Buffer.concat(pending);
      const piece = buf.subarray(0, Math.min(TRANSFER_CHUNK, buf.length));
      started = true;
      await write(piece, written);
      written += piece.length;
      pending = piece.length < buf.length ? [buf.subarray(piece.length)] : [];
      pendingBytes = buf.length - piece.length;
    }
  };
  try {
    for await (const chunk of raw as AsyncIterable<Buffer>) {
      received += chunk.length;
      if (received > declared) {
        if (received - declared > MAX_DISCARD) raw.destroy();
        continue; // keep reading so the client gets its 400, write no more
      }
      pending.push(chunk);
      pendingBytes += chunk.length;
      await flush(false);
    }
    if (received > declared) throw new TransferRefused(400, `the body is longer than the ${declared} bytes the transfer was created for`);
    if (received < declared) throw new TransferRefused(400, `the body ended after ${received} of the ${declared} bytes the transfer was created for`);
    await flush(true);
    await core.guest.move(t.caller, t.vmId, t.login, temp, t.path, t.overwrite);
  } catch (e) {
    if (started) await core.guest.removeFile(t.caller, t.vmId, t.login, temp).catch(() => undefined);
    if (e instanceof TransferRefused || isVmgateError(e)) throw e;
    throw invalidArgument(`the upload broke off: ${(e as Error).message}`, { module: 'face.vapi' });
  }
}

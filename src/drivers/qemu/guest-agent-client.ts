/**
 * A client of the QEMU guest agent (qemu-ga) over the host side of its virtio-serial
 * port (a unix socket QEMU serves). The agent answers one command at a time and the
 * channel may hold stale bytes (replies to commands whose client gave up, requests sent
 * before the agent started), so:
 *
 * - commands are queued and sent one after another;
 * - before the first command, and after any timeout or reconnect, the client resyncs with
 *   `guest-sync-delimited` (0xFF flushes the agent's parser; the agent writes 0xFF before
 *   its reply; replies to other sync ids are ignored);
 * - every command carries an `id` that the agent echoes; replies with other ids are dropped;
 * - every wait has a timeout.
 */
import { createConnection } from 'node:net';
import type { Socket } from 'node:net';
import { VmgateError } from '../../core/errors.ts';
import type { ErrorKind } from '../../core/errors.ts';
import { QmpCodec, encodeQmpMessage } from './qmp/qmp-codec.ts';
import type { JsonObject } from './qmp/qmp-codec.ts';

const MODULE = 'driver.qemu.agent';

export interface GuestAgentOptions {
  /** Default 3 s. */
  readonly connectTimeoutMs?: number;
  /** Default per command. Default 15 s. */
  readonly commandTimeoutMs?: number;
  /** How long a resync may take. Default 3 s. */
  readonly syncTimeoutMs?: number;
}

export interface GuestAgentCallOptions {
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface GuestExecRequest {
  readonly path: string;
  readonly args?: readonly string[];
  /** `NAME=value` entries; when given, the program gets exactly these. */
  readonly env?: readonly string[];
  readonly input?: Buffer;
  readonly captureOutput: boolean;
}

export interface GuestExecStatus {
  readonly exited: boolean;
  readonly exitCode: number | null;
  readonly signal: number | null;
  readonly stdout: Buffer;
  readonly stderr: Buffer;
  readonly truncated: boolean;
}

export interface GuestFileChunk {
  readonly data: Buffer;
  readonly eof: boolean;
}

type Waiter =
  | { readonly kind: 'sync'; readonly id: number; resolve(): void; reject(e: Error): void }
  | { readonly kind: 'reply'; readonly id: string; readonly command: string; resolve(v: unknown): void; reject(e: Error): void };

export class GuestAgentClient {
  private socket: Socket | null = null;
  private readonly codec = new QmpCodec();
  private waiter: Waiter | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private needSync = true;
  private closed = false;
  private nextId = 1;
  private syncId = Math.floor(Math.random() * 1_000_000_000);
  private readonly connectTimeoutMs: number;
  private readonly commandTimeoutMs: number;
  private readonly syncTimeoutMs: number;

  constructor(
    readonly path: string,
    opts: GuestAgentOptions = {},
  ) {
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 3_000;
    this.commandTimeoutMs = opts.commandTimeoutMs ?? 15_000;
    this.syncTimeoutMs = opts.syncTimeoutMs ?? 3_000;
  }

  /** Runs one agent command (queued behind the others); resolves with its `return`. */
  execute<T = unknown>(command: string, args?: JsonObject, opts: GuestAgentCallOptions = {}): Promise<T> {
    return this.enqueue(async () => {
      await this.prepare(opts);
      return (await this.request(command, args, opts)) as T;
    });
  }

  /** Resyncs the channel now: proves the agent reads and answers. */
  sync(opts: GuestAgentCallOptions = {}): Promise<void> {
    return this.enqueue(async () => {
      this.needSync = true;
      await this.prepare(opts);
    });
  }

  /** True when the agent answers a resync and a ping within `timeoutMs`. */
  async ping(timeoutMs = this.syncTimeoutMs): Promise<boolean> {
    try {
      await this.enqueue(async () => {
        this.needSync = true;
        await this.prepare({ timeoutMs });
        await this.request('guest-ping', undefined, { timeoutMs });
      });
      return true;
    } catch {
      return false;
    }
  }

  info(opts?: GuestAgentCallOptions): Promise<{ version: string; supported_command: { name: string; enabled: boolean }[] }> {
    return this.execute('guest-info', undefined, opts);
  }

  async exec(req: GuestExecRequest, opts?: GuestAgentCallOptions): Promise<number> {
    const args: JsonObject = { path: req.path, 'capture-output': req.captureOutput };
    if (req.args && req.args.length > 0) args.arg = [...req.args];
    if (req.env) args.env = [...req.env];
    if (req.input && req.input.length > 0) args['input-data'] = req.input.toString('base64');
    const r = await this.execute<{ pid: number }>('guest-exec', args, opts);
    return r.pid;
  }

  /** Once it reports `exited`, the agent forgets the process: keep the answer. */
  async execStatus(pid: number, opts?: GuestAgentCallOptions): Promise<GuestExecStatus> {
    const r = await this.execute<{
      exited: boolean;
      exitcode?: number;
      signal?: number;
      'out-data'?: string;
      'err-data'?: string;
      'out-truncated'?: boolean;
      'err-truncated'?: boolean;
    }>('guest-exec-status', { pid }, opts);
    return {
      exited: r.exited,
      exitCode: r.exitcode ?? null,
      signal: r.signal ?? null,
      stdout: Buffer.from(r['out-data'] ?? '', 'base64'),
      stderr: Buffer.from(r['err-data'] ?? '', 'base64'),
      truncated: Boolean(r['out-truncated'] || r['err-truncated']),
    };
  }

  /** fopen(3) modes: 'r', 'r+', 'w', 'a', … Returns the agent's handle. */
  fileOpen(path: string, mode: string, opts?: GuestAgentCallOptions): Promise<number> {
    return this.execute<number>('guest-file-open', { path, mode }, opts);
  }

  async fileRead(handle: number, count: number, opts?: GuestAgentCallOptions): Promise<GuestFileChunk> {
    const r = await this.execute<{ count: number; 'buf-b64': string; eof: boolean }>('guest-file-read', { handle, count }, opts);
    return { data: Buffer.from(r['buf-b64'], 'base64'), eof: r.eof };
  }

  async fileWrite(handle: number, data: Buffer, opts?: GuestAgentCallOptions): Promise<number> {
    const r = await this.execute<{ count: number }>('guest-file-write', { handle, 'buf-b64': data.toString('base64'), count: data.length }, opts);
    return r.count;
  }

  async fileSeek(handle: number, offset: number, whence: 'set' | 'cur' | 'end', opts?: GuestAgentCallOptions): Promise<number> {
    const r = await this.execute<{ position: number }>('guest-file-seek', { handle, offset, whence }, opts);
    return r.position;
  }

  async fileFlush(handle: number, opts?: GuestAgentCallOptions): Promise<void> {
    await this.execute('guest-file-flush', { handle }, opts);
  }

  async fileClose(handle: number, opts?: GuestAgentCallOptions): Promise<void> {
    await this.execute('guest-file-close', { handle }, opts);
  }

  /** Asks the guest to power down / halt / reboot. The agent sends no reply on success. */
  shutdown(mode: 'powerdown' | 'halt' | 'reboot', opts: GuestAgentCallOptions = {}): Promise<void> {
    return this.enqueue(async () => {
      await this.prepare(opts);
      const socket = this.socket!;
      await new Promise<void>((resolve, reject) => socket.write(encodeQmpMessage({ execute: 'guest-shutdown', arguments: { mode } }), (e) => (e ? reject(e) : resolve())));
      // An error reply, if the guest refuses, must not be taken for the next answer.
      this.needSync = true;
    });
  }

  /** Drops the connection (the agent in the guest keeps running). */
  close(): void {
    this.closed = true;
    this.disconnect(new VmgateError('cancelled', 'guest agent client closed', { module: MODULE }));
  }

  /** Drops the connection but allows reconnecting (e.g. the VM was restarted). */
  reset(): void {
    this.disconnect(new VmgateError('internal', 'guest agent connection reset', { module: MODULE }));
  }

  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async prepare(opts: GuestAgentCallOptions): Promise<void> {
    if (this.closed) throw new VmgateError('internal', `guest agent client for ${this.path} is closed`, { module: MODULE });
    if (opts.signal?.aborted) throw new VmgateError('cancelled', 'the operation was cancelled', { module: MODULE });
    if (!this.socket) await this.connect();
    if (this.needSync) {
      await this.resync(Math.min(opts.timeoutMs ?? this.syncTimeoutMs, this.syncTimeoutMs));
      this.needSync = false;
    }
  }

  private connect(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const socket = createConnection(this.path);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new VmgateError('timed_out', `cannot connect to the guest agent socket ${this.path} within ${this.connectTimeoutMs} ms`, { module: MODULE }));
      }, this.connectTimeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        this.socket = socket;
        this.codec.reset();
        this.needSync = true;
        resolve();
      });
      socket.on('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        if (this.socket !== socket) {
          reject(new VmgateError('internal', `cannot connect to the guest agent socket ${this.path}: ${err.code ?? err.message}`, { module: MODULE, details: { code: err.code } }));
        }
      });
      socket.on('data', (chunk: Buffer) => {
        if (this.socket === socket) for (const msg of this.codec.push(chunk)) this.dispatch(msg);
      });
      socket.on('close', () => {
        if (this.socket === socket) this.disconnect(new VmgateError('internal', `guest agent connection ${this.path} closed`, { module: MODULE }));
      });
    });
  }

  private disconnect(reason: Error): void {
    const socket = this.socket;
    this.socket = null;
    this.needSync = true;
    this.codec.reset();
    const w = this.waiter;
    this.waiter = null;
    w?.reject(reason);
    socket?.destroy();
  }

  private resync(timeoutMs: number): Promise<void> {
    const id = (this.syncId = (this.syncId + 1) % 2_000_000_000);
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        reject(new VmgateError('timed_out', `the guest agent did not answer guest-sync-delimited within ${timeoutMs} ms (is qemu-ga running in the guest?)`, { module: MODULE, reason: 'tools_not_running' }));
      }, timeoutMs);
      this.waiter = {
        kind: 'sync',
        id,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      const body = encodeQmpMessage({ execute: 'guest-sync-delimited', arguments: { id } });
      this.socket!.write(Buffer.concat([Buffer.from([0xff]), body]));
    });
  }

  private request(command: string, args: JsonObject | undefined, opts: GuestAgentCallOptions): Promise<unknown> {
    const id = `vmgate-${this.nextId++}`;
    const timeoutMs = opts.timeoutMs ?? this.commandTimeoutMs;
    return new Promise<unknown>((resolve, reject) => {
      const cleanup = (): void => {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        if (this.waiter?.kind === 'reply' && this.waiter.id === id) this.waiter = null;
      };
      const timer = setTimeout(() => {
        cleanup();
        this.needSync = true;
        reject(new VmgateError('timed_out', `guest agent ${command} did not answer within ${timeoutMs} ms`, { module: MODULE, details: { command } }));
      }, timeoutMs);
      const onAbort = (): void => {
        cleanup();
        this.needSync = true;
        reject(new VmgateError('cancelled', `guest agent ${command} was cancelled`, { module: MODULE }));
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.waiter = {
        kind: 'reply',
        id,
        command,
        resolve: (v) => {
          cleanup();
          resolve(v);
        },
        reject: (e) => {
          cleanup();
          reject(e);
        },
      };
      const msg: JsonObject = args === undefined ? { execute: command, id } : { execute: command, arguments: args, id };
      this.socket!.write(encodeQmpMessage(msg));
    });
  }

  private dispatch(msg: JsonObject): void {
    const w = this.waiter;
    if (!w) return;
    if (w.kind === 'sync') {
      if (msg.return === w.id) {
        this.waiter = null;
        w.resolve();
      }
      return;
    }
    if (msg.id !== w.id) return;
    this.waiter = null;
    if ('error' in msg) {
      const err = (msg.error ?? {}) as { class?: string; desc?: string };
      const cls = err.class ?? 'GenericError';
      const kind: ErrorKind = cls === 'CommandNotFound' || cls === 'CommandDisabled' ? 'unsupported' : 'internal';
      w.reject(new VmgateError(kind, `guest agent ${w.command} failed: ${cls}: ${err.desc ?? 'no description'}`, { module: MODULE, details: { command: w.command, agentClass: cls, agentDesc: err.desc } }));
    } else {
      w.resolve(msg.return);
    }
  }
}

/** The agent's error description of a failed command, if it was one. */
export function agentErrorDesc(e: unknown): string | undefined {
  if (!(e instanceof VmgateError)) return undefined;
  const d = e.details?.agentDesc;
  return typeof d === 'string' ? d : undefined;
}

/**
 * A QMP client over a unix socket: greeting, capabilities negotiation, commands with ids
 * matched to replies, events delivered to listeners as they arrive (also between a command
 * and its reply), and a notification when QEMU goes away.
 *
 * QEMU's `-qmp unix:…,server=on` monitor serves one client at a time: while another client
 * holds it, a connection is accepted by the kernel but no greeting ever comes, which shows
 * here as a connect timeout.
 */
import { createConnection } from 'node:net';
import type { Socket } from 'node:net';
import { VmgateError } from '../../../core/errors.ts';
import { QmpCodec, encodeQmpMessage } from './qmp-codec.ts';
import type { JsonObject } from './qmp-codec.ts';

const MODULE = 'driver.qemu.qmp';

export interface QmpEvent {
  readonly event: string;
  readonly data: JsonObject;
  /** Milliseconds since the epoch, from QEMU's timestamp. */
  readonly timestamp: number;
}

export interface QmpGreeting {
  readonly version: { readonly major: number; readonly minor: number; readonly micro: number; readonly package: string };
  readonly capabilities: readonly string[];
}

export interface QmpExecuteOptions {
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface QmpClientOptions {
  /** Connect + greeting + capabilities. Default 5 s. */
  readonly connectTimeoutMs?: number;
  /** Default per command. Default 30 s. */
  readonly commandTimeoutMs?: number;
  /** Reconnect when a command is executed while disconnected (not after close()). Default true. */
  readonly reconnect?: boolean;
}

interface Pending {
  readonly command: string;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export class QmpClient {
  private socket: Socket | null = null;
  private connecting: Promise<void> | null = null;
  private readonly pending = new Map<string, Pending>();
  private readonly eventListeners = new Set<(event: QmpEvent) => void>();
  private readonly disconnectListeners = new Set<(reason: string) => void>();
  private nextId = 1;
  private closed = false;
  private greetingInfo: QmpGreeting | null = null;
  private readonly connectTimeoutMs: number;
  private readonly commandTimeoutMs: number;
  private readonly reconnect: boolean;

  constructor(
    readonly path: string,
    opts: QmpClientOptions = {},
  ) {
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 5_000;
    this.commandTimeoutMs = opts.commandTimeoutMs ?? 30_000;
    this.reconnect = opts.reconnect ?? true;
  }

  /** Connects (or returns the connection in progress). Throws when the socket does not answer. */
  connect(): Promise<void> {
    if (this.closed) return Promise.reject(this.error('internal', `QMP client for ${this.path} is closed`));
    if (this.socket) return Promise.resolve();
    this.connecting ??= this.open().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  get connected(): boolean {
    return this.socket !== null;
  }

  /** QEMU version and capabilities from the last greeting. */
  get greeting(): QmpGreeting | null {
    return this.greetingInfo;
  }

  /** Runs a command; resolves with its `return` value, throws VmgateError on a QMP error. */
  async execute<T = unknown>(command: string, args?: JsonObject, opts: QmpExecuteOptions = {}): Promise<T> {
    if (!this.socket) {
      if (this.closed || !this.reconnect) {
        throw this.error('internal', `QMP ${command}: not connected to ${this.path}`, { command });
      }
      await this.connect();
    }
    return (await this.send(command, args, opts)) as T;
  }

  /** Listens to QMP events. Returns an unsubscribe function. */
  onEvent(listener: (event: QmpEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /** Called when the connection drops without close() (QEMU exited or closed the monitor). */
  onDisconnect(listener: (reason: string) => void): () => void {
    this.disconnectListeners.add(listener);
    return () => this.disconnectListeners.delete(listener);
  }

  /**
   * Resolves with the first event `match` accepts. Subscribe before sending the command that
   * triggers it; `timeoutMs` and `signal` reject; a disconnect rejects too.
   */
  waitForEvent(match: (event: QmpEvent) => boolean, opts: QmpExecuteOptions = {}): Promise<QmpEvent> {
    return new Promise<QmpEvent>((resolve, reject) => {
      const timeoutMs = opts.timeoutMs ?? this.commandTimeoutMs;
      const done = (): void => {
        clearTimeout(timer);
        offEvent();
        offClose();
        opts.signal?.removeEventListener('abort', onAbort);
      };
      const offEvent = this.onEvent((ev) => {
        if (match(ev)) {
          done();
          resolve(ev);
        }
      });
      const offClose = this.onDisconnect((reason) => {
        done();
        reject(this.error('internal', `QMP connection to ${this.path} closed while waiting for an event: ${reason}`, { disconnected: true }));
      });
      const timer = setTimeout(() => {
        done();
        reject(this.error('timed_out', `no matching QMP event from ${this.path} within ${timeoutMs} ms`));
      }, timeoutMs);
      const onAbort = (): void => {
        done();
        reject(new VmgateError('cancelled', 'the operation was cancelled', { module: MODULE }));
      };
      if (opts.signal?.aborted) onAbort();
      else opts.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Closes the connection for good; pending commands fail; no disconnect notification. */
  async close(): Promise<void> {
    this.closed = true;
    const socket = this.socket;
    this.socket = null;
    this.failPending('QMP client closed');
    if (socket && !socket.destroyed) {
      await new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        socket.destroy();
      });
    }
  }

  private open(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const codec = new QmpCodec();
      const socket = createConnection(this.path);
      let greeted = false;
      let ready = false;
      let settled = false;
      const fail = (err: VmgateError): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        reject(err);
      };
      const timer = setTimeout(() => {
        fail(this.error('timed_out', `no QMP greeting from ${this.path} within ${this.connectTimeoutMs} ms (is another client holding the monitor?)`));
      }, this.connectTimeoutMs);

      socket.on('data', (chunk: Buffer) => {
        for (const msg of codec.push(chunk)) {
          if (!greeted && 'QMP' in msg) {
            greeted = true;
            this.greetingInfo = parseGreeting(msg.QMP);
            this.socket = socket;
            this.send('qmp_capabilities', undefined, { timeoutMs: this.connectTimeoutMs }).then(
              () => {
                if (settled) return;
                settled = true;
                ready = true;
                clearTimeout(timer);
                resolve();
              },
              (e: unknown) => fail(e instanceof VmgateError ? e : this.error('internal', String(e))),
            );
          } else {
            this.dispatch(msg);
          }
        }
      });
      socket.on('error', (err: NodeJS.ErrnoException) => {
        fail(this.error('internal', `cannot connect to QMP at ${this.path}: ${err.code ?? err.message}`, { code: err.code }));
      });
      socket.on('close', () => {
        const wasCurrent = this.socket === socket;
        if (wasCurrent) this.socket = null;
        fail(this.error('internal', `QMP connection to ${this.path} closed before the handshake finished`, { code: 'ECONNRESET' }));
        if (wasCurrent) {
          this.failPending(`QMP connection to ${this.path} closed`);
          if (ready && !this.closed) for (const l of [...this.disconnectListeners]) safeCall(() => l('connection closed by QEMU'));
        }
      });
    });
  }

  private send(command: string, args: JsonObject | undefined, opts: QmpExecuteOptions): Promise<unknown> {
    const socket = this.socket;
    if (!socket) return Promise.reject(this.error('internal', `QMP ${command}: not connected to ${this.path}`, { command }));
    const id = `vmgate-${this.nextId++}`;
    const timeoutMs = opts.timeoutMs ?? this.commandTimeoutMs;
    return new Promise<unknown>((resolve, reject) => {
      const cleanup = (): void => {
        clearTimeout(timer);
        this.pending.delete(id);
        opts.signal?.removeEventListener('abort', onAbort);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(this.error('timed_out', `QMP ${command} did not answer within ${timeoutMs} ms`, { command }));
      }, timeoutMs);
      const onAbort = (): void => {
        cleanup();
        reject(new VmgateError('cancelled', `QMP ${command} was cancelled`, { module: MODULE }));
      };
      this.pending.set(id, {
        command,
        resolve: (v) => {
          cleanup();
          resolve(v);
        },
        reject: (e) => {
          cleanup();
          reject(e);
        },
      });
      if (opts.signal?.aborted) {
        onAbort();
        return;
      }
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      const message: JsonObject = args === undefined ? { execute: command, id } : { execute: command, arguments: args, id };
      socket.write(encodeQmpMessage(message));
    });
  }

  private dispatch(msg: JsonObject): void {
    if (typeof msg.event === 'string') {
      const ts = msg.timestamp as { seconds?: number; microseconds?: number } | undefined;
      const event: QmpEvent = {
        event: msg.event,
        data: (msg.data as JsonObject | undefined) ?? {},
        timestamp: ts?.seconds !== undefined ? ts.seconds * 1000 + Math.floor((ts.microseconds ?? 0) / 1000) : Date.now(),
      };
      for (const l of [...this.eventListeners]) safeCall(() => l(event));
      return;
    }
    const id = typeof msg.id === 'string' ? msg.id : undefined;
    const p = id === undefined ? undefined : this.pending.get(id);
    if (!p) return; // a late reply to a command that timed out, or noise
    if ('error' in msg) {
      const err = (msg.error ?? {}) as { class?: string; desc?: string };
      const cls = err.class ?? 'GenericError';
      p.reject(
        this.error(cls === 'CommandNotFound' ? 'unsupported' : cls === 'DeviceNotFound' ? 'not_found' : 'internal', `QMP ${p.command} failed: ${cls}: ${err.desc ?? 'no description'}`, {
          command: p.command,
          qmpClass: cls,
          qmpDesc: err.desc,
        }),
      );
    } else {
      p.resolve(msg.return);
    }
  }

  private failPending(reason: string): void {
    for (const [id, p] of [...this.pending]) {
      this.pending.delete(id);
      // `quit` is answered by QEMU going away.
      if (p.command === 'quit') p.resolve({});
      else p.reject(this.error('internal', `QMP ${p.command}: ${reason}`, { command: p.command, disconnected: true }));
    }
  }

  private error(kind: 'internal' | 'timed_out' | 'unsupported' | 'not_found', message: string, details?: Record<string, unknown>): VmgateError {
    return new VmgateError(kind, message, { module: MODULE, details: { socket: this.path, ...details } });
  }
}

/** The QMP error class of a failed command ('GenericError', …), if it was one. */
export function qmpErrorClass(e: unknown): string | undefined {
  if (!(e instanceof VmgateError)) return undefined;
  const cls = e.details?.qmpClass;
  return typeof cls === 'string' ? cls : undefined;
}

function parseGreeting(raw: unknown): QmpGreeting {
  const g = (raw ?? {}) as { version?: { qemu?: { major?: number; minor?: number; micro?: number }; package?: string }; capabilities?: string[] };
  return {
    version: {
      major: g.version?.qemu?.major ?? 0,
      minor: g.version?.qemu?.minor ?? 0,
      micro: g.version?.qemu?.micro ?? 0,
      package: g.version?.package ?? '',
    },
    capabilities: g.capabilities ?? [],
  };
}

function safeCall(fn: () => void): void {
  try {
    fn();
  } catch {
    // a listener's failure is its own business
  }
}

import type { TLSSocket } from 'node:tls';
import type { Caller, CoreApi, Logger } from '../../core/index.ts';
import type { FrameDecoder, FrameItem, Product } from '../../protocols/vmserverd/index.ts';
import { XmlError, encodeReplyFrame, parseExecRequest, renderFailure, renderSuccess } from '../../protocols/vmserverd/index.ts';
import { ExecError, toExecFailure } from './errors.ts';
import { OPS, isAdmin, type OpContext } from './ops.ts';
import { VERSION } from './version.ts';

/** What every connection of one authd server shares. */
export interface ExecServerState {
  /** Exec requests answered since the server started (VMServerd_GetRequestCount). */
  requests: number;
  readonly startedAt: number;
  readonly sessions: Set<ExecSession>;
  /** The certificate new connections get (Security_GetConfig). */
  cert: string;
  /** Made by Security_CreateCertificate, not yet active. */
  pendingTls: { key: string; cert: string } | null;
  /** Security_ActivateConfig: new connections use this material from now on. */
  activateTls(t: { key: string; cert: string }): Promise<void>;
}

export interface ExecSessionDeps {
  readonly core: CoreApi;
  readonly log: Logger;
  readonly caller: Caller;
  /** The session token from login: each request re-checks it (a disabled user stops at once). */
  readonly token: string;
  readonly state: ExecServerState;
  readonly idleMs: number;
  readonly stallMs: number;
  readonly version?: string | undefined;
}

/** The session is re-checked (expired, user disabled) at most this often per connection. */
const RECHECK_MS = 1000;

/** Items waiting beyond this pause reading from the socket (pipelining is bounded). */
const MAX_QUEUED = 32;

/** One logged-in connection: exec frames in, replies out in order. */
export class ExecSession {
  readonly userName: string;
  readonly remoteAddress: string;
  private readonly queue: FrameItem[] = [];
  private busy = false;
  private ended = false;
  private readonly product: Product;
  private checked: { caller: Caller; at: number } | null = null;

  constructor(
    private readonly sock: TLSSocket,
    private readonly decoder: FrameDecoder,
    private readonly deps: ExecSessionDeps,
  ) {
    this.userName = deps.caller.userName;
    this.remoteAddress = sock.remoteAddress ?? '';
    const version = deps.version ?? VERSION;
    this.product = { id: 'vmgate', title: 'vmgate', version, build: version };
  }

  start(pending: FrameItem[]): void {
    const { sock, deps } = this;
    deps.state.sessions.add(this);
    sock.removeAllListeners('timeout');
    sock.on('timeout', () => this.onTimeout());
    sock.on('data', (d: Buffer) => this.enqueue(this.decoder.push(d)));
    sock.once('close', () => {
      deps.state.sessions.delete(this);
      void deps.core.identity.logout(deps.caller).catch(() => undefined);
    });
    this.enqueue(pending);
  }

  private enqueue(items: FrameItem[]): void {
    if (this.ended) return;
    this.queue.push(...items);
    if (this.queue.length > MAX_QUEUED) this.sock.pause();
    this.armTimer();
    void this.pump();
  }

  private armTimer(): void {
    this.sock.setTimeout(this.decoder.midFrame ? this.deps.stallMs : this.deps.idleMs);
  }

  private onTimeout(): void {
    if (this.busy) return; // our own work is slow, not the client
    const why = this.decoder.midFrame ? 'the client stopped in the middle of a frame' : 'idle timeout';
    this.finish(this.decoder.midFrame ? this.failureFrame('bad_frame', `timed out: ${why}`) : Buffer.from(`421 ${why}: closing the connection\r\n`));
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.queue.length && !this.ended && !this.sock.destroyed) {
        const item = this.queue.shift()!;
        if (this.queue.length <= MAX_QUEUED / 2 && this.sock.isPaused()) this.sock.resume();
        if (item.kind === 'error') {
          this.finish(this.failureFrame(/larger than the limit/.test(item.message) ? 'frame_too_large' : 'bad_frame', item.message));
          return;
        }
        if (item.kind === 'line') {
          const cmd = item.line.trim().toUpperCase();
          if (cmd === '') continue;
          if (cmd === 'QUIT') {
            this.finish(Buffer.from('221 Goodbye.\r\n'));
            return;
          }
          this.sock.write(`500 Unknown command: send EXEC <bytes> followed by an <exec> document, or QUIT\r\n`);
          continue;
        }
        const xml = await this.execute(item.body);
        if (!this.sock.destroyed) this.sock.write(encodeReplyFrame(xml));
      }
    } finally {
      this.busy = false;
      if (!this.ended) this.armTimer();
    }
  }

  private failureFrame(code: 'bad_frame' | 'frame_too_large', message: string): Buffer {
    return encodeReplyFrame(renderFailure(this.product, { code, message }));
  }

  /** Last words, then close; what the client still sends is read and dropped so it sees them. */
  private finish(last: Buffer): void {
    this.ended = true;
    this.queue.length = 0;
    const sock = this.sock;
    sock.removeAllListeners('data');
    sock.on('data', () => undefined);
    sock.resume();
    sock.end(last);
    setTimeout(() => sock.destroy(), 5000).unref();
  }

  /** The session's caller, re-checked with core at most every RECHECK_MS (a disabled user is stopped within that). */
  private async currentCaller(): Promise<Caller> {
    const now = Date.now();
    if (this.checked && now - this.checked.at < RECHECK_MS) return this.checked.caller;
    const { caller } = await this.deps.core.identity.authenticate(this.deps.token);
    this.checked = { caller, at: now };
    return caller;
  }

  private async execute(body: Buffer): Promise<string> {
    const { deps } = this;
    deps.state.requests++;
    try {
      let req;
      try {
        req = parseExecRequest(body.toString('utf8'));
      } catch (e) {
        if (e instanceof XmlError) throw new ExecError('malformed_xml', e.message);
        throw e;
      }
      const op = OPS.get(req.op);
      if (!op) throw new ExecError('unknown_op', `unknown operation '${req.op.slice(0, 100)}' (VMServerd_GetOperationTable lists them)`);
      const caller = await this.currentCaller();
      const ctx: OpContext = { core: deps.core, caller, state: deps.state, product: this.product };
      if (op.access === 'rootonly' && !(await isAdmin(ctx))) throw new ExecError('permission_denied', `${req.op} is for administrators only`);
      const out = await op.handler(ctx, req.input);
      return renderSuccess(this.product, out);
    } catch (e) {
      const f = toExecFailure(e);
      if (f.code === 'internal') deps.log.error({ err: e }, 'vmserverd exec failed');
      return renderFailure(this.product, f);
    }
  }
}

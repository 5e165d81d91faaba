import { readFile } from 'node:fs/promises';
import { connect as netConnect, type Socket } from 'node:net';
import { userInfo } from 'node:os';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { ExecReply, FrameItem, XmlElement, XmlValue } from '../../protocols/vmserverd/index.ts';
import { FrameDecoder, XmlError, elementToValue, encodeExecFrame, parseExecReply, renderExecRequest } from '../../protocols/vmserverd/index.ts';

export interface VmserverdConnectOptions {
  readonly host: string;
  readonly port: number;
  /** PEM of the CA (or the self-signed certificate) to trust. */
  readonly ca?: string;
  /** Expected SHA-256 fingerprint (colon separated) instead of a CA; pinned as the CLI does. */
  readonly fingerprint?: string;
  /** Name checked against the certificate (default 'localhost' for loopback addresses, else host). */
  readonly servername?: string;
  /** Skip certificate verification (a self-signed server, on a trusted network only). */
  readonly insecure?: boolean;
  /** Time for each step of the door (banner, handshake, a login reply), default 30 s. */
  readonly timeoutMs?: number;
}

/** A failed exec: the `<error>` of the reply (`code` from the table in docs/faces/vmserverd.md). */
export class VmserverdError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'VmserverdError';
  }
}

/** The door refused (a 5xx line), or the connection broke. */
export class VmserverdConnectionError extends Error {
  constructor(
    message: string,
    readonly line?: string,
  ) {
    super(message);
    this.name = 'VmserverdConnectionError';
  }
}

type Waiter = { resolve: (item: FrameItem) => void; reject: (e: Error) => void };

/**
 * A vmserverd client: connect (banner, TLS on the same socket), log in, then `exec`
 * requests (pipelined: replies come back in order).
 */
export class VmserverdClient {
  private readonly decoder = new FrameDecoder({ lengthVerbs: ['200'] });
  private readonly items: FrameItem[] = [];
  private readonly waiters: Waiter[] = [];
  private closedError: Error | null = null;

  private constructor(
    private readonly sock: TLSSocket,
    readonly banner: string,
  ) {
    sock.on('data', (d: Buffer) => {
      for (const item of this.decoder.push(d)) this.deliver(item);
    });
    const onGone = (e?: Error): void => {
      this.closedError = new VmserverdConnectionError(e ? `connection failed: ${e.message}` : 'the server closed the connection');
      for (const w of this.waiters.splice(0)) w.reject(this.closedError);
    };
    sock.on('error', onGone);
    sock.on('close', () => onGone());
  }

  /** Connects, reads the banner and starts TLS as the banner asks. */
  static async connect(opts: VmserverdConnectOptions): Promise<VmserverdClient> {
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const raw = netConnect({ host: opts.host, port: opts.port });
    raw.setNoDelay(true);
    const banner = await readBanner(raw, timeoutMs);
    if (!banner.startsWith('220 ')) {
      raw.destroy();
      throw new VmserverdConnectionError(`not an authd server: ${banner.slice(0, 200)}`, banner);
    }
    const loopback = /^(127\.|::1$|localhost$)/.test(opts.host);
    const sock = tlsConnect({
      socket: raw,
      servername: opts.servername ?? (loopback ? 'localhost' : opts.host),
      ...(opts.ca ? { ca: opts.ca } : {}),
      ...(opts.fingerprint || opts.insecure ? { rejectUnauthorized: false } : {}),
    });
    await new Promise<void>((res, rej) => {
      const t = setTimeout(() => rej(new VmserverdConnectionError('TLS handshake timed out')), timeoutMs);
      sock.once('secureConnect', () => {
        clearTimeout(t);
        res();
      });
      sock.once('error', (e) => {
        clearTimeout(t);
        rej(new VmserverdConnectionError(`TLS handshake failed: ${e.message}`));
      });
    });
    if (opts.fingerprint) {
      const got = sock.getPeerCertificate().fingerprint256;
      if (got?.toUpperCase() !== opts.fingerprint.toUpperCase()) {
        sock.destroy();
        throw new VmserverdConnectionError(`the server's certificate ${got} is not the expected ${opts.fingerprint}`);
      }
    }
    return new VmserverdClient(sock, banner);
  }

  /** The underlying TLS socket (for tests and tools). */
  get socket(): TLSSocket {
    return this.sock;
  }

  private deliver(item: FrameItem): void {
    const w = this.waiters.shift();
    if (w) w.resolve(item);
    else this.items.push(item);
  }

  private next(): Promise<FrameItem> {
    const item = this.items.shift();
    if (item) return Promise.resolve(item);
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** The next thing the server sent: a line, a reply frame, or a framing error (for tools and tests). */
  receive(): Promise<FrameItem> {
    return this.next();
  }

  /** Parses a reply frame's body. */
  static parseReply(item: FrameItem): ExecReply {
    if (item.kind !== 'frame') throw new VmserverdConnectionError(item.kind === 'line' ? `server said: ${item.line}` : `bad reply framing: ${item.message}`, item.kind === 'line' ? item.line : undefined);
    return parseExecReply(item.body.toString('utf8'));
  }

  /** Sends a raw line and returns the next reply line (the door's commands). */
  async command(line: string): Promise<string> {
    this.sock.write(line + '\r\n');
    const item = await this.next();
    if (item.kind !== 'line') throw new VmserverdConnectionError(`unexpected ${item.kind} from the server`);
    return item.line;
  }

  /** USER/PASS; resolves on 230, throws VmserverdConnectionError with the server's line otherwise. */
  async login(user: string, password: string): Promise<void> {
    const u = await this.command(`USER ${user}`);
    if (!u.startsWith('331')) throw new VmserverdConnectionError(`login refused: ${u}`, u);
    const p = await this.command(`PASS ${password}`);
    if (!p.startsWith('230')) throw new VmserverdConnectionError(`login refused: ${p}`, p);
  }

  /**
   * Logs in as the OS account running this program, without a password (the server must
   * run on this machine): `LOCAL name` → `334 path` of a one-time ticket file only this
   * account can read → `TICKET contents` → `230`.
   */
  async loginAsCurrentUser(): Promise<void> {
    const l = await this.command(`LOCAL ${userInfo().username}`);
    if (!l.startsWith('334 ')) throw new VmserverdConnectionError(`local login refused: ${l}`, l);
    let ticket: string;
    try {
      ticket = (await readFile(l.slice(4).trim(), 'utf8')).trim();
    } catch (e) {
      throw new VmserverdConnectionError(`cannot read the local login ticket: ${(e as Error).message}`);
    }
    const t = await this.command(`TICKET ${ticket}`);
    if (!t.startsWith('230')) throw new VmserverdConnectionError(`login refused: ${t}`, t);
  }

  /** One exec request; the raw reply (success or failure). `input`: XML text for `<in>`, or values. */
  async execRaw(op: string, input?: string | XmlValue): Promise<ExecReply> {
    return this.execXml(renderExecRequest(op, input));
  }

  /** Sends a whole `<exec>` document as is. */
  async execXml(xml: string): Promise<ExecReply> {
    this.sock.write(encodeExecFrame(xml));
    const item = await this.next();
    if (item.kind === 'frame') {
      try {
        return parseExecReply(item.body.toString('utf8'));
      } catch (e) {
        throw new VmserverdConnectionError(`unreadable reply: ${e instanceof XmlError ? e.message : String(e)}`);
      }
    }
    if (item.kind === 'line') throw new VmserverdConnectionError(`server said: ${item.line}`, item.line);
    throw new VmserverdConnectionError(`bad reply framing: ${item.message}`);
  }

  /** One exec request; the `<out>` element, or VmserverdError with the reply's code. */
  async exec(op: string, input?: string | XmlValue): Promise<XmlElement | undefined> {
    const r = await this.execRaw(op, input);
    if (!r.ok) throw new VmserverdError(r.error.code, r.error.message);
    return r.out;
  }

  /** Like exec, with `<out>` as plain values (text, or objects of children; repeated names become arrays). */
  async execValue(op: string, input?: string | XmlValue): Promise<XmlValue> {
    const out = await this.exec(op, input);
    return out ? elementToValue(out) : '';
  }

  // ---- typed helpers --------------------------------------------------------

  async inc(n: number): Promise<number> {
    return Number(text(await this.exec('inc', { number: n }), 'number'));
  }
  async dec(n: number): Promise<number> {
    return Number(text(await this.exec('dec', { number: n }), 'number'));
  }
  async div(dividend: number, divisor: number): Promise<number> {
    return Number(text(await this.exec('div', { dividend, divisor }), 'number'));
  }
  async operationTable(): Promise<string[]> {
    const out = await this.exec('VMServerd_GetOperationTable');
    return (out?.children ?? []).filter((c) => c.name === 'op').map((c) => c.text);
  }
  async productInfo(): Promise<{ id: string; title: string; version: string; build: string }> {
    const out = await this.exec('VMServerd_GetProductInfo');
    const p = out?.children.find((c) => c.name === 'product');
    return { id: text(p, 'id'), title: text(p, 'title'), version: text(p, 'version'), build: text(p, 'build') };
  }
  async requestCount(): Promise<number> {
    return Number(text(await this.exec('VMServerd_GetRequestCount'), 'count'));
  }
  async isAdminUser(): Promise<boolean> {
    return text(await this.exec('VMServerd_IsAdminUser'), 'isAdmin') === '1';
  }
  async connectedVmList(): Promise<string[]> {
    const out = await this.exec('VMServerd_GetConnectedVMList');
    const vms = out?.children.find((c) => c.name === 'vms');
    return (vms?.children ?? []).map((c) => c.text);
  }
  async vmInfo(vmx: string): Promise<VmInfo> {
    return toVmInfo(await this.exec('VM_INFO', { vmx }));
  }
  async registerVm(vmx: string): Promise<VmInfo> {
    return toVmInfo(await this.exec('VMRegister', { vmx }));
  }
  async unregisterVm(vmx: string): Promise<void> {
    await this.exec('VMUnRegister', { vmx });
  }
  async lastEvents(vmx: string, n = 10): Promise<{ id: number; time: string; type: string; severity: string; message: string; user: string }[]> {
    const out = await this.exec('VM_GetLastNEvents', { vmx, n });
    const evs = out?.children.find((c) => c.name === 'events')?.children ?? [];
    return evs.map((e) => ({ id: Number(text(e, 'id')), time: text(e, 'time'), type: text(e, 'type'), severity: text(e, 'severity'), message: text(e, 'message'), user: text(e, 'user') }));
  }
  /** A power op ('VM_PowerOn', 'VM_PowerOff', 'VM_Reset', 'VM_Suspend', 'VM_Pause', 'VM_Unpause', …); waits for its task. */
  async power(op: PowerOpName, vmx: string, opts: { hard?: boolean } = {}): Promise<{ task: string; powerState: string }> {
    const out = await this.exec(op, { vmx, ...(opts.hard ? { hard: 1 } : {}) });
    return { task: text(out, 'task'), powerState: text(out, 'powerState') };
  }
  async taskStatus(task: string): Promise<{ id: string; kind: string; state: string; progress: number; step: string; error: string }> {
    const t = (await this.exec('TaskManager_StatusOfTask', { task }))?.children.find((c) => c.name === 'task');
    return { id: text(t, 'id'), kind: text(t, 'kind'), state: text(t, 'state'), progress: Number(text(t, 'progress')), step: text(t, 'step'), error: text(t, 'error') };
  }

  // files on datastores ('[ds] folder/file')
  async listDir(path: string): Promise<DatastoreEntry[]> {
    const out = await this.exec('FileManager_ListDir', { path });
    return (out?.children.find((c) => c.name === 'entries')?.children ?? []).map((e) => ({ name: text(e, 'name'), type: text(e, 'type'), size: Number(text(e, 'size')), mtime: text(e, 'mtime') }));
  }
  async fileExists(path: string): Promise<boolean> {
    return text(await this.exec('FileManager_FileExists', { path }), 'exists') === '1';
  }
  async makeDir(path: string, opts: { parents?: boolean } = {}): Promise<void> {
    await this.exec('Directory_Make', { path, makeParents: opts.parents ? 1 : 0 });
  }
  async removeDir(path: string, opts: { recursive?: boolean } = {}): Promise<void> {
    await this.exec('FileManager_RemoveDir', { path, recursive: opts.recursive ? 1 : 0 });
  }
  async removeFile(path: string): Promise<void> {
    await this.exec('FileManager_FileRemove', { path });
  }
  async createFile(path: string, content: string): Promise<void> {
    await this.exec('File_Create', { path, content });
  }
  async readFile(path: string): Promise<string> {
    return (await this.exec('File_Read', { path }))?.children.find((c) => c.name === 'content')?.rawText ?? '';
  }
  async moveFile(source: string, destination: string, opts: { overwrite?: boolean } = {}): Promise<void> {
    await this.exec('FileManager_FileMove', { source, destination, overwrite: opts.overwrite ? 1 : 0 });
  }
  /** Copies a file of any size (a task on the server); resolves when it is done. */
  async copyFile(source: string, destination: string, opts: { overwrite?: boolean } = {}): Promise<{ task: string; bytes: number }> {
    const out = await this.exec('FileManager_FileCopy', { source, destination, overwrite: opts.overwrite ? 1 : 0 });
    return { task: text(out, 'task'), bytes: Number(text(out, 'bytes')) };
  }

  // snapshots
  async listSnapshots(vmx: string): Promise<{ id: string; name: string; parent: string; description: string; current: boolean }[]> {
    const out = await this.exec('VM_ListSnapshots', { vmx });
    return (out?.children.find((c) => c.name === 'snapshots')?.children ?? []).map((e) => ({ id: text(e, 'id'), name: text(e, 'name'), parent: text(e, 'parent'), description: text(e, 'description'), current: text(e, 'current') === '1' }));
  }
  async createSnapshot(vmx: string, name: string, opts: { description?: string; includeMemory?: boolean } = {}): Promise<string> {
    return text(await this.exec('VM_CreateSnapshot', { vmx, name, ...(opts.description ? { description: opts.description } : {}), includeMemory: opts.includeMemory ? 1 : 0 }), 'snapshot');
  }
  async revertToSnapshot(vmx: string, snapshot?: string): Promise<void> {
    await this.exec('VM_RevertToSnapshot', { vmx, ...(snapshot ? { snapshot } : {}) });
  }
  async removeSnapshot(vmx: string, snapshot: string, opts: { removeChildren?: boolean } = {}): Promise<void> {
    await this.exec('VM_RemoveSnapshot', { vmx, snapshot, removeChildren: opts.removeChildren ? 1 : 0 });
  }

  // guest
  async runProgramInGuest(vmx: string, guest: { user: string; password: string }, program: string, args: string[] = []): Promise<{ pid: number; exitCode: number; stdout: string; stderr: string }> {
    const out = await this.exec('Guest_RunProgram', { vmx, guestUser: guest.user, guestPassword: guest.password, program, args: { arg: args } });
    const raw = (n: string): string => out?.children.find((c) => c.name === n)?.rawText ?? '';
    return { pid: Number(text(out, 'pid')), exitCode: Number(text(out, 'exitCode')), stdout: raw('stdout'), stderr: raw('stderr') };
  }

  /** QUIT and wait for the close. */
  async quit(): Promise<void> {
    if (this.sock.destroyed) return;
    const closed = new Promise<void>((r) => this.sock.once('close', () => r()));
    this.sock.write('QUIT\r\n');
    await closed;
  }

  close(): void {
    this.sock.destroy();
  }
}

export interface DatastoreEntry {
  readonly name: string;
  /** file, directory, symlink or other */
  readonly type: string;
  readonly size: number;
  readonly mtime: string;
}

export type PowerOpName = 'VM_PowerOn' | 'VM_PowerOff' | 'VM_Reset' | 'VM_Suspend' | 'VM_Pause' | 'VM_Unpause' | 'VM_ShutdownGuest' | 'VM_RebootGuest';

export interface VmInfo {
  readonly vmx: string;
  readonly id: string;
  readonly name: string;
  readonly uuid: string;
  readonly powerState: string;
  readonly toolsState: string;
  readonly guestOS: string;
  readonly numCPU: number;
  readonly memoryMB: number;
  readonly hwVersion: number;
  readonly host: string;
}

function toVmInfo(out: XmlElement | undefined): VmInfo {
  return {
    vmx: text(out, 'vmx'),
    id: text(out, 'id'),
    name: text(out, 'name'),
    uuid: text(out, 'uuid'),
    powerState: text(out, 'powerState'),
    toolsState: text(out, 'toolsState'),
    guestOS: text(out, 'guestOS'),
    numCPU: Number(text(out, 'numCPU')),
    memoryMB: Number(text(out, 'memoryMB')),
    hwVersion: Number(text(out, 'hwVersion')),
    host: text(out, 'host'),
  };
}

function text(el: XmlElement | undefined, name: string): string {
  return el?.children.find((c) => c.name === name)?.text ?? '';
}

/** The banner line, read byte-wise from the plain socket before TLS starts (nothing past it is consumed). */
function readBanner(raw: Socket, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const t = setTimeout(() => done(new VmserverdConnectionError('no banner from the server')), timeoutMs);
    const done = (e: Error | null, line?: string): void => {
      clearTimeout(t);
      raw.removeListener('data', onData);
      raw.removeListener('error', onErr);
      raw.removeListener('close', onClose);
      if (e) {
        raw.destroy();
        reject(e);
      } else {
        raw.pause();
        resolve(line!);
      }
    };
    const onData = (d: Buffer): void => {
      buf = Buffer.concat([buf, d]);
      const i = buf.indexOf(0x0a);
      if (i >= 0) {
        // The server sends nothing after its banner until the client speaks.
        if (i + 1 < buf.length) raw.unshift(buf.subarray(i + 1));
        done(null, buf.subarray(0, i).toString('utf8').replace(/\r$/, ''));
      } else if (buf.length > 4096) done(new VmserverdConnectionError('banner line too long'));
    };
    const onErr = (e: Error): void => done(new VmserverdConnectionError(`cannot connect: ${e.message}`));
    const onClose = (): void => done(new VmserverdConnectionError('the server closed the connection before its banner'));
    raw.on('data', onData);
    raw.on('error', onErr);
    raw.on('close', onClose);
  });
}

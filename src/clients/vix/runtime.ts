/**
 * The VIX runtime on the caller's thread: the handle table (reference counts), jobs
 * (each a generator of exec requests), and the I/O worker with the blocking wait.
 *
 * Threads: the network lives in a worker (io-worker.ts). Replies come back on a
 * MessagePort and a shared counter is bumped for each; a caller that must block
 * (VixJob_Wait, a synchronous property read) sleeps in Atomics.wait on that counter and
 * takes the replies with receiveMessageOnPort, so it never needs Node's event loop.
 * Hosts without the event pump also listen on the port asynchronously, so callbacks
 * arrive on their own while the program awaits other things.
 */
import { MessageChannel, Worker, receiveMessageOnPort } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import type { XmlElement, XmlValue } from '../../protocols/vmserverd/index.ts';
import * as C from './constants.ts';
import type { VixErrorCode, VixEventProc, VixHandle } from './constants.ts';
import type { ErrorContext } from './errors.ts';
import { vixErrorOf } from './errors.ts';
import type { ConnectTarget, FromWorker, ToWorker } from './wire.ts';

// ---- objects behind handles ------------------------------------------------------

interface Base {
  readonly id: VixHandle;
  refs: number;
}
export interface HostObj extends Base {
  readonly kind: 'host';
  readonly conn: number;
  readonly pump: boolean;
  readonly hostType: number;
  state: 'connecting' | 'connected' | 'lost' | 'closed';
  /** Pump hosts: requests to send and worker messages to apply, only inside Vix_PumpEvents. */
  readonly outbox: ToWorker[];
  readonly inbox: FromWorker[];
  readonly deferred: (() => void)[];
  readonly vms: Map<string, VmObj>;
  readonly jobs: Set<JobObj>;
}
export interface VmInfo {
  vmx: string;
  name: string;
  guestOS: string;
  numCPU: number;
  memoryMB: number;
  powerState: string;
  toolsState: string;
  hwVersion: number;
}
export interface VmObj extends Base {
  readonly kind: 'vm';
  readonly host: HostObj;
  readonly vmx: string;
  info: VmInfo;
  guest: { user: string; password: string } | null;
  deleted: boolean;
  readonly snapshots: Map<string, SnapshotObj>;
}
export interface SnapshotInfo {
  readonly id: string;
  readonly name: string;
  readonly parent: string;
  readonly description: string;
  readonly powerState: string;
  readonly current: boolean;
}
export interface SnapshotObj extends Base {
  readonly kind: 'snapshot';
  readonly vm: VmObj;
  info: SnapshotInfo;
}
export interface PropertyListObj extends Base {
  readonly kind: 'propertyList';
  readonly props: Map<number, unknown>;
}
export type Step = { readonly op: string; readonly input?: XmlValue | string; readonly ctx: ErrorContext; readonly soft?: boolean };
export type Reply = { readonly ok: true; readonly out: XmlElement | undefined } | { readonly ok: false; readonly code: string; readonly message: string };
export type JobBody = Generator<Step | 'progress', void, Reply | undefined>;
export interface JobObj extends Base {
  readonly kind: 'job';
  readonly host: HostObj | null;
  done: boolean;
  err: VixErrorCode;
  message: string;
  readonly props: Map<number, unknown>;
  /** Handles the job holds (its result handle): released with the job. */
  readonly held: VixHandle[];
  /** Rows for VixJob_GetNumProperties / GetNthProperties. */
  readonly rows: Map<number, unknown>[];
  readonly cb: VixEventProc | null;
  readonly clientData: unknown;
  gen: JobBody | null;
  step: Step | null;
  readonly onDone: (() => void)[];
}
export type Obj = HostObj | VmObj | SnapshotObj | PropertyListObj | JobObj;

/** Thrown inside a job body (or a synchronous function) to fail it with a VIX error. */
export class VixFail extends Error {
  constructor(
    readonly err: VixErrorCode,
    message = '',
  ) {
    super(message);
  }
}

const HANDLE_TYPE: Record<Obj['kind'], number> = { host: C.VIX_HANDLETYPE_HOST, vm: C.VIX_HANDLETYPE_VM, snapshot: C.VIX_HANDLETYPE_SNAPSHOT, propertyList: C.VIX_HANDLETYPE_PROPERTY_LIST, job: C.VIX_HANDLETYPE_JOB };
export function handleTypeOf(o: Obj): number {
  return HANDLE_TYPE[o.kind];
}

// ---- the handle table ---------------------------------------------------------------

const MAX_HANDLES = 1_000_000;
export const handles = new Map<VixHandle, Obj>();
let nextHandle = 1;

export function newHandle<T extends Obj>(make: (id: VixHandle) => T): T {
  if (handles.size >= MAX_HANDLES) throw new VixFail(C.VIX_E_TOO_MANY_HANDLES);
  const o = make(nextHandle++);
  handles.set(o.id, o);
  return o;
}

/** The object of a live handle of one of the kinds; VixFail otherwise. */
export function lookup<K extends Obj['kind']>(h: unknown, ...kinds: K[]): Extract<Obj, { kind: K }> {
  const o = typeof h === 'number' ? handles.get(h) : undefined;
  if (!o) throw new VixFail(C.VIX_E_INVALID_HANDLE, `handle ${String(h)} is not a live VIX handle`);
  if (!kinds.includes(o.kind as K)) throw new VixFail(C.VIX_E_NOT_SUPPORTED_ON_HANDLE_TYPE, `handle ${String(h)} is a ${o.kind} handle`);
  return o as Extract<Obj, { kind: K }>;
}

export function addRef(h: VixHandle): void {
  const o = handles.get(h);
  if (o) o.refs++;
}

/** One reference less; at zero the handle is gone (and what it held is released). */
export function release(h: VixHandle): void {
  const o = handles.get(h);
  if (!o) return;
  if (--o.refs > 0) return;
  handles.delete(h);
  if (o.kind === 'vm') {
    if (o.host.vms.get(o.vmx) === o) o.host.vms.delete(o.vmx);
  } else if (o.kind === 'snapshot') {
    if (o.vm.snapshots.get(o.info.id) === o) o.vm.snapshots.delete(o.info.id);
  } else if (o.kind === 'job') {
    o.host?.jobs.delete(o);
    for (const held of o.held.splice(0)) release(held);
  } else if (o.kind === 'host') {
    closeHost(o);
  }
}

/** Drops a host and every handle that belongs to it (VixHost_Disconnect). */
export function closeHost(host: HostObj): void {
  if (host.state === 'closed') return;
  const wasOpen = host.state !== 'lost';
  host.state = 'closed';
  hostsByConn.delete(host.conn);
  if (wasOpen) io().send({ t: 'close', conn: host.conn });
  for (const job of [...host.jobs]) complete(job, C.VIX_E_HOST_NOT_CONNECTED, 'the host was disconnected');
  for (const [h, o] of handles) {
    if ((o.kind === 'vm' && o.host === host) || (o.kind === 'snapshot' && o.vm.host === host) || o === host) handles.delete(h);
  }
  host.vms.clear();
}

// ---- the I/O worker ---------------------------------------------------------------

class Io {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly seq: Int32Array;
  private inFlight = 0;
  /** Requests in flight (to answer them if the worker dies). */
  private readonly open = new Map<number, ToWorker>();
  /** Answers made on this thread (a dead worker), taken before the port's. */
  private readonly local: FromWorker[] = [];
  private dead: string | null = null;
  nextConn = 1;
  nextReq = 1;
  readonly syncReplies = new Map<number, FromWorker | null>();

  constructor(private readonly route: (m: FromWorker) => void) {
    const signal = new SharedArrayBuffer(4);
    this.seq = new Int32Array(signal);
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const ts = import.meta.url.endsWith('.ts');
    const entry = new URL(ts ? './io-worker.ts' : './io-worker.js', import.meta.url).href;
    // Under a TypeScript loader (tests, examples) the worker registers tsx itself: Node 20
    // does not hand module hooks to workers. A worker that cannot start says so on the port.
    const tsx = ts ? import.meta.resolve('tsx/esm/api') : null;
    const boot = [
      "const { workerData } = require('node:worker_threads');",
      `(${JSON.stringify(tsx)} ? import(${JSON.stringify(tsx)}).then((m) => m.register()) : Promise.resolve())`,
      `.then(() => import(${JSON.stringify(entry)}))`,
      ".catch((e) => { workerData.port.postMessage({ t: 'dead', conn: 0, message: String(e && e.message || e) }); const s = new Int32Array(workerData.signal); Atomics.add(s, 0, 1); Atomics.notify(s, 0); });",
    ].join('\n');
    this.worker = new Worker(boot, { eval: true, workerData: { port: port2, signal }, transferList: [port2] });
    this.worker.unref();
    this.worker.on('error', (e) => this.die(e.message));
    this.worker.on('exit', () => this.die('the VIX I/O thread ended'));
    this.port.on('message', (m: FromWorker) => this.take(m));
    this.port.unref();
  }

  send(m: ToWorker): void {
    if (m.t === 'close') {
      if (!this.dead) this.worker.postMessage(m);
      return;
    }
    if (this.inFlight++ === 0) this.port.ref();
    const key = m.t === 'exec' ? m.req : -m.conn;
    this.open.set(key, m);
    if (this.dead) this.answerDead(m);
    else this.worker.postMessage(m);
  }

  private answerDead(m: ToWorker): void {
    const why = `the VIX I/O thread is gone: ${this.dead}`;
    if (m.t === 'exec') this.local.push({ t: 'reply', conn: m.conn, req: m.req, ok: false, code: 'connection_lost', message: why });
    else if (m.t === 'connect') this.local.push({ t: 'connectFailed', conn: m.conn, auth: false, message: why });
  }

  private die(message: string): void {
    if (this.dead) return;
    this.dead = message;
    for (const m of this.open.values()) this.answerDead(m);
    queueMicrotask(() => this.drain(0));
  }

  private take(m: FromWorker | { t: 'dead'; message: string }): void {
    if (m.t === 'dead') {
      this.die(m.message);
      return;
    }
    if (m.t === 'reply') this.open.delete(m.req);
    else if (m.t !== 'lost') this.open.delete(-m.conn);
    if (m.t !== 'lost' && --this.inFlight === 0) this.port.unref();
    if (m.t === 'reply' && this.syncReplies.has(m.req)) this.syncReplies.set(m.req, m);
    else this.route(m);
  }

  /** Takes every message waiting; if none, sleeps up to `waitMs` for one. True if any came. */
  drain(waitMs: number): boolean {
    const seen = Atomics.load(this.seq, 0);
    let got = this.next();
    if (!got && waitMs > 0) {
      Atomics.wait(this.seq, 0, seen, waitMs);
      got = this.next();
    }
    if (!got) return false;
    while (got) {
      this.take(got);
      got = this.next();
    }
    return true;
  }

  private next(): FromWorker | undefined {
    const l = this.local.shift();
    if (l) return l;
    return receiveMessageOnPort(this.port)?.message as FromWorker | undefined;
  }
}

let theIo: Io | null = null;
export function io(): Io {
  theIo ??= new Io(route);
  return theIo;
}

const pendingReq = new Map<number, JobObj>();
const connectJobs = new Map<number, { job: JobObj; host: HostObj }>();
const hostsByConn = new Map<number, HostObj>();

function route(m: FromWorker): void {
  const host = hostsByConn.get(m.conn);
  if (host?.pump) host.inbox.push(m);
  else apply(m);
}

function apply(m: FromWorker): void {
  if (m.t === 'connected' || m.t === 'connectFailed') {
    const c = connectJobs.get(m.conn);
    if (!c) return;
    connectJobs.delete(m.conn);
    if (m.t === 'connected') {
      if (c.host.state === 'connecting') c.host.state = 'connected';
      addRef(c.host.id);
      c.job.held.push(c.host.id);
      c.job.props.set(C.VIX_PROPERTY_JOB_RESULT_HANDLE, c.host.id);
      complete(c.job, C.VIX_OK);
    } else {
      c.host.state = 'closed';
      hostsByConn.delete(m.conn);
      handles.delete(c.host.id);
      complete(c.job, m.auth ? C.VIX_E_AUTHENTICATION_FAIL : C.VIX_E_CANNOT_CONNECT_TO_HOST, m.message);
    }
    return;
  }
  if (m.t === 'lost') {
    const host = hostsByConn.get(m.conn);
    if (host && host.state === 'connected') host.state = 'lost';
    return;
  }
  const job = pendingReq.get(m.req);
  if (!job) return;
  pendingReq.delete(m.req);
  if (job.done) return;
  const step = job.step!;
  if (!m.ok && m.code === 'connection_lost') {
    if (job.host && job.host.state === 'connected') job.host.state = 'lost';
    complete(job, job.host?.state === 'closed' ? C.VIX_E_HOST_NOT_CONNECTED : C.VIX_E_HOST_CONNECTION_LOST, m.message);
    return;
  }
  if (!m.ok && !step.soft) {
    complete(job, vixErrorOf(m.code, step.ctx), m.message);
    return;
  }
  advance(job, m.ok ? { ok: true, out: m.out } : { ok: false, code: m.code, message: m.message });
}

// ---- hosts --------------------------------------------------------------------------

export function startConnect(target: ConnectTarget, pump: boolean, hostType: number, cb: VixEventProc | null, clientData: unknown): VixHandle {
  const conn = io().nextConn++;
  const host = newHandle<HostObj>((id) => ({ id, refs: 0, kind: 'host', conn, pump, hostType, state: 'connecting', outbox: [], inbox: [], deferred: [], vms: new Map(), jobs: new Set() }));
  hostsByConn.set(conn, host);
  const job = makeJob(host, cb, clientData);
  connectJobs.set(conn, { job, host });
  const m: ToWorker = { t: 'connect', conn, target };
  if (pump) host.outbox.push(m);
  else io().send(m);
  return job.id;
}

/** A job that failed before it started (bad handle, bad argument). */
export function failedJob(err: VixErrorCode, message: string, cb: VixEventProc | null, clientData: unknown, host: HostObj | null = null): VixHandle {
  const job = makeJob(host, cb, clientData);
  creating = job;
  try {
    complete(job, err, message);
  } finally {
    creating = null;
  }
  return job.id;
}

function makeJob(host: HostObj | null, cb: VixEventProc | null, clientData: unknown): JobObj {
  // Two references: the caller's, and the job's own until its completion callback has run
  // (a caller may release a job it does not use before it completes; the callback still
  // gets a live handle).
  const job = newHandle<JobObj>((id) => ({ id, refs: 2, kind: 'job', host, done: false, err: C.VIX_OK, message: '', props: new Map(), held: [], rows: [], cb: typeof cb === 'function' ? cb : null, clientData, gen: null, step: null, onDone: [] }));
  host?.jobs.add(job);
  return job;
}

/**
 * Starts a job on a host: `body(job)` yields exec requests and gets their replies; it
 * sets result properties on the job. A thrown VixFail fails the job; every job completes
 * exactly once.
 */
export function startJob(host: HostObj, body: (job: JobObj) => JobBody, cb: VixEventProc | null, clientData: unknown): VixHandle {
  const job = makeJob(host, cb, clientData);
  creating = job;
  try {
    if (host.state !== 'connected') complete(job, host.state === 'lost' ? C.VIX_E_HOST_CONNECTION_LOST : C.VIX_E_HOST_NOT_CONNECTED, 'the connection to the host is gone');
    else {
      job.gen = body(job);
      advance(job, undefined);
    }
  } finally {
    creating = null;
  }
  return job.id;
}

function advance(job: JobObj, reply: Reply | undefined): void {
  const gen = job.gen!;
  let input = reply;
  for (;;) {
    let r: IteratorResult<Step | 'progress', void>;
    try {
      r = gen.next(input);
    } catch (e) {
      if (e instanceof VixFail) complete(job, e.err, e.message);
      else complete(job, C.VIX_E_FAIL, e instanceof Error ? e.message : String(e));
      return;
    }
    input = undefined;
    if (r.done) {
      complete(job, C.VIX_OK);
      return;
    }
    if (r.value === 'progress') {
      event(job, C.VIX_EVENTTYPE_JOB_PROGRESS, C.VIX_INVALID_HANDLE);
      if (job.done) return;
      continue;
    }
    const host = job.host!;
    if (host.state !== 'connected') {
      complete(job, host.state === 'lost' ? C.VIX_E_HOST_CONNECTION_LOST : C.VIX_E_HOST_NOT_CONNECTED, 'the connection to the host is gone');
      return;
    }
    job.step = r.value;
    const req = io().nextReq++;
    pendingReq.set(req, job);
    const m: ToWorker = { t: 'exec', conn: host.conn, req, op: r.value.op, ...(r.value.input !== undefined ? { input: r.value.input } : {}) };
    if (host.pump) host.outbox.push(m);
    else io().send(m);
    return;
  }
}

export function complete(job: JobObj, err: VixErrorCode, message = ''): void {
  if (job.done) return;
  job.done = true;
  job.err = err;
  job.message = message;
  job.props.set(C.VIX_PROPERTY_JOB_RESULT_ERROR_CODE, err);
  job.props.set(C.VIX_PROPERTY_JOB_RESULT_USER_MESSAGE, message);
  if (err !== C.VIX_OK) {
    for (const held of job.held.splice(0)) release(held);
    job.props.set(C.VIX_PROPERTY_JOB_RESULT_HANDLE, C.VIX_INVALID_HANDLE);
  }
  try {
    job.gen?.return();
  } catch {
    // a body's finally that throws changes nothing: the job is complete
  }
  job.host?.jobs.delete(job);
  for (const f of job.onDone.splice(0)) f();
  event(job, C.VIX_EVENTTYPE_JOB_COMPLETED, C.VIX_INVALID_HANDLE, () => release(job.id));
}

/** Calls the job's callback: inside Vix_PumpEvents on pump hosts, else now. */
export function event(job: JobObj, type: number, more: VixHandle, after?: () => void): void {
  const cb = job.cb;
  if (!cb) {
    after?.();
    return;
  }
  const call = (): void => {
    try {
      cb(job.id, type, more, job.clientData);
    } finally {
      after?.();
    }
  };
  if (job.host?.pump && !inPump) job.host.deferred.push(call);
  else if (job === creating) queueMicrotask(call);
  else call();
}

// ---- waiting and pumping ---------------------------------------------------------

let inPump = false;
/** The job being created: an event during its creating call waits for a microtask (the caller has no handle yet). */
let creating: JobObj | null = null;

/** One step of a pump host: send what is queued, apply one thing that came back, run deferred callbacks. */
export function pumpHost(host: HostObj, waitMs: number): void {
  const was = inPump;
  inPump = true;
  try {
    for (const m of host.outbox.splice(0)) io().send(m);
    if (host.inbox.length === 0) io().drain(host.jobs.size > 0 || connectJobs.size > 0 ? waitMs : 0);
    const m = host.inbox.shift();
    if (m) apply(m);
    for (const f of host.deferred.splice(0)) f();
  } finally {
    inPump = was;
  }
}

export function pumpAll(waitMs: number): void {
  const pumpHosts = [...hostsByConn.values()].filter((h) => h.pump);
  if (pumpHosts.length === 0) {
    io().drain(waitMs);
    return;
  }
  for (const h of pumpHosts) pumpHost(h, pumpHosts.length === 1 ? waitMs : 0);
  io().drain(0);
}

/** Blocks the calling thread until the job is done (pumping its host if it is a pump host). */
export function waitJob(job: JobObj): void {
  while (!job.done) {
    if (job.host?.pump) pumpHost(job.host, 50);
    else io().drain(1000);
  }
}

/** A synchronous exec request (for the synchronous functions); blocks. */
export function syncExec(host: HostObj, op: string, input: XmlValue | string | undefined, ctx: ErrorContext): XmlElement | undefined {
  if (host.state !== 'connected') throw new VixFail(host.state === 'lost' ? C.VIX_E_HOST_CONNECTION_LOST : C.VIX_E_HOST_NOT_CONNECTED, 'the connection to the host is gone');
  const i = io();
  const req = i.nextReq++;
  i.syncReplies.set(req, null);
  i.send({ t: 'exec', conn: host.conn, req, op, ...(input !== undefined ? { input } : {}) });
  let m = i.syncReplies.get(req);
  while (!m) {
    i.drain(1000);
    m = i.syncReplies.get(req);
  }
  i.syncReplies.delete(req);
  if (m.t !== 'reply') throw new VixFail(C.VIX_E_FAIL);
  if (m.ok) return m.out;
  if (m.code === 'connection_lost') {
    if (host.state === 'connected') host.state = 'lost';
    throw new VixFail(C.VIX_E_HOST_CONNECTION_LOST, m.message);
  }
  throw new VixFail(vixErrorOf(m.code, ctx), m.message);
}

import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Caller, Task } from '../../core/index.ts';
import { isVmgateError, toVmgateError, unauthenticated } from '../../core/errors.ts';
import type { BrokerVm, VmNameKind } from '../../core/vm-jobs.ts';
import { brokerJobPhase } from '../../core/vm-jobs.ts';
import type { Face, FaceDeps } from '../face.ts';
import type { JobStatus, NameType, RdvJob, RdvRequest, RdvVm, VmError, VmStatus } from '../../protocols/rdv/contract.ts';
import { SoapFault, decodeEnvelope, encodeFault, encodeGetVmResponse, encodeGuidResponse, encodeSetLocaleResponse } from '../../protocols/rdv/envelope.ts';
import { NS_DATA } from '../../protocols/rdv/contract.ts';
import { renderWsdl } from '../../protocols/rdv/wsdl.ts';
import { esc } from '../../protocols/rdv/xml.ts';
import type { Locale } from './errors.ts';
import { detailedError, jobErrorOf, matchLocale, vmErrorOf } from './errors.ts';
import { CallbackSender } from './callbacks.ts';

/** The largest request body the face reads (a larger one is a 413 SOAP fault). */
export const RDV_BODY_LIMIT = 2 * 1024 * 1024;
const SESSION_COOKIE = 'RDVSession';
const MAX_SESSIONS = 10_000;

const NAME_KIND: Readonly<Record<NameType, VmNameKind>> = { VM_NAME: 'name', GUID: 'uuid', COMPUTER_NAME_FQDN: 'fqdn' };

/** What the face remembers of a job it started (for JobUpdated and error mapping). */
interface JobInfo {
  readonly name: string;
  readonly resumed: boolean;
  readonly callbacks: readonly string[];
}

/** Face state: one per server. */
interface RdvState {
  readonly deps: FaceDeps;
  /** Locale per session cookie (SetLocale issues the cookie; the oldest of more than MAX_SESSIONS is forgotten). */
  readonly sessions: Map<string, Locale>;
  readonly jobs: Map<string, JobInfo>;
  readonly callbacks: CallbackSender;
}

/**
 * Microsoft's RDV custom-VDI web service (what the RD Connection Broker's
 * `VMMWebServerClient` plug-in calls): SOAP 1.1 at `/RDV`, the WSDL at `/RDV?wsdl`.
 * docs/faces/rdv.md describes the endpoint, sessions, callbacks and errors.
 */
export const rdvFace: Face = {
  name: 'rdv',
  title: 'RDV custom-VDI web service (SOAP)',
  start(deps) {
    const state: RdvState = {
      deps,
      sessions: new Map(),
      jobs: new Map(),
      callbacks: new CallbackSender(deps.log, { urls: deps.settings?.rdvCallbacks ?? [], allow: deps.settings?.rdvCallbackAllow ?? [] }),
    };
    const unwatch = deps.core.vmJobs.watch((t) => onTask(state, t));
    return {
      http: [{ prefix: '/RDV', note: '(SOAP 1.1, ?wsdl)', register: (scope) => register(scope, state) }],
      async stop() {
        unwatch();
        state.callbacks.stop();
      },
    };
  },
};

async function register(app: FastifyInstance, state: RdvState): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('text/xml', { parseAs: 'string', bodyLimit: RDV_BODY_LIMIT }, (_req, body, done) => done(null, body));
  app.setErrorHandler((err: FastifyError, _req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) state.deps.log.error({ err }, 'RDV face error');
    const text =
      status === 413 ? `the request body is larger than ${RDV_BODY_LIMIT} bytes` : status === 415 ? 'the request body must be text/xml (SOAP 1.1)' : status === 500 ? 'internal error' : err.message;
    return sendFault(reply, new SoapFault(status === 500 ? 'Server' : 'Client', text, status));
  });
  app.setNotFoundHandler((req, reply) => sendFault(reply, new SoapFault('Client', `no such endpoint: ${req.method} ${req.url.split('?')[0]!.slice(0, 200)} (the service is POST /RDV, its WSDL GET /RDV?wsdl)`, 404)));
  app.get('/', async (req, reply) => {
    const q = req.query as Record<string, unknown>;
    if (!('wsdl' in q) && !('WSDL' in q)) return sendFault(reply, new SoapFault('Client', 'GET /RDV serves only the WSDL: GET /RDV?wsdl', 404));
    return reply.code(200).header('content-type', 'text/xml; charset=utf-8').send(renderWsdl(serviceAddress(req, state.deps.publicUrl ?? null)));
  });
  app.post('/', { bodyLimit: RDV_BODY_LIMIT }, async (req, reply) => {
    try {
      // Authentication first: an unknown caller learns nothing about the parser.
      const caller = await authenticate(state, req);
      const text = typeof req.body === 'string' ? req.body : '';
      if (text.length === 0) throw new SoapFault('Client', 'the request has no SOAP envelope');
      const env = decodeEnvelope(text, headerOf(req, 'soapaction'));
      return await dispatch(state, req, reply, caller, env.request, env.replyTo);
    } catch (e) {
      if (e instanceof SoapFault) return sendFault(reply, e);
      const err = toVmgateError(e, 'face.rdv');
      if (err.kind === 'unauthenticated') {
        reply.header('www-authenticate', 'Basic realm="vmgate RDV", charset="UTF-8"');
        return sendFault(reply, new SoapFault('Client', err.message, 401));
      }
      if (err.kind === 'internal') state.deps.log.error({ err: e }, 'RDV operation failed');
      return sendVmFault(reply, vmErrorOf(err), localeOf(state, req), err.kind === 'internal' ? null : err.message);
    }
  });
}

/**
 * The address the WSDL's service names: `--public-url` when set, else the scheme and
 * address of the listener the request came in on (never the Host header, which the
 * client controls).
 */
function serviceAddress(req: FastifyRequest, publicUrl: string | null): string {
  if (publicUrl) return `${publicUrl.replace(/\/+$/, '')}/RDV`;
  const sock = req.raw.socket as Socket & { encrypted?: boolean };
  const scheme = sock.encrypted ? 'https' : 'http';
  const addr = sock.localAddress ?? '127.0.0.1';
  const host = addr.includes(':') ? (addr.startsWith('::ffff:') ? addr.slice(7) : `[${addr}]`) : addr;
  return `${scheme}://${host}:${sock.localPort ?? 0}/RDV`;
}

function headerOf(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

async function authenticate(state: RdvState, req: FastifyRequest): Promise<Caller> {
  const auth = headerOf(req, 'authorization');
  const m = auth ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(auth) : null;
  if (!m) throw unauthenticated('this service needs HTTP Basic authentication with a vmgate account', { module: 'face.rdv' });
  const text = Buffer.from(m[1]!, 'base64').toString('utf8');
  const i = text.indexOf(':');
  if (i <= 0) throw unauthenticated('the Basic credentials are not user:password', { module: 'face.rdv' });
  // The client's address: lockout and login throttling are per address.
  return state.deps.core.identity.verifyCredentials(text.slice(0, i), text.slice(i + 1), req.ip);
}

// ---- sessions (SetLocale) ---------------------------------------------------

function cookieOf(req: FastifyRequest): string | null {
  const c = headerOf(req, 'cookie');
  if (!c) return null;
  for (const part of c.split(';')) {
    const [k, v] = part.trim().split('=');
    if (k === SESSION_COOKIE && v && /^[0-9a-f]{32}$/.test(v)) return v;
  }
  return null;
}

/** The session's locale: its cookie's, else en-US. */
function localeOf(state: RdvState, req: FastifyRequest): Locale {
  const id = cookieOf(req);
  return (id && state.sessions.get(id)) || 'en-US';
}

function setLocale(state: RdvState, req: FastifyRequest, reply: FastifyReply, locale: Locale): void {
  let id = cookieOf(req);
  if (!id || !state.sessions.has(id)) {
    id = randomBytes(16).toString('hex');
    reply.header('set-cookie', `${SESSION_COOKIE}=${id}; Path=/RDV; HttpOnly; SameSite=Strict`);
  }
  state.sessions.delete(id);
  state.sessions.set(id, locale);
  if (state.sessions.size > MAX_SESSIONS) state.sessions.delete(state.sessions.keys().next().value!);
}

// ---- operations -------------------------------------------------------------

async function dispatch(state: RdvState, req: FastifyRequest, reply: FastifyReply, caller: Caller, r: RdvRequest, replyTo: string | null): Promise<FastifyReply> {
  const core = state.deps.core;
  if (r.op === 'SetLocale') {
    const want = r.locale ?? '';
    const l = matchLocale(want);
    // The reply names the locale now in force: the one asked for, or en-US when it is not offered.
    setLocale(state, req, reply, l ?? 'en-US');
    return sendXml(reply, encodeSetLocaleResponse(l ?? 'en-US'));
  }
  const locale = localeOf(state, req);
  if (r.name === null || r.name === '') return opError(reply, r.op, 'ERROR_VM_MISSING', locale, 'no VM name was given');
  const kind = NAME_KIND[r.type ?? 'VM_NAME'];
  if (r.op === 'GetVM') {
    try {
      const b = await core.vmJobs.lookup(caller, kind, r.name);
      return sendXml(reply, encodeGetVmResponse({ DetailedErrorString: null, ErrorID: 'ERROR_VM_SUCCESS', VMList: [rdvVm(b)] }));
    } catch (e) {
      if (!isVmgateError(e) || e.kind === 'unauthenticated') throw e;
      const code = vmErrorOf(e);
      return sendXml(reply, encodeGetVmResponse({ DetailedErrorString: detailedError(code, locale, e.message), ErrorID: code, VMList: null }));
    }
  }
  const target = await core.vmJobs.lookup(caller, kind, r.name);
  const callbacks = state.callbacks.targets(replyTo);
  const task = r.op === 'StartVM' ? await core.vmJobs.start(caller, target.vm.id) : await core.vmJobs.place(caller, target.vm.id);
  state.jobs.set(task.id, { name: `${r.op} ${target.vm.name}`, resumed: r.op === 'StartVM' && target.vm.powerState === 'suspended', callbacks });
  if (state.jobs.size > MAX_SESSIONS) state.jobs.delete(state.jobs.keys().next().value!);
  onTask(state, task);
  return sendXml(reply, encodeGuidResponse(r.op, task.id));
}

/** VMStatus of a VM as vmgate sees it. */
export function vmStatusOf(b: BrokerVm): VmStatus {
  if (b.busyWith === 'relocate') return 'VM_STATUS_MIGRATING';
  switch (b.vm.powerState) {
    case 'poweredOn':
      return b.vm.toolsState === 'running' ? 'VM_STATUS_GUEST_READY' : 'VM_STATUS_RUNNING';
    case 'poweredOff':
      return 'VM_STATUS_STOPPED';
    case 'suspended':
      return 'VM_STATUS_HIBERNATED';
    case 'paused':
      return 'VM_STATUS_PAUSED';
    case 'resetting':
      return 'VM_STATUS_GUEST_REBOOTED';
    default:
      return 'VM_STATUS_UNKNOWN';
  }
}

function rdvVm(b: BrokerVm): RdvVm {
  return { HostFQDN: b.host ? b.host.name : null, HostType: b.host ? 'VM_HOST' : 'VM_LIBRARY', ID: b.vm.uuid, Name: b.vm.name, Status: vmStatusOf(b) };
}

/** A task's view as an RDV Job. */
function jobOf(task: Task, info: JobInfo, locale: Locale): RdvJob {
  const status: JobStatus = task.state === 'running' || task.state === 'queued' ? 'RUNNING' : task.state === 'success' ? 'COMPLETED' : 'FAILED';
  let code: VmError = 'ERROR_VM_SUCCESS';
  let detail: string | null = null;
  if (status === 'FAILED') {
    const e = task.error ?? { kind: 'internal' as const, message: `the job ended ${task.state}` };
    code = jobErrorOf(e, brokerJobPhase(e.message), info.resumed);
    detail = detailedError(code, locale, e.message);
  }
  return { DetailedErrorString: detail, ErrorID: code, ID: task.id, Name: info.name, Progress: task.progress, Status: status, Step: task.step };
}

function onTask(state: RdvState, task: Task): void {
  const info = state.jobs.get(task.id);
  if (!info) return;
  const final = task.state !== 'running' && task.state !== 'queued';
  if (final) state.jobs.delete(task.id);
  if (info.callbacks.length > 0) state.callbacks.send(task.id, info.callbacks, jobOf(task, info, 'en-US'), final);
}

// ---- replies ----------------------------------------------------------------

function sendXml(reply: FastifyReply, xml: string): FastifyReply {
  return reply.code(200).header('content-type', 'text/xml; charset=utf-8').send(xml);
}

function sendFault(reply: FastifyReply, f: SoapFault): FastifyReply {
  return reply.code(f.status).header('content-type', 'text/xml; charset=utf-8').send(encodeFault(f.code, f.message));
}

/** StartVM/PlaceVM refused before a job exists: a fault whose detail is the VMError. */
function sendVmFault(reply: FastifyReply, code: VmError, locale: Locale, detail: string | null): FastifyReply {
  const text = detailedError(code, locale, detail);
  const xml = encodeFault('Client', text).replace('</s:Fault>', `<detail><VMError xmlns="${NS_DATA}">${code}</VMError><DetailedErrorString xmlns="${NS_DATA}">${esc(text)}</DetailedErrorString></detail></s:Fault>`);
  return reply.code(500).header('content-type', 'text/xml; charset=utf-8').send(xml);
}

function opError(reply: FastifyReply, op: 'GetVM' | 'StartVM' | 'PlaceVM', code: VmError, locale: Locale, detail: string): FastifyReply {
  if (op === 'GetVM') return sendXml(reply, encodeGetVmResponse({ DetailedErrorString: detailedError(code, locale, detail), ErrorID: code, VMList: null }));
  return sendVmFault(reply, code, locale, detail);
}

/**
 * `VapiClient`: a typed client of the vSphere Automation API, over either flavour —
 * JSON-RPC (`POST /api`, what the official Python/Java SDKs send) or REST (`/api/...`).
 * It speaks the same wire as vCenter, so it works against vmgate and a real vCenter alike.
 *
 * ```ts
 * const c = new VapiClient({ server: 'https://vmgate.local:8443', insecure: true, flavour: 'jsonrpc' });
 * await c.login('administrator@vsphere.local', 'pw');
 * for (const vm of await c.vm.list({ power_states: ['POWERED_ON'] })) console.log(vm.vm, vm.name);
 * const taskId = await c.vm.clone({ source: 'vm-1', name: 'copy' }, { task: true });
 * await c.tasks.wait(taskId, (t) => console.log(t.progress?.completed));
 * await c.logout();
 * ```
 * Values are plain objects in the clean shape (snake_case fields as on the wire, unset
 * optionals absent). API errors throw {@link VapiError}; protocol failures
 * {@link VapiProtocolError}.
 */
import type { Readable } from 'node:stream';
import type { InputOf, OperationDef, OutputOf, ServiceDef } from '../../protocols/vapi/types/operation.ts';
import { findOperation, SessionService } from '../../protocols/vapi/types/index.ts';
import type { TaskInfo, VmGuestCredentials, VmGuestFilesystemTransfersFileCreationAttributes } from '../../protocols/vapi/types/index.ts';
import { DecodeError } from '../../protocols/vapi/codec/decode-result.ts';
import { SecurityScheme, VapiHeader } from '../../protocols/vapi/codec/jsonrpc-envelope.ts';
import { decodeOperationOutput, encodeOperationInput } from '../../protocols/vapi/codec/operation-codec.ts';
import { buildRestRequest, decodeRestOutput } from '../../protocols/vapi/codec/rest-json.ts';
import { decodeGeneric } from '../../protocols/vapi/codec/value-codec.ts';
import type { CallOptions } from './call-options.ts';
import type { WireSecurityContext } from './connectors.ts';
import { JsonRpcConnector, RestConnector, USER_AGENT, vapiErrorFromFields } from './connectors.ts';
import { vapiServices } from './services.generated.ts';
import type { TransportOptions } from './transport.ts';
import { Transport } from './transport.ts';
import { VapiError, VapiProtocolError } from './vapi-error.ts';

export type { CallOptions, TaskOption } from './call-options.ts';

export type VapiFlavour = 'jsonrpc' | 'rest';

export interface VapiClientOptions extends TransportOptions {
  /** `https://host:port` (or `http://127.0.0.1:port` for a loopback listener). */
  readonly server: string;
  /** Which wire to speak; default `jsonrpc`. */
  readonly flavour?: VapiFlavour;
  /** JSON-RPC endpoint; default `/api`. */
  readonly jsonRpcPath?: string;
  /** Reuse a session token obtained elsewhere. */
  readonly sessionId?: string;
}

export interface WaitOptions extends CallOptions {
  /** Poll interval; default 500 ms. */
  readonly intervalMs?: number;
  /** Give up (throw) after this long; default: wait forever. */
  readonly timeoutMs?: number;
}

type Ops<S extends ServiceDef> = S['operations'];
type OpName<S extends ServiceDef> = keyof Ops<S> & string;

export class VapiClient {
  readonly flavour: VapiFlavour;
  readonly server: string;
  /** The current session token (after {@link login}), sent with every call. */
  sessionId: string | undefined;

  private readonly transport: Transport;
  private readonly jsonrpc: JsonRpcConnector;
  private readonly rest: RestConnector;

  constructor(options: VapiClientOptions) {
    this.server = options.server.replace(/\/+$/, '');
    this.flavour = options.flavour ?? 'jsonrpc';
    this.sessionId = options.sessionId;
    this.transport = new Transport(options);
    this.jsonrpc = new JsonRpcConnector(this.transport, `${this.server}${options.jsonRpcPath ?? '/api'}`);
    this.rest = new RestConnector(this.transport, this.server);
  }

  // -------------------------------------------------------------------------------------
  // Session

  /** Creates a session (user + password) and keeps its token for later calls. */
  async login(user: string, password: string, options: CallOptions = {}): Promise<string> {
    let token: unknown;
    if (this.flavour === 'jsonrpc') {
      const security = { schemeId: SecurityScheme.USER_PASS, userName: user, password };
      token = await this.invokeOp(SessionService.id, 'create', SessionService.operations.create, {}, security, options);
    } else {
      const basic = Buffer.from(`${user}:${password}`, 'utf8').toString('base64');
      const reply = await this.rest.send('POST', '/api/session', undefined, { authorization: `Basic ${basic}` }, options.signal);
      token = reply.body;
    }
    if (typeof token !== 'string' || token === '') {
      throw new VapiProtocolError(-32602, 'session create did not return a session token');
    }
    this.sessionId = token;
    return token;
  }

  /** Deletes the session (if any) and forgets it. */
  async logout(options: CallOptions = {}): Promise<void> {
    if (this.sessionId === undefined) return;
    try {
      await this.callOp(SessionService.id, 'delete', SessionService.operations.delete, {}, options);
    } finally {
      this.sessionId = undefined;
    }
  }

  /** Closes idle connections. */
  close(): void {
    this.transport.close();
  }

  // -------------------------------------------------------------------------------------
  // Generic calls

  /** Calls an operation of the registry with a plain input; returns its plain output. */
  async call<S extends ServiceDef, K extends OpName<S>>(
    svc: S,
    operationId: K,
    input: NoInfer<InputOf<Ops<S>[K]>>,
    options: CallOptions = {},
  ): Promise<OutputOf<Ops<S>[K]>> {
    const op = svc.operations[operationId] as OperationDef;
    return (await this.callOp(svc.id, operationId, op, input as Record<string, unknown>, options)) as OutputOf<Ops<S>[K]>;
  }

  private callOp(
    serviceId: string,
    operationId: string,
    op: OperationDef,
    input: Readonly<Record<string, unknown>>,
    options: CallOptions,
  ): Promise<unknown> {
    return this.flavour === 'jsonrpc'
      ? this.invokeOp(serviceId, operationId, op, input, this.securityContext(), options)
      : this.restOp(op, input, options);
  }

  /**
   * Raw JSON-RPC invoke. For an operation vmgate's registry knows, `input` is the plain
   * input object and the result the plain output; for any other operation `input` must be
   * the specialized `operation-input` value and the result is the output with its
   * wrappers dropped.
   */
  async invoke(serviceId: string, operationId: string, input: unknown, options: CallOptions = {}): Promise<unknown> {
    const op = findOperation(serviceId, operationId);
    if (op !== undefined) return this.invokeOp(serviceId, operationId, op, input as Record<string, unknown>, this.securityContext(), options);
    const out = await this.jsonrpc.invoke(serviceId, operationId, input, this.securityContext(), options.signal);
    return decodeGeneric(out);
  }

  /** Raw REST call: `body` is plain JSON; returns the parsed reply body (undefined if empty). */
  async request(method: string, path: string, body?: unknown, options: CallOptions = {}): Promise<unknown> {
    const reply = await this.rest.send(method, path, body, this.restHeaders(), options.signal);
    return reply.body;
  }

  private securityContext(): WireSecurityContext {
    return this.sessionId === undefined ? undefined : { schemeId: SecurityScheme.SESSION_ID, sessionId: this.sessionId };
  }

  private restHeaders(): Record<string, string> {
    return this.sessionId === undefined ? {} : { [VapiHeader.SESSION]: this.sessionId };
  }

  private async invokeOp(
    serviceId: string,
    operationId: string,
    op: OperationDef,
    input: Readonly<Record<string, unknown>>,
    security: WireSecurityContext,
    options: CallOptions,
  ): Promise<unknown> {
    const wire = encodeOperationInput(op, input, 'specialized');
    const out = await this.jsonrpc.invoke(serviceId, operationId, wire, security, options.signal);
    const decoded = decodeOperationOutput(op, out, 'specialized');
    if (!decoded.ok) throw new DecodeError(decoded.issues);
    return decoded.value;
  }

  private async restOp(op: OperationDef, input: Readonly<Record<string, unknown>>, options: CallOptions): Promise<unknown> {
    const req = buildRestRequest(op, input);
    const reply = await this.rest.send(req.method, req.path, req.body, this.restHeaders(), options.signal);
    const decoded = decodeRestOutput(op, reply.body);
    if (!decoded.ok) throw new DecodeError(decoded.issues);
    return decoded.value;
  }

  // -------------------------------------------------------------------------------------
  // Services: one typed method per operation of the registry (services.generated.ts),
  // plus what takes more than one call (task waits, file transfers).

  private readonly services = vapiServices((svc, operationId, input, options) => this.call(svc, operationId, input, options));

  readonly session = this.services.session;
  readonly vm = this.services.vm;
  readonly power = this.services.power;
  /** Virtual hardware: version and upgrade, and the devices (ethernet, floppy, serial, parallel, adapter.*). */
  readonly hardware = this.services.hardware;
  /** The VM's tools: state and upgrade policy. */
  readonly tools = this.services.tools;
  /** Console tickets: a one-time `wss://` URL to vmgate's WebSocket console proxy. */
  readonly console = this.services.console;

  readonly guest = {
    ...this.services.guest,
    transfers: {
      ...this.services.guest.transfers,
      /** Creates a transfer for `guestPath` and PUTs `data` to it. */
      uploadFile: async (
        vm: string,
        credentials: VmGuestCredentials,
        guestPath: string,
        data: Uint8Array | string,
        attributes: Omit<VmGuestFilesystemTransfersFileCreationAttributes, 'size'> = {},
        options: CallOptions = {},
      ): Promise<void> => {
        const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
        const uri = await this.services.guest.transfers.create(
          vm,
          credentials,
          { path: guestPath, attributes: { ...attributes, size: bytes.byteLength } },
          options,
        );
        await this.transferRequest('PUT', uri, bytes, options);
      },
      /** Creates a transfer for `guestPath` and GETs the file. */
      downloadFile: async (vm: string, credentials: VmGuestCredentials, guestPath: string, options: CallOptions = {}): Promise<Buffer> => {
        const uri = await this.services.guest.transfers.create(vm, credentials, { path: guestPath }, options);
        return this.transferRequest('GET', uri, undefined, options);
      },
    },
  };

  /** Hosts. vSphere 7.0.3 has no `host.get`; use `list({ hosts: [id] })`. */
  readonly host = this.services.host;
  readonly datacenter = this.services.datacenter;
  readonly cluster = this.services.cluster;
  readonly datastore = this.services.datastore;
  readonly network = this.services.network;
  readonly folder = this.services.folder;
  readonly resourcePool = this.services.resourcePool;

  readonly tasks = {
    ...this.services.tasks,
    /**
     * Polls a task until it ends. Calls `onProgress` with every poll's info; resolves with
     * the final info (its `result` holds the operation's output) when it SUCCEEDED;
     * throws the task's error as a {@link VapiError} when it FAILED.
     */
    wait: async (task: string, onProgress?: (info: TaskInfo) => void, options: WaitOptions = {}): Promise<TaskInfo> => {
      const interval = options.intervalMs ?? 500;
      const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
      for (;;) {
        const info = await this.services.tasks.get(task, undefined, options);
        onProgress?.(info);
        if (info.status === 'SUCCEEDED') return info;
        if (info.status === 'FAILED') {
          throw info.error === undefined
            ? new VapiError({ errorType: 'ERROR', messages: [info.description] })
            : vapiErrorFromFields(info.error);
        }
        if (Date.now() + interval > deadline) {
          throw new VapiError({
            errorType: 'TIMED_OUT',
            messages: [{ id: 'vmgate.client.task.timeout', default_message: `task ${task} still ${info.status} after ${options.timeoutMs} ms`, args: [] }],
          });
        }
        await sleep(interval, options.signal);
      }
    },
  };

  /**
   * vmgate's own services (`com.vmgate.*`, REST under `/api/vmgate/...`): snapshots,
   * guest programs with their output, users, groups, roles, permissions, desktop pools,
   * events. Only a vmgate server answers these.
   */
  readonly vmgate = this.services.vmgate;

  /** PUT/GET on a guest transfer URI (served by the VM's host, possibly another server). */
  private async transferRequest(method: 'PUT' | 'GET', uri: string, body: Uint8Array | Readable | undefined, options: CallOptions): Promise<Buffer> {
    const url = new URL(uri, this.server);
    // vSphere may leave the host as "*", meaning "the server you asked".
    if (url.hostname === '*') url.host = new URL(this.server).host;
    const res = await this.transport.request({
      method,
      url: url.toString(),
      headers: { 'user-agent': USER_AGENT, ...(body === undefined ? {} : { 'content-type': 'application/octet-stream' }) },
      ...(body === undefined ? {} : { body }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    if (res.status < 200 || res.status >= 300) {
      throw new VapiProtocolError(-32300, `HTTP ${res.status} from ${method} ${url.pathname}`, {
        httpStatus: res.status,
        data: res.body.toString('utf8').slice(0, 500),
      });
    }
    return res.body;
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

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
import { findOperation } from '../../protocols/vapi/types/index.ts';
import type {
  ClusterFilterSpec,
  DatacenterCreateSpec,
  DatacenterFilterSpec,
  DatastoreFilterSpec,
  FolderFilterSpec,
  HostCreateSpec,
  HostFilterSpec,
  NetworkFilterSpec,
  ResourcePoolCreateSpec,
  ResourcePoolFilterSpec,
  ResourcePoolUpdateSpec,
  TaskInfo,
  TasksFilterSpec,
  TasksGetSpec,
  VMCloneSpec,
  VMCreateSpec,
  VMFilterSpec,
  VMInstantCloneSpec,
  VMRegisterSpec,
  VMRelocateSpec,
  VmGuestCredentials,
  VmGuestFilesystemFilesFileAttributesUpdateSpec,
  VmGuestFilesystemFilesFilterSpec,
  VmGuestFilesystemFilesIterationSpec,
  VmGuestFilesystemTransfersCreateSpec,
  VmGuestFilesystemTransfersFileCreationAttributes,
  VmGuestProcessesCreateSpec,
  VmHardwareUpdateSpec,
  VmHardwareVersion,
  VmgateEventInfo,
  VmgateGroupCreateSpec,
  VmgateGuestProgramsResult,
  VmgateGuestProgramsRunSpec,
  VmgatePermissionSetSpec,
  VmgatePoolCreateSpec,
  VmgateRoleCreateSpec,
  VmgateSnapshotCreateSpec,
  VmgateUserCreateSpec,
  VmgateUserUpdateSpec,
} from '../../protocols/vapi/types/index.ts';
import {
  ClusterService,
  DatacenterService,
  DatastoreService,
  FolderService,
  HostService,
  NetworkService,
  ResourcePoolService,
  SessionService,
  TasksService,
  VMService,
  VmGuestFilesystemDirectoriesService,
  VmGuestFilesystemFilesService,
  VmGuestFilesystemTransfersService,
  VmGuestIdentityService,
  VmGuestPowerService,
  VmGuestProcessesService,
  VmHardwareService,
  VmPowerService,
  VmgateEventsService,
  VmgateGroupsService,
  VmgateGuestProgramsService,
  VmgatePermissionsService,
  VmgatePoolEntitlementsService,
  VmgatePoolsService,
  VmgateRolesService,
  VmgateSnapshotsService,
  VmgateUsersService,
} from '../../protocols/vapi/types/index.ts';
import { DecodeError } from '../../protocols/vapi/codec/decode-result.ts';
import { SecurityScheme, VapiHeader } from '../../protocols/vapi/codec/jsonrpc-envelope.ts';
import { decodeOperationOutput, encodeOperationInput } from '../../protocols/vapi/codec/operation-codec.ts';
import { buildRestRequest, decodeRestOutput } from '../../protocols/vapi/codec/rest-json.ts';
import { decodeGeneric } from '../../protocols/vapi/codec/value-codec.ts';
import type { WireSecurityContext } from './connectors.ts';
import { JsonRpcConnector, RestConnector, USER_AGENT, vapiErrorFromFields } from './connectors.ts';
import type { TransportOptions } from './transport.ts';
import { Transport } from './transport.ts';
import { VapiError, VapiProtocolError } from './vapi-error.ts';

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

export interface CallOptions {
  readonly signal?: AbortSignal;
}
export interface TaskOption extends CallOptions {
  /** Start the operation as a task and return its id (`$task` / `vmw-task=true`). */
  readonly task?: boolean;
}

export interface SnapshotDeleteOptions extends TaskOption {
  /** Delete the snapshot's whole subtree too (else its children move up to its parent). */
  readonly removeChildren?: boolean;
}

/** Filter of `vmgate.events.list`: one object's events, how many, before which id (paging). */
export interface EventsFilter {
  readonly object?: string;
  readonly limit?: number;
  readonly before?: number;
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
  // Services

  readonly session = {
    /** Who the session belongs to. */
    get: (options?: CallOptions) => this.call(SessionService, 'get', {}, options),
  };

  readonly vm = {
    list: (filter?: VMFilterSpec, options?: CallOptions) =>
      this.call(VMService, 'list', filter === undefined ? {} : { filter }, options),
    get: (vm: string, options?: CallOptions) => this.call(VMService, 'get', { vm }, options),
    create: (spec: VMCreateSpec, options?: CallOptions) => this.call(VMService, 'create', { spec }, options),
    delete: (vm: string, options?: CallOptions) => this.call(VMService, 'delete', { vm }, options),
    register: (spec: VMRegisterSpec, options?: CallOptions) => this.call(VMService, 'register', { spec }, options),
    unregister: (vm: string, options?: CallOptions) => this.call(VMService, 'unregister', { vm }, options),
    /** The new VM's id, or with `{ task: true }` the id of the clone task. */
    clone: (spec: VMCloneSpec, options: TaskOption = {}): Promise<string> =>
      options.task === true
        ? this.call(VMService, 'clone$task', { spec }, options)
        : this.call(VMService, 'clone', { spec }, options),
    /** Nothing, or with `{ task: true }` the id of the relocate task. */
    relocate: (async (vm: string, spec: VMRelocateSpec, options: TaskOption = {}): Promise<string | undefined> =>
      options.task === true
        ? this.call(VMService, 'relocate$task', { vm, spec }, options)
        : this.call(VMService, 'relocate', { vm, spec }, options)) as {
      (vm: string, spec: VMRelocateSpec, options?: CallOptions & { readonly task?: false }): Promise<undefined>;
      (vm: string, spec: VMRelocateSpec, options: CallOptions & { readonly task: true }): Promise<string>;
    },
    instantClone: (spec: VMInstantCloneSpec, options?: CallOptions) => this.call(VMService, 'instant_clone', { spec }, options),
  };

  readonly power = {
    get: (vm: string, options?: CallOptions) => this.call(VmPowerService, 'get', { vm }, options),
    start: (vm: string, options?: CallOptions) => this.call(VmPowerService, 'start', { vm }, options),
    stop: (vm: string, options?: CallOptions) => this.call(VmPowerService, 'stop', { vm }, options),
    suspend: (vm: string, options?: CallOptions) => this.call(VmPowerService, 'suspend', { vm }, options),
    reset: (vm: string, options?: CallOptions) => this.call(VmPowerService, 'reset', { vm }, options),
  };

  readonly hardware = {
    get: (vm: string, options?: CallOptions) => this.call(VmHardwareService, 'get', { vm }, options),
    update: (vm: string, spec: VmHardwareUpdateSpec, options?: CallOptions) =>
      this.call(VmHardwareService, 'update', { vm, spec }, options),
    upgrade: (vm: string, version?: VmHardwareVersion, options?: CallOptions) =>
      this.call(VmHardwareService, 'upgrade', version === undefined ? { vm } : { vm, version }, options),
  };

  readonly guest = {
    processes: {
      /** Starts a program; returns its pid. */
      create: (vm: string, credentials: VmGuestCredentials, spec: VmGuestProcessesCreateSpec, options?: CallOptions) =>
        this.call(VmGuestProcessesService, 'create', { vm, credentials, spec }, options),
      list: (vm: string, credentials: VmGuestCredentials, options?: CallOptions) =>
        this.call(VmGuestProcessesService, 'list', { vm, credentials }, options),
      get: (vm: string, credentials: VmGuestCredentials, pid: number, options?: CallOptions) =>
        this.call(VmGuestProcessesService, 'get', { vm, credentials, pid }, options),
      delete: (vm: string, credentials: VmGuestCredentials, pid: number, options?: CallOptions) =>
        this.call(VmGuestProcessesService, 'delete', { vm, credentials, pid }, options),
    },
    files: {
      list: (
        vm: string,
        credentials: VmGuestCredentials,
        path: string,
        more: { iteration?: VmGuestFilesystemFilesIterationSpec; filter?: VmGuestFilesystemFilesFilterSpec } = {},
        options?: CallOptions,
      ) => this.call(VmGuestFilesystemFilesService, 'list', { vm, credentials, path, ...more }, options),
      get: (vm: string, credentials: VmGuestCredentials, path: string, options?: CallOptions) =>
        this.call(VmGuestFilesystemFilesService, 'get', { vm, credentials, path }, options),
      delete: (vm: string, credentials: VmGuestCredentials, path: string, options?: CallOptions) =>
        this.call(VmGuestFilesystemFilesService, 'delete', { vm, credentials, path }, options),
      move: (vm: string, credentials: VmGuestCredentials, path: string, newPath: string, overwrite?: boolean, options?: CallOptions) =>
        this.call(
          VmGuestFilesystemFilesService,
          'move',
          overwrite === undefined ? { vm, credentials, path, new_path: newPath } : { vm, credentials, path, new_path: newPath, overwrite },
          options,
        ),
      update: (
        vm: string,
        credentials: VmGuestCredentials,
        path: string,
        fileAttributes: VmGuestFilesystemFilesFileAttributesUpdateSpec,
        options?: CallOptions,
      ) => this.call(VmGuestFilesystemFilesService, 'update', { vm, credentials, path, file_attributes: fileAttributes }, options),
      /** Creates an empty temporary file; returns its path. */
      createTemporary: (
        vm: string,
        credentials: VmGuestCredentials,
        prefix: string,
        suffix: string,
        parentPath?: string,
        options?: CallOptions,
      ) =>
        this.call(
          VmGuestFilesystemFilesService,
          'create_temporary',
          parentPath === undefined ? { vm, credentials, prefix, suffix } : { vm, credentials, prefix, suffix, parent_path: parentPath },
          options,
        ),
    },
    directories: {
      create: (vm: string, credentials: VmGuestCredentials, path: string, createParents?: boolean, options?: CallOptions) =>
        this.call(
          VmGuestFilesystemDirectoriesService,
          'create',
          createParents === undefined ? { vm, credentials, path } : { vm, credentials, path, create_parents: createParents },
          options,
        ),
      delete: (vm: string, credentials: VmGuestCredentials, path: string, recursive?: boolean, options?: CallOptions) =>
        this.call(
          VmGuestFilesystemDirectoriesService,
          'delete',
          recursive === undefined ? { vm, credentials, path } : { vm, credentials, path, recursive },
          options,
        ),
      move: (vm: string, credentials: VmGuestCredentials, path: string, newPath: string, options?: CallOptions) =>
        this.call(VmGuestFilesystemDirectoriesService, 'move', { vm, credentials, path, new_path: newPath }, options),
      createTemporary: (
        vm: string,
        credentials: VmGuestCredentials,
        prefix: string,
        suffix: string,
        parentPath?: string,
        options?: CallOptions,
      ) =>
        this.call(
          VmGuestFilesystemDirectoriesService,
          'create_temporary',
          parentPath === undefined ? { vm, credentials, prefix, suffix } : { vm, credentials, prefix, suffix, parent_path: parentPath },
          options,
        ),
    },
    transfers: {
      /** A one-shot URI: PUT to it when `spec.attributes` is set (upload), else GET (download). */
      create: (vm: string, credentials: VmGuestCredentials, spec: VmGuestFilesystemTransfersCreateSpec, options?: CallOptions) =>
        this.call(VmGuestFilesystemTransfersService, 'create', { vm, credentials, spec }, options),
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
        const uri = await this.guest.transfers.create(
          vm,
          credentials,
          { path: guestPath, attributes: { ...attributes, size: bytes.byteLength } },
          options,
        );
        await this.transferRequest('PUT', uri, bytes, options);
      },
      /** Creates a transfer for `guestPath` and GETs the file. */
      downloadFile: async (vm: string, credentials: VmGuestCredentials, guestPath: string, options: CallOptions = {}): Promise<Buffer> => {
        const uri = await this.guest.transfers.create(vm, credentials, { path: guestPath }, options);
        return this.transferRequest('GET', uri, undefined, options);
      },
    },
    identity: {
      get: (vm: string, options?: CallOptions) => this.call(VmGuestIdentityService, 'get', { vm }, options),
    },
    power: {
      get: (vm: string, options?: CallOptions) => this.call(VmGuestPowerService, 'get', { vm }, options),
      shutdown: (vm: string, options?: CallOptions) => this.call(VmGuestPowerService, 'shutdown', { vm }, options),
      reboot: (vm: string, options?: CallOptions) => this.call(VmGuestPowerService, 'reboot', { vm }, options),
      standby: (vm: string, options?: CallOptions) => this.call(VmGuestPowerService, 'standby', { vm }, options),
    },
  };

  /** Hosts. vSphere 7.0.3 has no `host.get`; use `list({ hosts: [id] })`. */
  readonly host = {
    list: (filter?: HostFilterSpec, options?: CallOptions) =>
      this.call(HostService, 'list', filter === undefined ? {} : { filter }, options),
    create: (spec: HostCreateSpec, options?: CallOptions) => this.call(HostService, 'create', { spec }, options),
    delete: (host: string, options?: CallOptions) => this.call(HostService, 'delete', { host }, options),
    connect: (host: string, options?: CallOptions) => this.call(HostService, 'connect', { host }, options),
    disconnect: (host: string, options?: CallOptions) => this.call(HostService, 'disconnect', { host }, options),
  };

  readonly datacenter = {
    list: (filter?: DatacenterFilterSpec, options?: CallOptions) =>
      this.call(DatacenterService, 'list', filter === undefined ? {} : { filter }, options),
    get: (datacenter: string, options?: CallOptions) => this.call(DatacenterService, 'get', { datacenter }, options),
    create: (spec: DatacenterCreateSpec, options?: CallOptions) => this.call(DatacenterService, 'create', { spec }, options),
    delete: (datacenter: string, force?: boolean, options?: CallOptions) =>
      this.call(DatacenterService, 'delete', force === undefined ? { datacenter } : { datacenter, force }, options),
  };

  readonly cluster = {
    list: (filter?: ClusterFilterSpec, options?: CallOptions) =>
      this.call(ClusterService, 'list', filter === undefined ? {} : { filter }, options),
    get: (cluster: string, options?: CallOptions) => this.call(ClusterService, 'get', { cluster }, options),
  };

  readonly datastore = {
    list: (filter?: DatastoreFilterSpec, options?: CallOptions) =>
      this.call(DatastoreService, 'list', filter === undefined ? {} : { filter }, options),
    get: (datastore: string, options?: CallOptions) => this.call(DatastoreService, 'get', { datastore }, options),
  };

  readonly network = {
    list: (filter?: NetworkFilterSpec, options?: CallOptions) =>
      this.call(NetworkService, 'list', filter === undefined ? {} : { filter }, options),
  };

  readonly folder = {
    list: (filter?: FolderFilterSpec, options?: CallOptions) =>
      this.call(FolderService, 'list', filter === undefined ? {} : { filter }, options),
  };

  readonly resourcePool = {
    list: (filter?: ResourcePoolFilterSpec, options?: CallOptions) =>
      this.call(ResourcePoolService, 'list', filter === undefined ? {} : { filter }, options),
    get: (resourcePool: string, options?: CallOptions) =>
      this.call(ResourcePoolService, 'get', { resource_pool: resourcePool }, options),
    create: (spec: ResourcePoolCreateSpec, options?: CallOptions) => this.call(ResourcePoolService, 'create', { spec }, options),
    update: (resourcePool: string, spec: ResourcePoolUpdateSpec, options?: CallOptions) =>
      this.call(ResourcePoolService, 'update', { resource_pool: resourcePool, spec }, options),
    delete: (resourcePool: string, options?: CallOptions) =>
      this.call(ResourcePoolService, 'delete', { resource_pool: resourcePool }, options),
  };

  readonly tasks = {
    get: (task: string, spec?: TasksGetSpec, options?: CallOptions) =>
      this.call(TasksService, 'get', spec === undefined ? { task } : { task, spec }, options),
    list: (filterSpec?: TasksFilterSpec, resultSpec?: TasksGetSpec, options?: CallOptions) =>
      this.call(
        TasksService,
        'list',
        { ...(filterSpec === undefined ? {} : { filter_spec: filterSpec }), ...(resultSpec === undefined ? {} : { result_spec: resultSpec }) },
        options,
      ),
    cancel: (task: string, options?: CallOptions) => this.call(TasksService, 'cancel', { task }, options),
    /**
     * Polls a task until it ends. Calls `onProgress` with every poll's info; resolves with
     * the final info (its `result` holds the operation's output) when it SUCCEEDED;
     * throws the task's error as a {@link VapiError} when it FAILED.
     */
    wait: async (task: string, onProgress?: (info: TaskInfo) => void, options: WaitOptions = {}): Promise<TaskInfo> => {
      const interval = options.intervalMs ?? 500;
      const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
      for (;;) {
        const info = await this.tasks.get(task, undefined, options);
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
  readonly vmgate = {
    snapshots: {
      /** The VM's snapshots, oldest first, each with its parent and children. */
      list: (vm: string, options?: CallOptions) => this.call(VmgateSnapshotsService, 'list', { vm }, options),
      /** A snapshot by id or by name ('a/b' walks the tree by names). */
      get: (vm: string, snapshot: string, options?: CallOptions) => this.call(VmgateSnapshotsService, 'get', { vm, snapshot }, options),
      /** The new snapshot's id, or with `{ task: true }` the id of the task taking it. */
      create: (vm: string, spec: VmgateSnapshotCreateSpec, options: TaskOption = {}): Promise<string> =>
        options.task === true
          ? this.call(VmgateSnapshotsService, 'create$task', { vm, spec }, options)
          : this.call(VmgateSnapshotsService, 'create', { vm, spec }, options),
      /** Nothing, or with `{ task: true }` the id of the revert task. */
      revert: (async (vm: string, snapshot: string, options: TaskOption = {}): Promise<string | undefined> =>
        options.task === true
          ? this.call(VmgateSnapshotsService, 'revert$task', { vm, snapshot }, options)
          : this.call(VmgateSnapshotsService, 'revert', { vm, snapshot }, options)) as {
        (vm: string, snapshot: string, options?: CallOptions & { readonly task?: false }): Promise<undefined>;
        (vm: string, snapshot: string, options: CallOptions & { readonly task: true }): Promise<string>;
      },
      /** Nothing, or with `{ task: true }` the id of the delete task. */
      delete: (async (vm: string, snapshot: string, options: SnapshotDeleteOptions = {}): Promise<string | undefined> => {
        const input = options.removeChildren === undefined ? { vm, snapshot } : { vm, snapshot, remove_children: options.removeChildren };
        return options.task === true
          ? this.call(VmgateSnapshotsService, 'delete$task', input, options)
          : this.call(VmgateSnapshotsService, 'delete', input, options);
      }) as {
        (vm: string, snapshot: string, options?: CallOptions & { readonly removeChildren?: boolean; readonly task?: false }): Promise<undefined>;
        (vm: string, snapshot: string, options: CallOptions & { readonly removeChildren?: boolean; readonly task: true }): Promise<string>;
      },
    },
    guest: {
      /**
       * Runs a program in the guest to its end: its pid, exit code and output. With
       * `{ task: true }` the id of the `guest.run` task instead (cancelling it kills the program).
       */
      run: (async (vm: string, credentials: VmGuestCredentials, spec: VmgateGuestProgramsRunSpec, options: TaskOption = {}): Promise<VmgateGuestProgramsResult | string> =>
        options.task === true
          ? this.call(VmgateGuestProgramsService, 'run$task', { vm, credentials, spec }, options)
          : this.call(VmgateGuestProgramsService, 'run', { vm, credentials, spec }, options)) as {
        (vm: string, credentials: VmGuestCredentials, spec: VmgateGuestProgramsRunSpec, options?: CallOptions & { readonly task?: false }): Promise<VmgateGuestProgramsResult>;
        (vm: string, credentials: VmGuestCredentials, spec: VmgateGuestProgramsRunSpec, options: CallOptions & { readonly task: true }): Promise<string>;
      },
    },
    users: {
      list: (options?: CallOptions) => this.call(VmgateUsersService, 'list', {}, options),
      /** By id or name. */
      get: (user: string, options?: CallOptions) => this.call(VmgateUsersService, 'get', { user }, options),
      /** The new user's id, and the password when vmgate generated it (no `spec.password`). */
      create: (spec: VmgateUserCreateSpec, options?: CallOptions) => this.call(VmgateUsersService, 'create', { spec }, options),
      update: (user: string, spec: VmgateUserUpdateSpec, options?: CallOptions) => this.call(VmgateUsersService, 'update', { user, spec }, options),
      /** One's own password needs `currentPassword`; an administrator resetting another's does not. */
      setPassword: (user: string, password: string, options?: CallOptions & { readonly currentPassword?: string }) =>
        this.call(VmgateUsersService, 'set_password', { user, password, ...(options?.currentPassword === undefined ? {} : { current_password: options.currentPassword }) }, options),
      unlock: (user: string, options?: CallOptions) => this.call(VmgateUsersService, 'unlock', { user }, options),
      delete: (user: string, options?: CallOptions) => this.call(VmgateUsersService, 'delete', { user }, options),
    },
    groups: {
      list: (options?: CallOptions) => this.call(VmgateGroupsService, 'list', {}, options),
      get: (group: string, options?: CallOptions) => this.call(VmgateGroupsService, 'get', { group }, options),
      create: (spec: VmgateGroupCreateSpec, options?: CallOptions) => this.call(VmgateGroupsService, 'create', { spec }, options),
      delete: (group: string, options?: CallOptions) => this.call(VmgateGroupsService, 'delete', { group }, options),
      addMembers: (group: string, users: readonly string[], options?: CallOptions) =>
        this.call(VmgateGroupsService, 'add_members', { group, users }, options),
      removeMembers: (group: string, users: readonly string[], options?: CallOptions) =>
        this.call(VmgateGroupsService, 'remove_members', { group, users }, options),
    },
    roles: {
      list: (options?: CallOptions) => this.call(VmgateRolesService, 'list', {}, options),
      create: (spec: VmgateRoleCreateSpec, options?: CallOptions) => this.call(VmgateRolesService, 'create', { spec }, options),
    },
    permissions: {
      /** All permissions, or those set on one object. */
      list: (entity?: string, options?: CallOptions) =>
        this.call(VmgatePermissionsService, 'list', entity === undefined ? {} : { entity }, options),
      /** Grants a role to `user:<name>` / `group:<name>` on an object; the permission's id. */
      set: (spec: VmgatePermissionSetSpec, options?: CallOptions) => this.call(VmgatePermissionsService, 'set', { spec }, options),
      delete: (permission: string, options?: CallOptions) => this.call(VmgatePermissionsService, 'delete', { permission }, options),
    },
    pools: {
      list: (options?: CallOptions) => this.call(VmgatePoolsService, 'list', {}, options),
      get: (pool: string, options?: CallOptions) => this.call(VmgatePoolsService, 'get', { pool }, options),
      create: (spec: VmgatePoolCreateSpec, options?: CallOptions) => this.call(VmgatePoolsService, 'create', { spec }, options),
      delete: (pool: string, options?: CallOptions) => this.call(VmgatePoolsService, 'delete', { pool }, options),
      addVms: (pool: string, vms: readonly string[], options?: CallOptions) => this.call(VmgatePoolsService, 'add_vms', { pool, vms }, options),
      removeVms: (pool: string, vms: readonly string[], options?: CallOptions) =>
        this.call(VmgatePoolsService, 'remove_vms', { pool, vms }, options),
      enable: (pool: string, options?: CallOptions) => this.call(VmgatePoolsService, 'enable', { pool }, options),
      disable: (pool: string, options?: CallOptions) => this.call(VmgatePoolsService, 'disable', { pool }, options),
      entitlements: {
        list: (pool: string, options?: CallOptions) => this.call(VmgatePoolEntitlementsService, 'list', { pool }, options),
        /** Entitles `user:<name>` / `group:<name>`; the entitlement's id (the existing one if already entitled). */
        add: (pool: string, principal: string, options?: CallOptions) =>
          this.call(VmgatePoolEntitlementsService, 'add', { pool, principal }, options),
        remove: (pool: string, principal: string, options?: CallOptions) =>
          this.call(VmgatePoolEntitlementsService, 'remove', { pool, principal }, options),
      },
    },
    events: {
      /** Newest first. */
      list: (filter: EventsFilter = {}, options?: CallOptions): Promise<readonly VmgateEventInfo[]> =>
        this.call(VmgateEventsService, 'list', filter, options),
    },
  };

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

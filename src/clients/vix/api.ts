/**
 * The faithful API: the functions of the VIX Programming Guide 1.0 with their names and
 * argument order. Out-parameters become return values: `const [err, host] =
 * VixJob_Wait(job, VIX_PROPERTY_JOB_RESULT_HANDLE, VIX_PROPERTY_NONE)`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { XmlElement, XmlValue } from '../../protocols/vmserverd/index.ts';
import * as C from './constants.ts';
import type { VixErrorCode, VixEventProc, VixHandle } from './constants.ts';
import type { ErrorContext } from './errors.ts';
import { vixErrorOf } from './errors.ts';
import type { HostObj, JobBody, JobObj, Obj, Reply, SnapshotInfo, SnapshotObj, Step, VmInfo, VmObj } from './runtime.ts';
import { VixFail, addRef, closeHost, event, failedJob, handleTypeOf, handles, lookup, newHandle, pumpAll, pumpHost, release, startConnect, startJob, syncExec, waitJob } from './runtime.ts';

type Cb = VixEventProc | null | undefined;

// ---- helpers ------------------------------------------------------------------------

function kid(el: XmlElement | undefined, name: string): XmlElement | undefined {
  return el?.children.find((c) => c.name === name);
}
function txt(el: XmlElement | undefined, name: string): string {
  return kid(el, name)?.text ?? '';
}
function raw(el: XmlElement | undefined, name: string): string {
  return kid(el, name)?.rawText ?? '';
}

function vmInfoOf(out: XmlElement | undefined): VmInfo {
  return { vmx: txt(out, 'vmx'), name: txt(out, 'name'), guestOS: txt(out, 'guestOS'), numCPU: Number(txt(out, 'numCPU')), memoryMB: Number(txt(out, 'memoryMB')), powerState: txt(out, 'powerState'), toolsState: txt(out, 'toolsState'), hwVersion: Number(txt(out, 'hwVersion')) };
}

const POWER_BITS = new Map<string, number>([
  ['poweredOff', C.VIX_POWERSTATE_POWERED_OFF],
  ['poweringOn', C.VIX_POWERSTATE_POWERING_ON],
  ['poweredOn', C.VIX_POWERSTATE_POWERED_ON],
  ['suspending', C.VIX_POWERSTATE_SUSPENDING],
  ['suspended', C.VIX_POWERSTATE_SUSPENDED],
  ['poweringOff', C.VIX_POWERSTATE_POWERING_OFF],
  ['resetting', C.VIX_POWERSTATE_RESETTING],
  ['paused', C.VIX_POWERSTATE_PAUSED],
]);
/** vmgate's power state (and tools state) as VIX power state bits. */
export function powerStateBits(powerState: string, toolsState = 'unknown'): number {
  return (POWER_BITS.get(powerState) ?? 0) | (toolsState === 'running' ? C.VIX_POWERSTATE_TOOLS_RUNNING : 0);
}
export function toolsStateOf(toolsState: string): number {
  if (toolsState === 'running') return C.VIX_TOOLSSTATE_RUNNING;
  if (toolsState === 'notInstalled') return C.VIX_TOOLSSTATE_NOT_INSTALLED;
  return C.VIX_TOOLSSTATE_UNKNOWN;
}

/** Runs `f`, turning a VixFail (bad handle, wrong type) into a job that failed at once. */
function job(cb: Cb, clientData: unknown, f: () => VixHandle): VixHandle {
  try {
    return f();
  } catch (e) {
    if (e instanceof VixFail) return failedJob(e.err, e.message, cb ?? null, clientData);
    throw e;
  }
}

function str(v: unknown, what: string): string {
  if (typeof v !== 'string' || v === '') throw new VixFail(C.VIX_E_INVALID_ARG, `${what} must be a non-empty string`);
  return v;
}

function vmJob(vmHandle: VixHandle, cb: Cb, clientData: unknown, body: (vm: VmObj, job: JobObj) => JobBody): VixHandle {
  return job(cb, clientData, () => {
    const vm = lookup(vmHandle, 'vm');
    if (vm.deleted) throw new VixFail(C.VIX_E_VM_NOT_FOUND, 'the virtual machine was deleted');
    return startJob(vm.host, (j) => body(vm, j), cb ?? null, clientData);
  });
}

function* refresh(vm: VmObj): JobBody {
  const r = yield { op: 'VM_INFO', input: { vmx: vm.vmx }, ctx: 'vm' };
  if (r?.ok) vm.info = vmInfoOf(r.out);
}

function* call(op: string, input: XmlValue, ctx: ErrorContext): Generator<Step | 'progress', XmlElement | undefined, Reply | undefined> {
  const r = yield { op, input, ctx };
  return r?.ok ? r.out : undefined;
}

/** The VM handle of a path on a host: the same handle while one is open (its count goes up). */
function vmHandleFor(host: HostObj, info: VmInfo, job: JobObj): VixHandle {
  let vm = host.vms.get(info.vmx);
  if (vm) {
    vm.info = info;
    vm.refs++;
  } else {
    vm = newHandle<VmObj>((id) => ({ id, refs: 1, kind: 'vm', host, vmx: info.vmx, info, guest: null, deleted: false, snapshots: new Map() }));
    host.vms.set(info.vmx, vm);
  }
  job.held.push(vm.id);
  job.props.set(C.VIX_PROPERTY_JOB_RESULT_HANDLE, vm.id);
  return vm.id;
}

function snapshotsOf(out: XmlElement | undefined): SnapshotInfo[] {
  return (kid(out, 'snapshots')?.children ?? []).map((s) => ({ id: txt(s, 'id'), name: txt(s, 'name'), parent: txt(s, 'parent'), description: raw(s, 'description'), powerState: txt(s, 'powerState'), current: txt(s, 'current') === '1' }));
}
/** A snapshot handle (the same one while open), with one more reference for the caller. */
function snapshotHandle(vm: VmObj, info: SnapshotInfo): VixHandle {
  let s = vm.snapshots.get(info.id);
  if (s) {
    s.info = info;
    s.refs++;
  } else {
    s = newHandle<SnapshotObj>((id) => ({ id, refs: 1, kind: 'snapshot', vm, info }));
    vm.snapshots.set(info.id, s);
  }
  return s.id;
}
function listSnapshots(vm: VmObj): SnapshotInfo[] {
  return snapshotsOf(syncExec(vm.host, 'VM_ListSnapshots', { vmx: vm.vmx }, 'snapshot'));
}

function guestOf(vm: VmObj): { guestUser: string; guestPassword: string } {
  if (!vm.guest) throw new VixFail(C.VIX_E_INVALID_AUTHENTICATION_SESSION, 'log in to the guest first (VixVM_LoginInGuest)');
  return { guestUser: vm.guest.user, guestPassword: vm.guest.password };
}

/** Splits a command line as a POSIX shell would split plain words and quotes (no expansion). */
export function splitCommandLine(line: string | null | undefined): string[] {
  if (!line) return [];
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote) {
      if (ch === quote) quote = null;
      else if (ch === '\\' && quote === '"' && i + 1 < line.length) cur += line[++i];
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (ch === '\\' && i + 1 < line.length) {
      cur += line[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (quote) throw new VixFail(C.VIX_E_INVALID_ARG, 'unbalanced quote in the command line');
  if (inWord) out.push(cur);
  return out;
}

// ---- Vix_* -----------------------------------------------------------------------------

export function Vix_ReleaseHandle(handle: VixHandle): void {
  release(handle);
}
export function Vix_AddRefHandle(handle: VixHandle): void {
  addRef(handle);
}
export function Vix_GetHandleType(handle: VixHandle): number {
  const o = handles.get(handle);
  return o ? handleTypeOf(o) : C.VIX_HANDLETYPE_NONE;
}
/** The guide frees strings with it; JavaScript strings need nothing. */
export function Vix_FreeBuffer(_p: unknown): void {}

const PROPERTY_TYPE = new Map<number, number>([
  [C.VIX_PROPERTY_HOST_HOSTTYPE, C.VIX_PROPERTYTYPE_INTEGER],
  [C.VIX_PROPERTY_HOST_API_VERSION, C.VIX_PROPERTYTYPE_INTEGER],
  [C.VIX_PROPERTY_VM_NUM_VCPUS, C.VIX_PROPERTYTYPE_INTEGER],
  [C.VIX_PROPERTY_VM_VMX_PATHNAME, C.VIX_PROPERTYTYPE_STRING],
  [C.VIX_PROPERTY_VM_MEMORY_SIZE, C.VIX_PROPERTYTYPE_INTEGER],
  [C.VIX_PROPERTY_VM_READ_ONLY, C.VIX_PROPERTYTYPE_BOOL],
  [C.VIX_PROPERTY_VM_NAME, C.VIX_PROPERTYTYPE_STRING],
  [C.VIX_PROPERTY_VM_GUESTOS, C.VIX_PROPERTYTYPE_STRING],
  [C.VIX_PROPERTY_VM_POWER_STATE, C.VIX_PROPERTYTYPE_INTEGER],
  [C.VIX_PROPERTY_VM_TOOLS_STATE, C.VIX_PROPERTYTYPE_INTEGER],
  [C.VIX_PROPERTY_VM_IS_RUNNING, C.VIX_PROPERTYTYPE_BOOL],
  [C.VIX_PROPERTY_VM_SUPPORTED_FEATURES, C.VIX_PROPERTYTYPE_INTEGER],
  [C.VIX_PROPERTY_JOB_RESULT_ERROR_CODE, C.VIX_PROPERTYTYPE_INT64],
  [C.VIX_PROPERTY_JOB_RESULT_USER_MESSAGE, C.VIX_PROPERTYTYPE_STRING],
  [C.VIX_PROPERTY_JOB_RESULT_EXIT_CODE, C.VIX_PROPERTYTYPE_INTEGER],
  [C.VIX_PROPERTY_JOB_RESULT_COMMAND_OUTPUT, C.VIX_PROPERTYTYPE_STRING],
  [C.VIX_PROPERTY_JOB_RESULT_HANDLE, C.VIX_PROPERTYTYPE_HANDLE],
  [C.VIX_PROPERTY_JOB_RESULT_GUEST_OBJECT_EXISTS, C.VIX_PROPERTYTYPE_BOOL],
  [C.VIX_PROPERTY_JOB_RESULT_GUEST_PROGRAM_ELAPSED_TIME, C.VIX_PROPERTYTYPE_INTEGER],
  [C.VIX_PROPERTY_JOB_RESULT_GUEST_PROGRAM_EXIT_CODE, C.VIX_PROPERTYTYPE_INTEGER],
  [C.VIX_PROPERTY_JOB_RESULT_ITEM_NAME, C.VIX_PROPERTYTYPE_STRING],
  [C.VIX_PROPERTY_JOB_RESULT_PROCESS_ID, C.VIX_PROPERTYTYPE_INT64],
  [C.VIX_PROPERTY_JOB_RESULT_PROCESS_OWNER, C.VIX_PROPERTYTYPE_STRING],
  [C.VIX_PROPERTY_JOB_RESULT_PROCESS_COMMAND, C.VIX_PROPERTYTYPE_STRING],
  [C.VIX_PROPERTY_JOB_RESULT_FILE_FLAGS, C.VIX_PROPERTYTYPE_INTEGER],
  [C.VIX_PROPERTY_JOB_RESULT_PROCESS_START_TIME, C.VIX_PROPERTYTYPE_INTEGER],
  [C.VIX_PROPERTY_JOB_RESULT_FILE_SIZE, C.VIX_PROPERTYTYPE_INT64],
  [C.VIX_PROPERTY_JOB_RESULT_FILE_MOD_TIME, C.VIX_PROPERTYTYPE_INT64],
  [C.VIX_PROPERTY_FOUND_ITEM_LOCATION, C.VIX_PROPERTYTYPE_STRING],
  [C.VIX_PROPERTY_SNAPSHOT_DISPLAYNAME, C.VIX_PROPERTYTYPE_STRING],
  [C.VIX_PROPERTY_SNAPSHOT_DESCRIPTION, C.VIX_PROPERTYTYPE_STRING],
  [C.VIX_PROPERTY_SNAPSHOT_POWERSTATE, C.VIX_PROPERTYTYPE_INTEGER],
  [C.VMGATE_PROPERTY_HOST_CA_PEM, C.VIX_PROPERTYTYPE_STRING],
  [C.VMGATE_PROPERTY_HOST_FINGERPRINT, C.VIX_PROPERTYTYPE_STRING],
  [C.VMGATE_PROPERTY_HOST_INSECURE, C.VIX_PROPERTYTYPE_BOOL],
]);

const VM_DYNAMIC = new Set([C.VIX_PROPERTY_VM_POWER_STATE, C.VIX_PROPERTY_VM_TOOLS_STATE, C.VIX_PROPERTY_VM_IS_RUNNING]);
const JOB_PROPS = new Set([...PROPERTY_TYPE.keys()].filter((p) => p >= 3000 && p < 4000));

/** The property ids of a varargs list: up to the first VIX_PROPERTY_NONE. */
function ids(list: readonly number[]): number[] {
  const i = list.indexOf(C.VIX_PROPERTY_NONE);
  return i < 0 ? [...list] : list.slice(0, i);
}

/** One property of an object (a handle value gets a reference for the caller). */
function propertyOf(o: Obj, id: number): unknown {
  switch (o.kind) {
    case 'host':
      if (id === C.VIX_PROPERTY_HOST_HOSTTYPE) return o.hostType;
      if (id === C.VIX_PROPERTY_HOST_API_VERSION) return 1;
      break;
    case 'vm': {
      const v = o.info;
      switch (id) {
        case C.VIX_PROPERTY_VM_NUM_VCPUS:
          return v.numCPU;
        case C.VIX_PROPERTY_VM_VMX_PATHNAME:
          return o.vmx;
        case C.VIX_PROPERTY_VM_MEMORY_SIZE:
          return v.memoryMB;
        case C.VIX_PROPERTY_VM_READ_ONLY:
          return false;
        case C.VIX_PROPERTY_VM_NAME:
          return v.name;
        case C.VIX_PROPERTY_VM_GUESTOS:
          return v.guestOS;
        case C.VIX_PROPERTY_VM_POWER_STATE:
          return powerStateBits(v.powerState, v.toolsState);
        case C.VIX_PROPERTY_VM_TOOLS_STATE:
          return toolsStateOf(v.toolsState);
        case C.VIX_PROPERTY_VM_IS_RUNNING:
          return v.powerState === 'poweredOn' || v.powerState === 'paused';
        case C.VIX_PROPERTY_VM_SUPPORTED_FEATURES:
          return 0;
      }
      break;
    }
    case 'snapshot':
      if (id === C.VIX_PROPERTY_SNAPSHOT_DISPLAYNAME) return o.info.name;
      if (id === C.VIX_PROPERTY_SNAPSHOT_DESCRIPTION) return o.info.description;
      if (id === C.VIX_PROPERTY_SNAPSHOT_POWERSTATE) return powerStateBits(o.info.powerState);
      break;
    case 'propertyList':
      if (o.props.has(id)) return o.props.get(id);
      break;
    case 'job':
      if (id === C.VIX_PROPERTY_JOB_RESULT_HANDLE) {
        const h = (o.props.get(id) as number | undefined) ?? C.VIX_INVALID_HANDLE;
        if (h !== C.VIX_INVALID_HANDLE) addRef(h);
        return h;
      }
      if (o.props.has(id)) return o.props.get(id);
      if (JOB_PROPS.has(id)) return PROPERTY_TYPE.get(id) === C.VIX_PROPERTYTYPE_STRING ? '' : PROPERTY_TYPE.get(id) === C.VIX_PROPERTYTYPE_BOOL ? false : 0;
      break;
  }
  throw new VixFail(C.VIX_E_UNRECOGNIZED_PROPERTY, `property ${id} is not a property of a ${o.kind} handle`);
}

function readProps(o: Obj, list: readonly number[]): [VixErrorCode, ...unknown[]] {
  const want = ids(list);
  try {
    if (o.kind === 'vm' && want.some((p) => VM_DYNAMIC.has(p))) o.info = vmInfoOf(syncExec(o.host, 'VM_INFO', { vmx: o.vmx }, 'vm'));
    const values: unknown[] = [];
    for (const p of want) values.push(propertyOf(o, p));
    return [C.VIX_OK, ...values];
  } catch (e) {
    if (e instanceof VixFail) return [e.err, ...want.map(() => undefined)];
    throw e;
  }
}

/** A VM property as last seen (no request: for the promise API after its own refresh). */
export function vmCachedProperty(vmHandle: VixHandle, id: number): unknown {
  const o = handles.get(vmHandle);
  if (o?.kind !== 'vm') throw new VixFail(o ? C.VIX_E_NOT_SUPPORTED_ON_HANDLE_TYPE : C.VIX_E_INVALID_HANDLE);
  return propertyOf(o, id);
}
/** The host handle a VM handle belongs to. */
export function vmHostHandle(vmHandle: VixHandle): VixHandle {
  const o = handles.get(vmHandle);
  return o?.kind === 'vm' ? o.host.id : C.VIX_INVALID_HANDLE;
}

/** `Vix_GetProperties(handle, id, …, VIX_PROPERTY_NONE)` → `[err, value, …]`. */
export function Vix_GetProperties(handle: VixHandle, ...propertyIds: number[]): [VixErrorCode, ...unknown[]] {
  const o = handles.get(handle);
  if (!o) return [C.VIX_E_INVALID_HANDLE, ...ids(propertyIds).map(() => undefined)];
  return readProps(o, propertyIds);
}

export function Vix_GetPropertyType(handle: VixHandle, propertyId: number): [VixErrorCode, number] {
  if (!handles.has(handle)) return [C.VIX_E_INVALID_HANDLE, C.VIX_PROPERTYTYPE_ANY];
  const t = PROPERTY_TYPE.get(propertyId);
  return t === undefined ? [C.VIX_E_UNRECOGNIZED_PROPERTY, C.VIX_PROPERTYTYPE_ANY] : [C.VIX_OK, t];
}

/**
 * Advances asynchronous work: on hosts opened with VIX_HOSTOPTION_USE_EVENT_PUMP nothing
 * moves, and no callback runs, except in here (one step per call; it sleeps up to 10 ms
 * when something is outstanding and nothing has arrived). Without a host, every pump host.
 */
export function Vix_PumpEvents(hostHandle?: VixHandle, _options: number = C.VIX_PUMPEVENTOPTION_NONE): void {
  const o = hostHandle === undefined ? undefined : handles.get(hostHandle);
  if (o?.kind === 'host' && o.pump) pumpHost(o, 10);
  else pumpAll(10);
}

// ---- VixJob_* ---------------------------------------------------------------------------

/** Blocks until the job completes → `[err, value, …]` of the properties asked for. */
export function VixJob_Wait(jobHandle: VixHandle, ...propertyIds: number[]): [VixErrorCode, ...unknown[]] {
  const want = ids(propertyIds);
  let j: JobObj;
  try {
    j = lookup(jobHandle, 'job');
  } catch (e) {
    return [(e as VixFail).err, ...want.map(() => undefined)];
  }
  waitJob(j);
  const [err, ...values] = readProps(j, want);
  return [j.err !== C.VIX_OK ? j.err : err, ...values];
}

/** Non-blocking: `[err, completed]` (takes what the network brought, but never pumps a pump host). */
export function VixJob_CheckCompletion(jobHandle: VixHandle): [VixErrorCode, boolean] {
  try {
    const j = lookup(jobHandle, 'job');
    if (!j.done && !j.host?.pump) pumpAll(0);
    return [C.VIX_OK, j.done];
  } catch (e) {
    if (e instanceof VixFail) return [e.err, false];
    throw e;
  }
}

export function VixJob_GetError(jobHandle: VixHandle): VixErrorCode {
  const o = handles.get(jobHandle);
  if (!o) return C.VIX_E_INVALID_HANDLE;
  if (o.kind !== 'job') return C.VIX_E_NOT_SUPPORTED_ON_HANDLE_TYPE;
  return o.done ? o.err : C.VIX_E_UNFINISHED_JOB;
}

export function VixJob_GetNumProperties(jobHandle: VixHandle, resultPropertyId: number): number {
  const o = handles.get(jobHandle);
  if (o?.kind !== 'job') return 0;
  return o.rows.filter((r) => r.has(resultPropertyId)).length;
}

export function VixJob_GetNthProperties(jobHandle: VixHandle, index: number, ...propertyIds: number[]): [VixErrorCode, ...unknown[]] {
  const want = ids(propertyIds);
  const o = handles.get(jobHandle);
  if (!o) return [C.VIX_E_INVALID_HANDLE, ...want.map(() => undefined)];
  if (o.kind !== 'job') return [C.VIX_E_NOT_SUPPORTED_ON_HANDLE_TYPE, ...want.map(() => undefined)];
  const row = o.rows[index];
  if (!row) return [C.VIX_E_INVALID_ARG, ...want.map(() => undefined)];
  if (want.some((p) => !row.has(p))) return [C.VIX_E_UNRECOGNIZED_PROPERTY, ...want.map((p) => row.get(p))];
  return [C.VIX_OK, ...want.map((p) => row.get(p))];
}

// ---- VixPropertyList_* ----------------------------------------------------------------

/** `VixPropertyList_AllocPropertyList(host, id, value, …, VIX_PROPERTY_NONE)` → `[err, handle]`. */
export function VixPropertyList_AllocPropertyList(_hostHandle: VixHandle, ...pairs: unknown[]): [VixErrorCode, VixHandle] {
  const props = new Map<number, unknown>();
  for (let i = 0; i < pairs.length; i += 2) {
    const id = pairs[i];
    if (id === C.VIX_PROPERTY_NONE) break;
    if (typeof id !== 'number' || i + 1 >= pairs.length) return [C.VIX_E_INVALID_ARG, C.VIX_INVALID_HANDLE];
    const type = PROPERTY_TYPE.get(id);
    const v = pairs[i + 1];
    const okType = type === undefined || (type === C.VIX_PROPERTYTYPE_STRING ? typeof v === 'string' : type === C.VIX_PROPERTYTYPE_BOOL ? typeof v === 'boolean' : typeof v === 'number');
    if (!okType) return [C.VIX_E_INVALID_PROPERTY_VALUE, C.VIX_INVALID_HANDLE];
    props.set(id, v);
  }
  const pl = newHandle((id) => ({ id, refs: 1, kind: 'propertyList' as const, props }));
  return [C.VIX_OK, pl.id];
}

// ---- VixHost_* -------------------------------------------------------------------------

/** The default port of the vmserverd door (VMware's is 902; vmgate's --authd-port is 8902). */
export const VMGATE_DEFAULT_AUTHD_PORT = 8902;

function trustOf(propertyListHandle: VixHandle): { ca?: string; fingerprint?: string; insecure?: boolean } {
  const pl = handles.get(propertyListHandle);
  const prop = (id: number): unknown => (pl?.kind === 'propertyList' ? pl.props.get(id) : undefined);
  const ca = (prop(C.VMGATE_PROPERTY_HOST_CA_PEM) as string | undefined) ?? (process.env.VMGATE_CA ? readFileSync(process.env.VMGATE_CA, 'utf8') : undefined);
  const fingerprint = (prop(C.VMGATE_PROPERTY_HOST_FINGERPRINT) as string | undefined) ?? process.env.VMGATE_FINGERPRINT;
  const insecure = (prop(C.VMGATE_PROPERTY_HOST_INSECURE) as boolean | undefined) ?? process.env.VMGATE_INSECURE === '1';
  return { ...(ca ? { ca } : {}), ...(fingerprint ? { fingerprint } : {}), ...(insecure ? { insecure } : {}) };
}

/**
 * Connects to a host three ways (the guide's chapter 3): a named host with user and
 * password; the local host (hostName null) as a named user; the local host as the current
 * OS user (hostName, userName and password all null), authenticated by the one-time ticket
 * file the server writes for that OS user.
 */
export function VixHost_Connect(apiVersion: number, hostType: number, hostName: string | null, hostPort: number, userName: string | null, password: string | null, options: number, propertyListHandle: VixHandle, callbackProc: Cb, clientData: unknown): VixHandle {
  return job(callbackProc, clientData, () => {
    if (apiVersion !== C.VIX_API_VERSION && apiVersion !== 1) throw new VixFail(C.VIX_E_NOT_SUPPORTED, `apiVersion ${apiVersion} is not supported: this library speaks VIX API version 1 (pass VIX_API_VERSION)`);
    if (hostType === C.VIX_SERVICEPROVIDER_VMWARE_VI_SERVER) throw new VixFail(C.VIX_E_NOT_SUPPORTED, 'VI Server hosts are not served by this SDK: use the vSphere Automation API (vmgate/vapi)');
    if (![C.VIX_SERVICEPROVIDER_DEFAULT, C.VIX_SERVICEPROVIDER_VMWARE_SERVER, C.VIX_SERVICEPROVIDER_VMWARE_WORKSTATION, C.VIX_SERVICEPROVIDER_VMWARE_PLAYER].includes(hostType)) throw new VixFail(C.VIX_E_INVALID_ARG, `unknown hostType ${hostType}`);
    const port = hostPort > 0 ? hostPort : Number(process.env.VMGATE_AUTHD_PORT ?? VMGATE_DEFAULT_AUTHD_PORT);
    const host = hostName ?? '127.0.0.1';
    const pump = (options & C.VIX_HOSTOPTION_USE_EVENT_PUMP) !== 0;
    const type = hostType === C.VIX_SERVICEPROVIDER_DEFAULT ? C.VIX_SERVICEPROVIDER_VMWARE_SERVER : hostType;
    if (userName == null && password == null) {
      if (hostName != null) throw new VixFail(C.VIX_E_INVALID_ARG, 'a named host needs a user name and password (only the local host knows the current user)');
      return startConnect({ host, port, user: '', password: '', local: true, timeoutMs: 30_000, ...trustOf(propertyListHandle) }, pump, type, callbackProc ?? null, clientData);
    }
    if (typeof userName !== 'string' || typeof password !== 'string') throw new VixFail(C.VIX_E_INVALID_ARG, 'userName and password go together');
    return startConnect({ host, port, user: userName, password, timeoutMs: 30_000, ...trustOf(propertyListHandle) }, pump, type, callbackProc ?? null, clientData);
  });
}

/** Ends the connection; every handle of the host (VMs, snapshots) is gone with it. */
export function VixHost_Disconnect(hostHandle: VixHandle): void {
  const o = handles.get(hostHandle);
  if (o?.kind === 'host') closeHost(o);
}

export function VixHost_RegisterVM(hostHandle: VixHandle, vmxFilePath: string, callbackProc: Cb, clientData: unknown): VixHandle {
  return job(callbackProc, clientData, () => {
    const host = lookup(hostHandle, 'host');
    const vmx = str(vmxFilePath, 'vmxFilePath');
    return startJob(host, () => call('VMRegister', { vmx }, 'vm') as JobBody, callbackProc ?? null, clientData);
  });
}

export function VixHost_UnregisterVM(hostHandle: VixHandle, vmxFilePath: string, callbackProc: Cb, clientData: unknown): VixHandle {
  return job(callbackProc, clientData, () => {
    const host = lookup(hostHandle, 'host');
    const vmx = str(vmxFilePath, 'vmxFilePath');
    return startJob(host, () => call('VMUnRegister', { vmx }, 'vm') as JobBody, callbackProc ?? null, clientData);
  });
}

/**
 * Finds VMs (VIX_FIND_RUNNING_VMS, VIX_FIND_REGISTERED_VMS): the callback gets
 * VIX_EVENTTYPE_FIND_ITEM once per VM with a property list holding
 * VIX_PROPERTY_FOUND_ITEM_LOCATION (released after the callback returns). The job's rows
 * hold the same locations.
 */
export function VixHost_FindItems(hostHandle: VixHandle, searchType: number, _searchCriteria: VixHandle, _timeout: number, callbackProc: Cb, clientData: unknown): VixHandle {
  return job(callbackProc, clientData, () => {
    const host = lookup(hostHandle, 'host');
    const op = searchType === C.VIX_FIND_RUNNING_VMS ? 'VMServerd_GetConnectedVMList' : searchType === C.VIX_FIND_REGISTERED_VMS ? 'VMServerd_GetRegisteredVMList' : null;
    if (!op) throw new VixFail(C.VIX_E_INVALID_ARG, `unknown searchType ${searchType}`);
    return startJob(
      host,
      function* (j) {
        const out = yield* call(op, {}, 'host');
        for (const v of kid(out, 'vms')?.children ?? []) {
          j.rows.push(new Map([[C.VIX_PROPERTY_FOUND_ITEM_LOCATION, v.text]]));
          const [, pl] = VixPropertyList_AllocPropertyList(host.id, C.VIX_PROPERTY_FOUND_ITEM_LOCATION, v.text, C.VIX_PROPERTY_NONE);
          event(j, C.VIX_EVENTTYPE_FIND_ITEM, pl, () => release(pl));
        }
      },
      callbackProc ?? null,
      clientData,
    );
  });
}

/** The later SDKs' name for VixVM_Open (options and property list ignored). */
export function VixHost_OpenVM(hostHandle: VixHandle, vmxFilePathName: string, _options: number, _propertyListHandle: VixHandle, callbackProc: Cb, clientData: unknown): VixHandle {
  return VixVM_Open(hostHandle, vmxFilePathName, callbackProc, clientData);
}

// ---- VixVM_*: open, power --------------------------------------------------------------

/** Opens a registered VM: the job's result handle is the VM (the same handle while open). */
export function VixVM_Open(hostHandle: VixHandle, vmxFilePathName: string, callbackProc: Cb, clientData: unknown): VixHandle {
  return job(callbackProc, clientData, () => {
    const host = lookup(hostHandle, 'host');
    const vmx = str(vmxFilePathName, 'vmxFilePathName');
    return startJob(
      host,
      function* (j) {
        const out = yield* call('VM_INFO', { vmx }, 'vm');
        vmHandleFor(host, vmInfoOf(out), j);
      },
      callbackProc ?? null,
      clientData,
    );
  });
}

function powerJob(vmHandle: VixHandle, ops: readonly string[], ctx: ErrorContext, extra: XmlValue, cb: Cb, clientData: unknown): VixHandle {
  return vmJob(vmHandle, cb, clientData, function* (vm) {
    for (const op of ops) {
      const out = yield* call(op, { vmx: vm.vmx, ...(extra as object) }, ctx);
      vm.info.powerState = txt(out, 'powerState') || vm.info.powerState;
    }
    if (ctx !== 'powerOn') vm.guest = vm.info.powerState === 'suspended' ? vm.guest : null;
    yield* refresh(vm);
  });
}

/** Powers on a powered-off VM or resumes a suspended one (there is no Resume). */
export function VixVM_PowerOn(vmHandle: VixHandle, powerOnOptions: number, _propertyListHandle: VixHandle, callbackProc: Cb, clientData: unknown): VixHandle {
  const ops = (powerOnOptions & C.VIX_VMPOWEROP_START_VM_PAUSED) !== 0 ? ['VM_PowerOn', 'VM_Pause'] : ['VM_PowerOn'];
  return powerJob(vmHandle, ops, 'powerOn', {}, callbackProc, clientData);
}
/** Powers off (hard), or shuts the guest down with VIX_VMPOWEROP_FROM_GUEST. */
export function VixVM_PowerOff(vmHandle: VixHandle, powerOffOptions: number, _propertyListHandle: VixHandle, callbackProc: Cb, clientData: unknown): VixHandle {
  const fromGuest = (powerOffOptions & C.VIX_VMPOWEROP_FROM_GUEST) !== 0;
  return powerJob(vmHandle, [fromGuest ? 'VM_ShutdownGuest' : 'VM_PowerOff'], 'power', fromGuest ? {} : { hard: 1 }, callbackProc, clientData);
}
export function VixVM_Reset(vmHandle: VixHandle, powerOptions: number, callbackProc: Cb, clientData: unknown): VixHandle {
  return powerJob(vmHandle, [(powerOptions & C.VIX_VMPOWEROP_FROM_GUEST) !== 0 ? 'VM_RebootGuest' : 'VM_Reset'], 'power', {}, callbackProc, clientData);
}
export function VixVM_Suspend(vmHandle: VixHandle, _powerOffOptions: number, _propertyListHandle: VixHandle, callbackProc: Cb, clientData: unknown): VixHandle {
  return powerJob(vmHandle, ['VM_Suspend'], 'power', {}, callbackProc, clientData);
}
export function VixVM_Pause(vmHandle: VixHandle, _options: number, _propertyListHandle: VixHandle, callbackProc: Cb, clientData: unknown): VixHandle {
  return powerJob(vmHandle, ['VM_Pause'], 'power', {}, callbackProc, clientData);
}
export function VixVM_Unpause(vmHandle: VixHandle, _options: number, _propertyListHandle: VixHandle, callbackProc: Cb, clientData: unknown): VixHandle {
  return powerJob(vmHandle, ['VM_Unpause'], 'power', {}, callbackProc, clientData);
}

/** Deletes the VM and its files (the handle stays until released; other calls on it fail). */
export function VixVM_Delete(vmHandle: VixHandle, _deleteOptions: number, callbackProc: Cb, clientData: unknown): VixHandle {
  return vmJob(vmHandle, callbackProc, clientData, function* (vm) {
    yield* call('VMDeleteEdit_DeleteVM', { vmx: vm.vmx }, 'vm');
    vm.deleted = true;
  });
}

/** Waits for tools up to `timeoutInSeconds` (≤ 0: an hour); then VIX_E_TIMEOUT_WAITING_FOR_TOOLS. */
export function VixVM_WaitForToolsInGuest(vmHandle: VixHandle, timeoutInSeconds: number, callbackProc: Cb, clientData: unknown): VixHandle {
  return vmJob(vmHandle, callbackProc, clientData, function* (vm) {
    const seconds = timeoutInSeconds > 0 ? Math.min(Math.ceil(timeoutInSeconds), 3600) : 3600;
    const out = yield* call('VM_WaitForToolsInGuest', { vmx: vm.vmx, timeoutSeconds: seconds }, 'tools');
    vm.info.toolsState = txt(out, 'toolsState') || 'running';
  });
}

export function VixVM_UpgradeVirtualHardware(vmHandle: VixHandle, _options: number, callbackProc: Cb, clientData: unknown): VixHandle {
  return vmJob(vmHandle, callbackProc, clientData, function* (vm) {
    yield* call('VM_UpgradeVirtualHardware', { vmx: vm.vmx }, 'power');
    yield* refresh(vm);
  });
}

/** vmgate has no tools image to mount: VIX_E_NOT_SUPPORTED (its guests come with tools, or without). */
export function VixVM_InstallTools(vmHandle: VixHandle, _options: number, _commandLineArgs: string | null, callbackProc: Cb, clientData: unknown): VixHandle {
  return job(callbackProc, clientData, () => {
    lookup(vmHandle, 'vm');
    throw new VixFail(C.VIX_E_NOT_SUPPORTED, 'vmgate has no VMware Tools image to mount; its guests come with their tools (or none)');
  });
}

/** Clones a VM (from its current state; `snapshotHandle` may be VIX_INVALID_HANDLE). The result handle is the clone. */
export function VixVM_Clone(vmHandle: VixHandle, _snapshotHandle: VixHandle, cloneType: number, destConfigPathName: string, _options: number, _propertyListHandle: VixHandle, callbackProc: Cb, clientData: unknown): VixHandle {
  return job(callbackProc, clientData, () => {
    if (cloneType !== C.VIX_CLONETYPE_FULL) throw new VixFail(C.VIX_E_NOT_SUPPORTED, 'only full clones (VIX_CLONETYPE_FULL)');
    const name = basename(str(destConfigPathName, 'destConfigPathName')).replace(/\.vmx$/i, '');
    return vmJob(vmHandle, callbackProc, clientData, function* (vm, j) {
      const out = yield* call('VM_Clone', { vmx: vm.vmx, name }, 'vm');
      const info = yield* call('VM_INFO', { vmx: txt(out, 'vmx') }, 'vm');
      vmHandleFor(vm.host, vmInfoOf(info), j);
    });
  });
}

export function VixVM_CaptureScreenImage(vmHandle: VixHandle, _captureType: number, _additionalProperties: VixHandle, callbackProc: Cb, clientData: unknown): VixHandle {
  return job(callbackProc, clientData, () => {
    lookup(vmHandle, 'vm');
    throw new VixFail(C.VIX_E_NOT_SUPPORTED, 'screen capture is not served over vmserverd (use the console of the vSphere face)');
  });
}

/** Guest and runtime variables: not served by the exec face (VIX_E_NOT_SUPPORTED). */
export function VixVM_ReadVariable(vmHandle: VixHandle, _variableType: number, _name: string, _options: number, callbackProc: Cb, clientData: unknown): VixHandle {
  return job(callbackProc, clientData, () => {
    lookup(vmHandle, 'vm');
    throw new VixFail(C.VIX_E_NOT_SUPPORTED, 'variables are not served by vmgate');
  });
}
export function VixVM_WriteVariable(vmHandle: VixHandle, _variableType: number, _name: string, _value: string, _options: number, callbackProc: Cb, clientData: unknown): VixHandle {
  return job(callbackProc, clientData, () => {
    lookup(vmHandle, 'vm');
    throw new VixFail(C.VIX_E_NOT_SUPPORTED, 'variables are not served by vmgate');
  });
}

// ---- guest operations ------------------------------------------------------------------

/** Checks the guest account (a process listing) and keeps it for the guest operations of this VM handle. */
export function VixVM_LoginInGuest(vmHandle: VixHandle, userName: string, password: string, _options: number, callbackProc: Cb, clientData: unknown): VixHandle {
  return vmJob(vmHandle, callbackProc, clientData, function* (vm) {
    const guest = { user: str(userName, 'userName'), password: typeof password === 'string' ? password : '' };
    const r = yield { op: 'Guest_ListProcesses', input: { vmx: vm.vmx, guestUser: guest.user, guestPassword: guest.password }, ctx: 'guest', soft: true };
    if (!r?.ok) {
      vm.guest = null;
      throw new VixFail(r && !r.ok && r.code === 'not_authenticated' ? C.VIX_E_CANNOT_AUTHENTICATE_WITH_GUEST : r && !r.ok && r.code === 'invalid_state' ? C.VIX_E_TOOLS_NOT_RUNNING : C.VIX_E_FAIL, r && !r.ok ? r.message : '');
    }
    vm.guest = guest;
  });
}

export function VixVM_LogoutFromGuest(vmHandle: VixHandle, callbackProc: Cb, clientData: unknown): VixHandle {
  // eslint-disable-next-line require-yield -- a job with no request: it completes at once
  return vmJob(vmHandle, callbackProc, clientData, function* (vm) {
    vm.guest = null;
  });
}

function guestJob(vmHandle: VixHandle, cb: Cb, clientData: unknown, body: (vm: VmObj, g: { guestUser: string; guestPassword: string }, job: JobObj) => JobBody): VixHandle {
  return vmJob(vmHandle, cb, clientData, (vm, j) => body(vm, guestOf(vm), j));
}

/**
 * Runs a program in the guest. `commandLineArgs` is one string, split as a shell splits
 * words and quotes (vmgate also takes an array: the arguments exactly). Results: VIX_PROPERTY_JOB_RESULT_PROCESS_ID, _GUEST_PROGRAM_EXIT_CODE,
 * _GUEST_PROGRAM_ELAPSED_TIME (seconds) and, vmgate's addition, _COMMAND_OUTPUT (stdout).
 */
export function VixVM_RunProgramInGuest(vmHandle: VixHandle, guestProgramName: string, commandLineArgs: string | readonly string[] | null, options: number, _propertyListHandle: VixHandle, callbackProc: Cb, clientData: unknown): VixHandle {
  return guestJob(vmHandle, callbackProc, clientData, function* (vm, g, j) {
    const program = str(guestProgramName, 'guestProgramName');
    const args = Array.isArray(commandLineArgs) ? commandLineArgs.map(String) : splitCommandLine(commandLineArgs as string | null);
    const immediate = (options & C.VIX_RUNPROGRAM_RETURN_IMMEDIATELY) !== 0;
    const out = yield* call('Guest_RunProgram', { vmx: vm.vmx, ...g, program, args: { arg: args }, ...(immediate ? { wait: 0 } : {}) }, 'guest');
    if (immediate) return;
    j.props.set(C.VIX_PROPERTY_JOB_RESULT_PROCESS_ID, Number(txt(out, 'pid')));
    j.props.set(C.VIX_PROPERTY_JOB_RESULT_GUEST_PROGRAM_EXIT_CODE, Number(txt(out, 'exitCode')));
    j.props.set(C.VIX_PROPERTY_JOB_RESULT_EXIT_CODE, Number(txt(out, 'exitCode')));
    j.props.set(C.VIX_PROPERTY_JOB_RESULT_GUEST_PROGRAM_ELAPSED_TIME, Math.round(Number(txt(out, 'elapsedMs')) / 1000));
    j.props.set(C.VIX_PROPERTY_JOB_RESULT_COMMAND_OUTPUT, raw(out, 'stdout'));
  });
}

/** Runs `scriptText` with `interpreter` (`interpreter -c scriptText`; /bin/sh when null). */
export function VixVM_RunScriptInGuest(vmHandle: VixHandle, interpreter: string | null, scriptText: string, options: number, _propertyListHandle: VixHandle, callbackProc: Cb, clientData: unknown): VixHandle {
  return guestJob(vmHandle, callbackProc, clientData, function* (vm, g, j) {
    const out = yield* call('Guest_RunProgram', { vmx: vm.vmx, ...g, program: interpreter || '/bin/sh', args: { arg: ['-c', str(scriptText, 'scriptText')] }, ...((options & C.VIX_RUNPROGRAM_RETURN_IMMEDIATELY) !== 0 ? { wait: 0 } : {}) }, 'guest');
    j.props.set(C.VIX_PROPERTY_JOB_RESULT_PROCESS_ID, Number(txt(out, 'pid')));
    j.props.set(C.VIX_PROPERTY_JOB_RESULT_GUEST_PROGRAM_EXIT_CODE, Number(txt(out, 'exitCode')));
    j.props.set(C.VIX_PROPERTY_JOB_RESULT_EXIT_CODE, Number(txt(out, 'exitCode')));
    j.props.set(C.VIX_PROPERTY_JOB_RESULT_GUEST_PROGRAM_ELAPSED_TIME, Math.round(Number(txt(out, 'elapsedMs')) / 1000));
    j.props.set(C.VIX_PROPERTY_JOB_RESULT_COMMAND_OUTPUT, raw(out, 'stdout'));
  });
}

/** Rows of VIX_PROPERTY_JOB_RESULT_ITEM_NAME, _PROCESS_ID, _PROCESS_OWNER, _PROCESS_COMMAND, _PROCESS_START_TIME. */
export function VixVM_ListProcessesInGuest(vmHandle: VixHandle, _options: number, callbackProc: Cb, clientData: unknown): VixHandle {
  return guestJob(vmHandle, callbackProc, clientData, function* (vm, g, j) {
    const out = yield* call('Guest_ListProcesses', { vmx: vm.vmx, ...g }, 'guest');
    for (const p of kid(out, 'processes')?.children ?? []) {
      j.rows.push(
        new Map<number, unknown>([
          [C.VIX_PROPERTY_JOB_RESULT_ITEM_NAME, txt(p, 'name')],
          [C.VIX_PROPERTY_JOB_RESULT_PROCESS_ID, Number(txt(p, 'pid'))],
          [C.VIX_PROPERTY_JOB_RESULT_PROCESS_OWNER, txt(p, 'owner')],
          [C.VIX_PROPERTY_JOB_RESULT_PROCESS_COMMAND, txt(p, 'commandLine')],
          [C.VIX_PROPERTY_JOB_RESULT_PROCESS_START_TIME, Math.floor(Date.parse(txt(p, 'startedAt')) / 1000) || 0],
        ]),
      );
    }
  });
}

export function VixVM_KillProcessInGuest(vmHandle: VixHandle, pid: number, _options: number, callbackProc: Cb, clientData: unknown): VixHandle {
  return guestJob(vmHandle, callbackProc, clientData, function* (vm, g) {
    if (!Number.isInteger(pid) || pid < 1) throw new VixFail(C.VIX_E_INVALID_ARG, 'pid must be a positive integer');
    const r = yield { op: 'Guest_KillProcess', input: { vmx: vm.vmx, ...g, pid }, ctx: 'guest', soft: true };
    if (r && !r.ok) throw new VixFail(r.code === 'not_found' ? C.VIX_E_NO_SUCH_PROCESS : vixErrorOfGuest(r.code), r.message);
  });
}

function vixErrorOfGuest(code: string): VixErrorCode {
  return vixErrorOf(code, 'guest');
}

/** The largest piece of a file in one request (the face reads up to 16 MiB; frames are base64). */
const CHUNK = 4 * 1024 * 1024;

/** Copies a host file into the guest (one request up to the frame limit); progress events per piece read. */
export function VixVM_CopyFileFromHostToGuest(vmHandle: VixHandle, hostPathName: string, guestPathName: string, _options: number, _propertyListHandle: VixHandle, callbackProc: Cb, clientData: unknown): VixHandle {
  return guestJob(vmHandle, callbackProc, clientData, function* (vm, g) {
    const src = str(hostPathName, 'hostPathName');
    const dst = str(guestPathName, 'guestPathName');
    let data: Buffer;
    try {
      data = readFileSync(src);
    } catch (e) {
      throw new VixFail((e as NodeJS.ErrnoException).code === 'ENOENT' ? C.VIX_E_FILE_NOT_FOUND : C.VIX_E_FILE_ERROR, `cannot read ${src} on this machine: ${(e as Error).message}`);
    }
    yield* call('Guest_WriteFile', { vmx: vm.vmx, ...g, path: dst, data: data.toString('base64'), overwrite: 1 }, 'guest');
    yield 'progress';
  });
}

/** Copies a guest file to the host, in pieces of 4 MiB (a progress event after each). */
export function VixVM_CopyFileFromGuestToHost(vmHandle: VixHandle, guestPathName: string, hostPathName: string, _options: number, _propertyListHandle: VixHandle, callbackProc: Cb, clientData: unknown): VixHandle {
  return guestJob(vmHandle, callbackProc, clientData, function* (vm, g) {
    const src = str(guestPathName, 'guestPathName');
    const dst = str(hostPathName, 'hostPathName');
    const info = yield* call('Guest_FileInfo', { vmx: vm.vmx, ...g, path: src }, 'guest');
    if (txt(info, 'type') === 'directory') throw new VixFail(C.VIX_E_NOT_A_FILE, `${src} is a directory`);
    const size = Number(txt(info, 'size'));
    const parts: Buffer[] = [];
    for (let offset = 0; offset < size || offset === 0; ) {
      const out = yield* call('Guest_ReadFile', { vmx: vm.vmx, ...g, path: src, offset, length: CHUNK }, 'guest');
      const piece = Buffer.from(txt(out, 'data'), 'base64');
      parts.push(piece);
      offset += piece.length;
      yield 'progress';
      if (piece.length === 0) break;
    }
    try {
      writeFileSync(dst, Buffer.concat(parts), { mode: 0o600 });
    } catch (e) {
      throw new VixFail(C.VIX_E_FILE_ERROR, `cannot write ${dst} on this machine: ${(e as Error).message}`);
    }
  });
}

export function VixVM_DeleteFileInGuest(vmHandle: VixHandle, guestPathName: string, callbackProc: Cb, clientData: unknown): VixHandle {
  return guestJob(vmHandle, callbackProc, clientData, function* (vm, g) {
    yield* call('Guest_DeleteFile', { vmx: vm.vmx, ...g, path: str(guestPathName, 'guestPathName') }, 'guest');
  });
}

function* exists(vm: VmObj, g: object, path: string, j: JobObj, type: 'file' | 'directory'): JobBody {
  const r = yield { op: 'Guest_FileInfo', input: { vmx: vm.vmx, ...g, path }, ctx: 'guest', soft: true };
  if (r && !r.ok && r.code !== 'not_found') throw new VixFail(vixErrorOfGuest(r.code), r.message);
  j.props.set(C.VIX_PROPERTY_JOB_RESULT_GUEST_OBJECT_EXISTS, !!r?.ok && txt(r.out, 'type') === type);
}
/** Result: VIX_PROPERTY_JOB_RESULT_GUEST_OBJECT_EXISTS. */
export function VixVM_FileExistsInGuest(vmHandle: VixHandle, guestPathName: string, callbackProc: Cb, clientData: unknown): VixHandle {
  return guestJob(vmHandle, callbackProc, clientData, (vm, g, j) => exists(vm, g, str(guestPathName, 'guestPathName'), j, 'file'));
}
export function VixVM_DirectoryExistsInGuest(vmHandle: VixHandle, pathName: string, callbackProc: Cb, clientData: unknown): VixHandle {
  return guestJob(vmHandle, callbackProc, clientData, (vm, g, j) => exists(vm, g, str(pathName, 'pathName'), j, 'directory'));
}
export function VixVM_CreateDirectoryInGuest(vmHandle: VixHandle, pathName: string, _propertyListHandle: VixHandle, callbackProc: Cb, clientData: unknown): VixHandle {
  return guestJob(vmHandle, callbackProc, clientData, function* (vm, g) {
    yield* call('Guest_MakeDirectory', { vmx: vm.vmx, ...g, path: str(pathName, 'pathName'), makeParents: 1 }, 'guest');
  });
}
export function VixVM_DeleteDirectoryInGuest(vmHandle: VixHandle, pathName: string, _options: number, callbackProc: Cb, clientData: unknown): VixHandle {
  return guestJob(vmHandle, callbackProc, clientData, function* (vm, g) {
    yield* call('Guest_RemoveDirectory', { vmx: vm.vmx, ...g, path: str(pathName, 'pathName'), recursive: 1 }, 'guest');
  });
}
export function VixVM_RenameFileInGuest(vmHandle: VixHandle, oldName: string, newName: string, _options: number, _propertyListHandle: VixHandle, callbackProc: Cb, clientData: unknown): VixHandle {
  return guestJob(vmHandle, callbackProc, clientData, function* (vm, g) {
    yield* call('Guest_Rename', { vmx: vm.vmx, ...g, source: str(oldName, 'oldName'), destination: str(newName, 'newName'), overwrite: 0 }, 'guest');
  });
}
/** Creates an empty file under /tmp of the guest; result VIX_PROPERTY_JOB_RESULT_ITEM_NAME. */
export function VixVM_CreateTempFileInGuest(vmHandle: VixHandle, _options: number, _propertyListHandle: VixHandle, callbackProc: Cb, clientData: unknown): VixHandle {
  return guestJob(vmHandle, callbackProc, clientData, function* (vm, g, j) {
    const path = `/tmp/vix-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
    yield* call('Guest_WriteFile', { vmx: vm.vmx, ...g, path, data: '', overwrite: 0 }, 'guest');
    j.props.set(C.VIX_PROPERTY_JOB_RESULT_ITEM_NAME, path);
  });
}

function fileRow(e: XmlElement | undefined): Map<number, unknown> {
  const type = txt(e, 'type');
  return new Map<number, unknown>([
    [C.VIX_PROPERTY_JOB_RESULT_ITEM_NAME, txt(e, 'name')],
    [C.VIX_PROPERTY_JOB_RESULT_FILE_SIZE, Number(txt(e, 'size'))],
    [C.VIX_PROPERTY_JOB_RESULT_FILE_FLAGS, (type === 'directory' ? C.VIX_FILE_ATTRIBUTES_DIRECTORY : 0) | (type === 'symlink' ? C.VIX_FILE_ATTRIBUTES_SYMLINK : 0)],
    [C.VIX_PROPERTY_JOB_RESULT_FILE_MOD_TIME, Math.floor(Date.parse(txt(e, 'modifiedAt')) / 1000) || 0],
  ]);
}
/** Results: VIX_PROPERTY_JOB_RESULT_FILE_SIZE, _FILE_FLAGS, _FILE_MOD_TIME. */
export function VixVM_GetFileInfoInGuest(vmHandle: VixHandle, pathName: string, callbackProc: Cb, clientData: unknown): VixHandle {
  return guestJob(vmHandle, callbackProc, clientData, function* (vm, g, j) {
    const out = yield* call('Guest_FileInfo', { vmx: vm.vmx, ...g, path: str(pathName, 'pathName') }, 'guest');
    for (const [k, v] of fileRow(out)) j.props.set(k, v);
  });
}
/** Rows of VIX_PROPERTY_JOB_RESULT_ITEM_NAME, _FILE_SIZE, _FILE_FLAGS, _FILE_MOD_TIME. */
export function VixVM_ListDirectoryInGuest(vmHandle: VixHandle, pathName: string, _options: number, callbackProc: Cb, clientData: unknown): VixHandle {
  return guestJob(vmHandle, callbackProc, clientData, function* (vm, g, j) {
    const out = yield* call('Guest_ListDirectory', { vmx: vm.vmx, ...g, path: str(pathName, 'pathName') }, 'guest');
    for (const e of kid(out, 'entries')?.children ?? []) j.rows.push(fileRow(e));
  });
}

// ---- snapshots ------------------------------------------------------------------------

function syncVm<T>(vmHandle: VixHandle, f: (vm: VmObj) => T): [VixErrorCode, T | typeof C.VIX_INVALID_HANDLE] {
  try {
    const vm = lookup(vmHandle, 'vm');
    if (vm.deleted) throw new VixFail(C.VIX_E_VM_NOT_FOUND);
    return [C.VIX_OK, f(vm)];
  } catch (e) {
    if (e instanceof VixFail) return [e.err, C.VIX_INVALID_HANDLE];
    throw e;
  }
}

export function VixVM_GetNumRootSnapshots(vmHandle: VixHandle): [VixErrorCode, number] {
  return syncVm(vmHandle, (vm) => listSnapshots(vm).filter((s) => s.parent === '').length);
}
export function VixVM_GetRootSnapshot(vmHandle: VixHandle, index: number): [VixErrorCode, VixHandle] {
  return syncVm(vmHandle, (vm) => {
    const s = listSnapshots(vm).filter((x) => x.parent === '')[index];
    if (!s) throw new VixFail(C.VIX_E_SNAPSHOT_NOTFOUND, `no root snapshot ${index}`);
    return snapshotHandle(vm, s);
  });
}
export function VixVM_GetCurrentSnapshot(vmHandle: VixHandle): [VixErrorCode, VixHandle] {
  return syncVm(vmHandle, (vm) => {
    const s = listSnapshots(vm).find((x) => x.current);
    if (!s) throw new VixFail(C.VIX_E_SNAPSHOT_NOTFOUND, 'the VM has no current snapshot');
    return snapshotHandle(vm, s);
  });
}
/** A snapshot by name, or by path of names (`base/patched`). */
export function VixVM_GetNamedSnapshot(vmHandle: VixHandle, name: string): [VixErrorCode, VixHandle] {
  return syncVm(vmHandle, (vm) => {
    const all = listSnapshots(vm);
    let parent = '';
    let found: SnapshotInfo | undefined;
    const parts = String(name).split('/');
    for (const part of parts) {
      const matches = all.filter((s) => s.name === part && (parts.length === 1 || s.parent === parent));
      if (matches.length > 1) throw new VixFail(C.VIX_E_SNAPSHOT_NONUNIQUE_NAME, `more than one snapshot is named ${part}`);
      found = matches[0];
      if (!found) throw new VixFail(C.VIX_E_SNAPSHOT_NOTFOUND, `no snapshot named ${name}`);
      parent = found.id;
    }
    return snapshotHandle(vm, found!);
  });
}

function syncSnap<T>(h: VixHandle, f: (s: SnapshotObj, all: SnapshotInfo[]) => T): [VixErrorCode, T | typeof C.VIX_INVALID_HANDLE] {
  try {
    const s = lookup(h, 'snapshot');
    return [C.VIX_OK, f(s, listSnapshots(s.vm))];
  } catch (e) {
    if (e instanceof VixFail) return [e.err, C.VIX_INVALID_HANDLE];
    throw e;
  }
}
export function VixSnapshot_GetNumChildren(parentSnapshotHandle: VixHandle): [VixErrorCode, number] {
  return syncSnap(parentSnapshotHandle, (s, all) => all.filter((x) => x.parent === s.info.id).length);
}
export function VixSnapshot_GetChild(parentSnapshotHandle: VixHandle, index: number): [VixErrorCode, VixHandle] {
  return syncSnap(parentSnapshotHandle, (s, all) => {
    const c = all.filter((x) => x.parent === s.info.id)[index];
    if (!c) throw new VixFail(C.VIX_E_SNAPSHOT_NOTFOUND, `no child snapshot ${index}`);
    return snapshotHandle(s.vm, c);
  });
}
/** The parent snapshot; a root snapshot's parent is VIX_INVALID_HANDLE (with VIX_OK). */
export function VixSnapshot_GetParent(snapshotHandle_: VixHandle): [VixErrorCode, VixHandle] {
  return syncSnap(snapshotHandle_, (s, all) => {
    const p = all.find((x) => x.id === s.info.parent);
    return p ? snapshotHandle(s.vm, p) : C.VIX_INVALID_HANDLE;
  });
}

/** Takes a snapshot; the job's result handle is the snapshot. */
export function VixVM_CreateSnapshot(vmHandle: VixHandle, name: string | null, description: string | null, options: number, _propertyListHandle: VixHandle, callbackProc: Cb, clientData: unknown): VixHandle {
  return vmJob(vmHandle, callbackProc, clientData, function* (vm, j) {
    const snapName = name || `snapshot-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    const out = yield* call('VM_CreateSnapshot', { vmx: vm.vmx, name: snapName, ...(description ? { description } : {}), includeMemory: (options & C.VIX_SNAPSHOT_INCLUDE_MEMORY) !== 0 ? 1 : 0 }, 'snapshot');
    const id = txt(out, 'snapshot');
    const list = snapshotsOf(yield* call('VM_ListSnapshots', { vmx: vm.vmx }, 'snapshot'));
    const info = list.find((s) => s.id === id);
    if (!info) throw new VixFail(C.VIX_E_SNAPSHOT_NOTFOUND, 'the new snapshot disappeared');
    const h = snapshotHandle(vm, info);
    j.held.push(h);
    j.props.set(C.VIX_PROPERTY_JOB_RESULT_HANDLE, h);
  });
}

export function VixVM_RemoveSnapshot(vmHandle: VixHandle, snapshotHandle_: VixHandle, options: number, callbackProc: Cb, clientData: unknown): VixHandle {
  return job(callbackProc, clientData, () => {
    const s = lookup(snapshotHandle_, 'snapshot');
    return vmJob(vmHandle, callbackProc, clientData, function* (vm) {
      if (s.vm !== vm) throw new VixFail(C.VIX_E_SNAPSHOT_INVAL, 'the snapshot belongs to another VM');
      yield* call('VM_RemoveSnapshot', { vmx: vm.vmx, snapshot: s.info.id, removeChildren: (options & C.VIX_SNAPSHOT_REMOVE_CHILDREN) !== 0 ? 1 : 0 }, 'snapshot');
    });
  });
}

export function VixVM_RevertToSnapshot(vmHandle: VixHandle, snapshotHandle_: VixHandle, _options: number, _propertyListHandle: VixHandle, callbackProc: Cb, clientData: unknown): VixHandle {
  return job(callbackProc, clientData, () => {
    const s = lookup(snapshotHandle_, 'snapshot');
    return vmJob(vmHandle, callbackProc, clientData, function* (vm) {
      if (s.vm !== vm) throw new VixFail(C.VIX_E_SNAPSHOT_INVAL, 'the snapshot belongs to another VM');
      yield* call('VM_RevertToSnapshot', { vmx: vm.vmx, snapshot: s.info.id }, 'snapshot');
      vm.guest = null;
      yield* refresh(vm);
    });
  });
}

/**
 * The promise API over the faithful one: `const host = await connect({ host, user,
 * password }); const vm = await host.openVM(vmx); await vm.powerOn(); …`. Every call is a
 * VIX job completed by its callback (never a blocking wait), so it suits ordinary Node
 * code; failures are `VixError` with the VIX code and its text.
 */
import * as C from './constants.ts';
import type { VixHandle } from './constants.ts';
import { Vix_GetErrorText } from './errors.ts';
import * as A from './api.ts';

/** A failed VIX call: `code` (VIX_E_*), `text` (Vix_GetErrorText), and the server's message when it gave one. */
export class VixError extends Error {
  readonly text: string;
  constructor(
    readonly code: number,
    readonly detail = '',
  ) {
    super(detail ? `${Vix_GetErrorText(code)}: ${detail}` : Vix_GetErrorText(code));
    this.name = 'VixError';
    this.text = Vix_GetErrorText(code);
  }
}

export interface ConnectOptions {
  /** Host name or address; absent or null: this machine. */
  readonly host?: string | null;
  /** The authd port (default `VMGATE_AUTHD_PORT` or 8902). */
  readonly port?: number;
  /** User and password; both absent: the current OS user (this machine only). */
  readonly user?: string | null;
  readonly password?: string | null;
  /** PEM to trust (else `VMGATE_CA`), a pinned SHA-256 fingerprint, or no check at all. */
  readonly ca?: string;
  readonly fingerprint?: string;
  readonly insecure?: boolean;
}

export interface ProgressOptions {
  /** Called on each VIX_EVENTTYPE_JOB_PROGRESS of the job. */
  readonly onProgress?: () => void;
}

/** Starts a job with a callback; resolves with the properties asked for when it completes. */
function runJob(start: (cb: C.VixEventProc) => VixHandle, props: readonly number[] = [], opts: ProgressOptions = {}): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    start((job, type) => {
      if (type === C.VIX_EVENTTYPE_JOB_PROGRESS) {
        opts.onProgress?.();
        return;
      }
      if (type !== C.VIX_EVENTTYPE_JOB_COMPLETED) return;
      const code = A.VixJob_GetError(job);
      const [, text] = A.Vix_GetProperties(job, C.VIX_PROPERTY_JOB_RESULT_USER_MESSAGE);
      const [, ...values] = code === C.VIX_OK ? A.Vix_GetProperties(job, ...props) : [code];
      A.Vix_ReleaseHandle(job);
      if (code !== C.VIX_OK) reject(new VixError(code, String(text ?? '')));
      else resolve(values);
    });
  });
}

/** Connects (three ways, as VixHost_Connect). */
export async function connect(opts: ConnectOptions = {}): Promise<VixHost> {
  const pairs: unknown[] = [];
  if (opts.ca) pairs.push(C.VMGATE_PROPERTY_HOST_CA_PEM, opts.ca);
  if (opts.fingerprint) pairs.push(C.VMGATE_PROPERTY_HOST_FINGERPRINT, opts.fingerprint);
  if (opts.insecure) pairs.push(C.VMGATE_PROPERTY_HOST_INSECURE, true);
  const [, pl] = pairs.length ? A.VixPropertyList_AllocPropertyList(C.VIX_INVALID_HANDLE, ...pairs, C.VIX_PROPERTY_NONE) : [C.VIX_OK, C.VIX_INVALID_HANDLE];
  try {
    const [host] = await runJob((cb) => A.VixHost_Connect(C.VIX_API_VERSION, C.VIX_SERVICEPROVIDER_VMWARE_SERVER, opts.host ?? null, opts.port ?? 0, opts.user ?? null, opts.password ?? null, 0, pl, cb, null), [C.VIX_PROPERTY_JOB_RESULT_HANDLE]);
    return new VixHost(host as number);
  } finally {
    if (pl !== C.VIX_INVALID_HANDLE) A.Vix_ReleaseHandle(pl);
  }
}

export class VixHost {
  constructor(readonly handle: VixHandle) {}

  async openVM(vmxPath: string): Promise<VixVm> {
    const [vm] = await runJob((cb) => A.VixVM_Open(this.handle, vmxPath, cb, null), [C.VIX_PROPERTY_JOB_RESULT_HANDLE]);
    return new VixVm(vm as number);
  }
  async registerVM(vmxPath: string): Promise<void> {
    await runJob((cb) => A.VixHost_RegisterVM(this.handle, vmxPath, cb, null));
  }
  async unregisterVM(vmxPath: string): Promise<void> {
    await runJob((cb) => A.VixHost_UnregisterVM(this.handle, vmxPath, cb, null));
  }
  /** The .vmx paths of running (default) or registered VMs, one by one as they are found. */
  async *findItems(searchType: number = C.VIX_FIND_RUNNING_VMS): AsyncIterable<string> {
    const found: string[] = [];
    let wake: (() => void) | null = null;
    let end: { error: VixError | null } | null = null;
    A.VixHost_FindItems(
      this.handle,
      searchType,
      C.VIX_INVALID_HANDLE,
      -1,
      (job, type, more) => {
        if (type === C.VIX_EVENTTYPE_FIND_ITEM) found.push(String(A.Vix_GetProperties(more, C.VIX_PROPERTY_FOUND_ITEM_LOCATION)[1]));
        else if (type === C.VIX_EVENTTYPE_JOB_COMPLETED) {
          const err = A.VixJob_GetError(job);
          const [, text] = A.Vix_GetProperties(job, C.VIX_PROPERTY_JOB_RESULT_USER_MESSAGE);
          A.Vix_ReleaseHandle(job);
          end = { error: err === C.VIX_OK ? null : new VixError(err, String(text ?? '')) };
        } else return;
        wake?.();
      },
      null,
    );
    for (;;) {
      const next = found.shift();
      if (next !== undefined) {
        yield next;
        continue;
      }
      if (end) {
        const e = (end as { error: VixError | null }).error;
        if (e) throw e;
        return;
      }
      await new Promise<void>((r) => (wake = r));
      wake = null;
    }
  }
  disconnect(): void {
    A.VixHost_Disconnect(this.handle);
  }
  async [Symbol.asyncDispose](): Promise<void> {
    this.disconnect();
  }
}

export interface ProgramResult {
  readonly pid: number;
  readonly exitCode: number;
  /** What the program wrote to its standard output. */
  readonly stdout: string;
  readonly elapsedSeconds: number;
}

export interface DirectoryEntry {
  readonly name: string;
  readonly size: number;
  readonly isDirectory: boolean;
  readonly modified: Date;
}

export class VixSnapshot {
  constructor(readonly handle: VixHandle) {}
  get name(): string {
    return String(A.Vix_GetProperties(this.handle, C.VIX_PROPERTY_SNAPSHOT_DISPLAYNAME)[1] ?? '');
  }
  get description(): string {
    return String(A.Vix_GetProperties(this.handle, C.VIX_PROPERTY_SNAPSHOT_DESCRIPTION)[1] ?? '');
  }
  release(): void {
    A.Vix_ReleaseHandle(this.handle);
  }
  async [Symbol.asyncDispose](): Promise<void> {
    this.release();
  }
}

export class VixVm {
  constructor(readonly handle: VixHandle) {}

  /** Name, path and the state last seen (refresh() asks the server again). */
  get vmxPath(): string {
    return String(A.Vix_GetProperties(this.handle, C.VIX_PROPERTY_VM_VMX_PATHNAME)[1] ?? '');
  }
  get name(): string {
    return String(A.Vix_GetProperties(this.handle, C.VIX_PROPERTY_VM_NAME)[1] ?? '');
  }
  /** Reads the VM from the server again (its power and tools state). */
  async refresh(): Promise<void> {
    const host = A.Vix_GetHandleType(this.handle) === C.VIX_HANDLETYPE_VM ? this.hostOf() : C.VIX_INVALID_HANDLE;
    const [vm] = await runJob((cb) => A.VixVM_Open(host, this.vmxPath, cb, null), [C.VIX_PROPERTY_JOB_RESULT_HANDLE]);
    A.Vix_ReleaseHandle(vm as number);
  }
  /** The power state bits (VIX_POWERSTATE_*) after a refresh. */
  async powerState(): Promise<number> {
    await this.refresh();
    return this.cachedPowerState();
  }
  private cachedPowerState(): number {
    return Number(propertyNoRefresh(this.handle, C.VIX_PROPERTY_VM_POWER_STATE));
  }
  private hostOf(): VixHandle {
    return hostOfVm(this.handle);
  }

  async powerOn(opts: ProgressOptions = {}): Promise<void> {
    await runJob((cb) => A.VixVM_PowerOn(this.handle, C.VIX_VMPOWEROP_NORMAL, C.VIX_INVALID_HANDLE, cb, null), [], opts);
  }
  async powerOff(opts: { fromGuest?: boolean } = {}): Promise<void> {
    await runJob((cb) => A.VixVM_PowerOff(this.handle, opts.fromGuest ? C.VIX_VMPOWEROP_FROM_GUEST : C.VIX_VMPOWEROP_NORMAL, C.VIX_INVALID_HANDLE, cb, null));
  }
  async reset(opts: { fromGuest?: boolean } = {}): Promise<void> {
    await runJob((cb) => A.VixVM_Reset(this.handle, opts.fromGuest ? C.VIX_VMPOWEROP_FROM_GUEST : C.VIX_VMPOWEROP_NORMAL, cb, null));
  }
  async suspend(): Promise<void> {
    await runJob((cb) => A.VixVM_Suspend(this.handle, 0, C.VIX_INVALID_HANDLE, cb, null));
  }
  /** Resumes a suspended VM (VixVM_PowerOn). */
  async resume(): Promise<void> {
    await this.powerOn();
  }
  async pause(): Promise<void> {
    await runJob((cb) => A.VixVM_Pause(this.handle, 0, C.VIX_INVALID_HANDLE, cb, null));
  }
  async unpause(): Promise<void> {
    await runJob((cb) => A.VixVM_Unpause(this.handle, 0, C.VIX_INVALID_HANDLE, cb, null));
  }
  /** Waits for tools; VixError VIX_E_TIMEOUT_WAITING_FOR_TOOLS after `timeoutMs` (default 5 minutes). */
  async waitForTools(opts: { timeoutMs?: number } = {}): Promise<void> {
    await runJob((cb) => A.VixVM_WaitForToolsInGuest(this.handle, Math.max(1, Math.ceil((opts.timeoutMs ?? 300_000) / 1000)), cb, null));
  }
  async upgradeVirtualHardware(): Promise<void> {
    await runJob((cb) => A.VixVM_UpgradeVirtualHardware(this.handle, 0, cb, null));
  }
  async delete(): Promise<void> {
    await runJob((cb) => A.VixVM_Delete(this.handle, C.VIX_VMDELETE_DISK_FILES, cb, null));
  }

  // guest
  async loginInGuest(user: string, password: string): Promise<void> {
    await runJob((cb) => A.VixVM_LoginInGuest(this.handle, user, password, 0, cb, null));
  }
  async logoutFromGuest(): Promise<void> {
    await runJob((cb) => A.VixVM_LogoutFromGuest(this.handle, cb, null));
  }
  /** Runs a program with exactly these arguments; its exit code and output. */
  async runProgram(path: string, args: readonly string[] = []): Promise<ProgramResult> {
    const [pid, exitCode, stdout, elapsed] = await runJob((cb) => A.VixVM_RunProgramInGuest(this.handle, path, args, 0, C.VIX_INVALID_HANDLE, cb, null), [C.VIX_PROPERTY_JOB_RESULT_PROCESS_ID, C.VIX_PROPERTY_JOB_RESULT_GUEST_PROGRAM_EXIT_CODE, C.VIX_PROPERTY_JOB_RESULT_COMMAND_OUTPUT, C.VIX_PROPERTY_JOB_RESULT_GUEST_PROGRAM_ELAPSED_TIME]);
    return { pid: pid as number, exitCode: exitCode as number, stdout: stdout as string, elapsedSeconds: elapsed as number };
  }
  async runScript(interpreter: string, script: string): Promise<ProgramResult> {
    const [pid, exitCode, stdout, elapsed] = await runJob((cb) => A.VixVM_RunScriptInGuest(this.handle, interpreter, script, 0, C.VIX_INVALID_HANDLE, cb, null), [C.VIX_PROPERTY_JOB_RESULT_PROCESS_ID, C.VIX_PROPERTY_JOB_RESULT_GUEST_PROGRAM_EXIT_CODE, C.VIX_PROPERTY_JOB_RESULT_COMMAND_OUTPUT, C.VIX_PROPERTY_JOB_RESULT_GUEST_PROGRAM_ELAPSED_TIME]);
    return { pid: pid as number, exitCode: exitCode as number, stdout: stdout as string, elapsedSeconds: elapsed as number };
  }
  async copyFileFromHostToGuest(hostPath: string, guestPath: string, opts: ProgressOptions = {}): Promise<void> {
    await runJob((cb) => A.VixVM_CopyFileFromHostToGuest(this.handle, hostPath, guestPath, 0, C.VIX_INVALID_HANDLE, cb, null), [], opts);
  }
  async copyFileFromGuestToHost(guestPath: string, hostPath: string, opts: ProgressOptions = {}): Promise<void> {
    await runJob((cb) => A.VixVM_CopyFileFromGuestToHost(this.handle, guestPath, hostPath, 0, C.VIX_INVALID_HANDLE, cb, null), [], opts);
  }
  async createDirectory(path: string): Promise<void> {
    await runJob((cb) => A.VixVM_CreateDirectoryInGuest(this.handle, path, C.VIX_INVALID_HANDLE, cb, null));
  }
  async deleteDirectory(path: string): Promise<void> {
    await runJob((cb) => A.VixVM_DeleteDirectoryInGuest(this.handle, path, 0, cb, null));
  }
  async deleteFile(path: string): Promise<void> {
    await runJob((cb) => A.VixVM_DeleteFileInGuest(this.handle, path, cb, null));
  }
  async fileExists(path: string): Promise<boolean> {
    const [v] = await runJob((cb) => A.VixVM_FileExistsInGuest(this.handle, path, cb, null), [C.VIX_PROPERTY_JOB_RESULT_GUEST_OBJECT_EXISTS]);
    return v === true;
  }
  async directoryExists(path: string): Promise<boolean> {
    const [v] = await runJob((cb) => A.VixVM_DirectoryExistsInGuest(this.handle, path, cb, null), [C.VIX_PROPERTY_JOB_RESULT_GUEST_OBJECT_EXISTS]);
    return v === true;
  }
  async listDirectory(path: string): Promise<DirectoryEntry[]> {
    return new Promise((resolve, reject) => {
      A.VixVM_ListDirectoryInGuest(this.handle, path, 0, (job, type) => {
        if (type !== C.VIX_EVENTTYPE_JOB_COMPLETED) return;
        const err = A.VixJob_GetError(job);
        const out: DirectoryEntry[] = [];
        const n = A.VixJob_GetNumProperties(job, C.VIX_PROPERTY_JOB_RESULT_ITEM_NAME);
        for (let i = 0; i < n; i++) {
          const [, name, size, flags, mod] = A.VixJob_GetNthProperties(job, i, C.VIX_PROPERTY_JOB_RESULT_ITEM_NAME, C.VIX_PROPERTY_JOB_RESULT_FILE_SIZE, C.VIX_PROPERTY_JOB_RESULT_FILE_FLAGS, C.VIX_PROPERTY_JOB_RESULT_FILE_MOD_TIME);
          out.push({ name: name as string, size: size as number, isDirectory: ((flags as number) & C.VIX_FILE_ATTRIBUTES_DIRECTORY) !== 0, modified: new Date((mod as number) * 1000) });
        }
        const [, text] = A.Vix_GetProperties(job, C.VIX_PROPERTY_JOB_RESULT_USER_MESSAGE);
        A.Vix_ReleaseHandle(job);
        if (err !== C.VIX_OK) reject(new VixError(err, String(text ?? '')));
        else resolve(out);
      }, null);
    });
  }

  // snapshots
  async createSnapshot(name: string, opts: { description?: string; includeMemory?: boolean } = {}): Promise<VixSnapshot> {
    const [h] = await runJob((cb) => A.VixVM_CreateSnapshot(this.handle, name, opts.description ?? null, opts.includeMemory ? C.VIX_SNAPSHOT_INCLUDE_MEMORY : 0, C.VIX_INVALID_HANDLE, cb, null), [C.VIX_PROPERTY_JOB_RESULT_HANDLE]);
    return new VixSnapshot(h as number);
  }
  /** A snapshot by name (or `a/b` down the tree); VixError VIX_E_SNAPSHOT_NOTFOUND if none. (One short blocking request.) */
  namedSnapshot(name: string): VixSnapshot {
    const [err, h] = A.VixVM_GetNamedSnapshot(this.handle, name);
    if (err !== C.VIX_OK) throw new VixError(err, `no snapshot named ${name}`);
    return new VixSnapshot(h);
  }
  async revertToSnapshot(snapshot: VixSnapshot): Promise<void> {
    await runJob((cb) => A.VixVM_RevertToSnapshot(this.handle, snapshot.handle, 0, C.VIX_INVALID_HANDLE, cb, null));
  }
  async removeSnapshot(snapshot: VixSnapshot, opts: { removeChildren?: boolean } = {}): Promise<void> {
    await runJob((cb) => A.VixVM_RemoveSnapshot(this.handle, snapshot.handle, opts.removeChildren ? C.VIX_SNAPSHOT_REMOVE_CHILDREN : 0, cb, null));
  }

  release(): void {
    A.Vix_ReleaseHandle(this.handle);
  }
  async [Symbol.asyncDispose](): Promise<void> {
    this.release();
  }
}

/** A property without asking the server again. */
function propertyNoRefresh(handle: VixHandle, id: number): unknown {
  return A.vmCachedProperty(handle, id);
}
function hostOfVm(handle: VixHandle): VixHandle {
  return A.vmHostHandle(handle);
}

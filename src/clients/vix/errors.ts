/**
 * VIX errors: the macros of vix.h, the text of each code, and the one table that turns
 * the vmserverd exec face's error codes (docs/faces/vmserverd.md) into VIX errors.
 */
import * as C from './constants.ts';
import type { VixErrorCode } from './constants.ts';

/** The code in the low 16 bits (`err & 0xFFFF`), for errors above 2^32 too. */
export function VIX_ERROR_CODE(err: VixErrorCode): number {
  return Number(BigInt.asUintN(16, BigInt(Math.trunc(err))));
}
export function VIX_SUCCEEDED(err: VixErrorCode): boolean {
  return err === C.VIX_OK;
}
export function VIX_FAILED(err: VixErrorCode): boolean {
  return err !== C.VIX_OK;
}

const TEXT = new Map<number, string>([
  [C.VIX_OK, 'The operation was successful'],
  [C.VIX_E_FAIL, 'Unknown error'],
  [C.VIX_E_OUT_OF_MEMORY, 'Memory allocation failed: out of memory'],
  [C.VIX_E_INVALID_ARG, 'One of the parameters was invalid'],
  [C.VIX_E_FILE_NOT_FOUND, 'A file was not found'],
  [C.VIX_E_OBJECT_IS_BUSY, 'This function cannot be performed because the handle is executing another function'],
  [C.VIX_E_NOT_SUPPORTED, 'The operation is not supported'],
  [C.VIX_E_FILE_ERROR, 'A file access error occurred on the host or guest operating system'],
  [C.VIX_E_DISK_FULL, 'An error occurred while writing a file; the disk is full'],
  [C.VIX_E_CANCELLED, 'The operation has been cancelled'],
  [C.VIX_E_FILE_ALREADY_EXISTS, 'The file already exists'],
  [C.VIX_E_FILE_ACCESS_ERROR, 'Insufficient permissions to access the file'],
  [C.VIX_E_ALREADY_EXISTS, 'The object already exists'],
  [C.VIX_E_OBJECT_NOT_FOUND, 'The object was not found'],
  [C.VIX_E_HOST_NOT_CONNECTED, 'Not connected to the host'],
  [C.VIX_E_UNFINISHED_JOB, 'The job has not finished'],
  [C.VIX_E_OPERATION_ALREADY_IN_PROGRESS, 'The operation is already in progress'],
  [C.VIX_E_AUTHENTICATION_FAIL, 'Authentication failed: the host refused the user name or password'],
  [C.VIX_E_HOST_CONNECTION_LOST, 'The connection to the host was lost'],
  [C.VIX_E_DUPLICATE_NAME, 'Another object is using this name'],
  [C.VIX_E_INVALID_HANDLE, 'The handle is not a valid VIX object (never opened, or released)'],
  [C.VIX_E_NOT_SUPPORTED_ON_HANDLE_TYPE, 'The operation is not supported on this type of handle'],
  [C.VIX_E_TOO_MANY_HANDLES, 'Too many handles are open'],
  [C.VIX_E_INVALID_XML, 'The server could not read the request (invalid XML)'],
  [C.VIX_E_TIMEOUT_WAITING_FOR_TOOLS, 'Timed out waiting for VMware Tools in the guest'],
  [C.VIX_E_UNRECOGNIZED_COMMAND, 'The command is not recognized by the virtual machine'],
  [C.VIX_E_OP_NOT_SUPPORTED_ON_GUEST, 'The operation is not supported for this guest operating system'],
  [C.VIX_E_PROGRAM_NOT_STARTED, 'The program could not be started in the guest'],
  [C.VIX_E_VM_NOT_RUNNING, 'The virtual machine needs to be powered on'],
  [C.VIX_E_VM_IS_RUNNING, 'The virtual machine should not be powered on; it is already running'],
  [C.VIX_E_CANNOT_CONNECT_TO_VM, 'Cannot connect to the virtual machine'],
  [C.VIX_E_VM_INSUFFICIENT_HOST_MEMORY, 'The host does not have enough memory to power on the virtual machine'],
  [C.VIX_E_SUSPEND_ERROR, 'An error occurred while suspending the virtual machine'],
  [C.VIX_E_HOST_USER_PERMISSIONS, 'Insufficient permissions in the host operating system'],
  [C.VIX_E_GUEST_USER_PERMISSIONS, 'Insufficient permissions in the guest operating system'],
  [C.VIX_E_TOOLS_NOT_RUNNING, 'VMware Tools are not running in the guest (or the virtual machine is not powered on)'],
  [C.VIX_E_GUEST_OPERATIONS_PROHIBITED, 'Guest operations are prohibited on this virtual machine'],
  [C.VIX_E_CANNOT_AUTHENTICATE_WITH_GUEST, 'Cannot authenticate with the guest: wrong guest user name or password'],
  [C.VIX_E_CANNOT_POWER_ON_VM, 'Cannot power on the virtual machine'],
  [C.VIX_E_INVALID_AUTHENTICATION_SESSION, 'No guest login: call VixVM_LoginInGuest first'],
  [C.VIX_E_VM_NOT_FOUND, 'The virtual machine cannot be found'],
  [C.VIX_E_NOT_SUPPORTED_FOR_VM_VERSION, 'The operation is not supported for this virtual hardware version'],
  [C.VIX_E_CANNOT_READ_VM_CONFIG, 'Cannot read the virtual machine configuration file'],
  [C.VIX_E_VM_ALREADY_LOADED, 'The virtual machine is already registered'],
  [C.VIX_E_VM_ALREADY_UP_TO_DATE, 'The virtual machine is already up to date'],
  [C.VIX_E_UNRECOGNIZED_PROPERTY, 'Unrecognized handle property identifier'],
  [C.VIX_E_INVALID_PROPERTY_VALUE, 'Invalid property value'],
  [C.VIX_E_READ_ONLY_PROPERTY, 'Cannot change a read-only property'],
  [C.VIX_E_MISSING_REQUIRED_PROPERTY, 'This handle is missing a required property'],
  [C.VIX_E_SNAPSHOT_INVAL, 'Invalid snapshot'],
  [C.VIX_E_SNAPSHOT_NOTFOUND, 'The snapshot was not found'],
  [C.VIX_E_SNAPSHOT_EXISTS, 'The snapshot already exists'],
  [C.VIX_E_SNAPSHOT_NONUNIQUE_NAME, 'More than one snapshot has this name'],
  [C.VIX_E_SNAPSHOT_MAXSNAPSHOTS, 'The maximum number of snapshots has been reached'],
  [C.VIX_E_CANNOT_CONNECT_TO_HOST, 'Cannot connect to the host'],
  [C.VIX_E_NOT_A_FILE, 'The path is not a file'],
  [C.VIX_E_NOT_A_DIRECTORY, 'The path is not a directory'],
  [C.VIX_E_NO_SUCH_PROCESS, 'No such process'],
  [C.VIX_E_FILE_NAME_TOO_LONG, 'The file name is too long'],
]);

/** `Vix_GetErrorText(err, locale)`: the text of the error's code (English whatever the locale). */
export function Vix_GetErrorText(err: VixErrorCode, _locale?: string | null): string {
  return TEXT.get(VIX_ERROR_CODE(err)) ?? `Unknown error ${VIX_ERROR_CODE(err)}`;
}

/** What a request was about: the same exec code means a different VIX error for each. */
export type ErrorContext = 'host' | 'vm' | 'powerOn' | 'power' | 'tools' | 'guest' | 'snapshot';

/**
 * The one table: exec face code → VIX error, by context (`default` unless a context says
 * otherwise). docs/sdk/vix.md prints the same table.
 */
export const EXEC_TO_VIX: ReadonlyMap<string, { readonly default: VixErrorCode } & Partial<Record<ErrorContext, VixErrorCode>>> = new Map<string, { default: VixErrorCode } & Partial<Record<ErrorContext, VixErrorCode>>>([
  ['unknown_op', { default: C.VIX_E_NOT_SUPPORTED }],
  ['bad_argument', { default: C.VIX_E_INVALID_ARG }],
  ['malformed_xml', { default: C.VIX_E_INVALID_XML }],
  ['not_found', { default: C.VIX_E_OBJECT_NOT_FOUND, vm: C.VIX_E_VM_NOT_FOUND, power: C.VIX_E_VM_NOT_FOUND, powerOn: C.VIX_E_VM_NOT_FOUND, tools: C.VIX_E_VM_NOT_FOUND, guest: C.VIX_E_FILE_NOT_FOUND, snapshot: C.VIX_E_SNAPSHOT_NOTFOUND }],
  ['already_exists', { default: C.VIX_E_ALREADY_EXISTS, vm: C.VIX_E_VM_ALREADY_LOADED, guest: C.VIX_E_FILE_ALREADY_EXISTS }],
  ['invalid_state', { default: C.VIX_E_OBJECT_IS_BUSY, vm: C.VIX_E_VM_IS_RUNNING, power: C.VIX_E_VM_NOT_RUNNING, powerOn: C.VIX_E_VM_IS_RUNNING, tools: C.VIX_E_VM_NOT_RUNNING, guest: C.VIX_E_TOOLS_NOT_RUNNING, snapshot: C.VIX_E_SNAPSHOT_INVAL }],
  ['permission_denied', { default: C.VIX_E_HOST_USER_PERMISSIONS }],
  ['not_authenticated', { default: C.VIX_E_AUTHENTICATION_FAIL, guest: C.VIX_E_CANNOT_AUTHENTICATE_WITH_GUEST }],
  ['busy', { default: C.VIX_E_OBJECT_IS_BUSY }],
  ['timed_out', { default: C.VIX_E_FAIL, tools: C.VIX_E_TIMEOUT_WAITING_FOR_TOOLS }],
  ['unsupported', { default: C.VIX_E_NOT_SUPPORTED, guest: C.VIX_E_OP_NOT_SUPPORTED_ON_GUEST }],
  ['cancelled', { default: C.VIX_E_CANCELLED }],
  ['frame_too_large', { default: C.VIX_E_INVALID_ARG }],
  ['bad_frame', { default: C.VIX_E_HOST_CONNECTION_LOST }],
  ['internal', { default: C.VIX_E_FAIL }],
]);

/** An exec face error code in a context → the VIX error (an unknown code is VIX_E_FAIL). */
export function vixErrorOf(code: string, context: ErrorContext): VixErrorCode {
  const row = EXEC_TO_VIX.get(code);
  if (!row) return C.VIX_E_FAIL;
  return row[context] ?? row.default;
}

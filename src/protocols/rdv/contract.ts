/**
 * Microsoft's RDV custom-VDI contract (the `VMMWebServerClient` filter plug-in's web
 * service): namespaces, operation names and the enumerations, exactly as the contract
 * spells them, with the real `http://` namespaces (see docs/faces/rdv.md).
 */

/** The service namespace: operation wrappers and their parameters. */
export const NS_SERVICE = 'http://Microsoft.Virtualization.RDV';
/** The data-contract namespace: members of VMResult, VM and Job. */
export const NS_DATA = 'http://schemas.datacontract.org/2004/07/Microsoft.Virtualization.RDV';
/** The WCF serialization namespace (the `guid` type). */
export const NS_SER = 'http://schemas.microsoft.com/2003/10/Serialization/';
export const NS_SOAP_ENV = 'http://schemas.xmlsoap.org/soap/envelope/';
export const NS_XSI = 'http://www.w3.org/2001/XMLSchema-instance';
export const NS_WSA = 'http://www.w3.org/2005/08/addressing';
export const NS_WSA_2004 = 'http://schemas.xmlsoap.org/ws/2004/08/addressing';

export const OPERATIONS = ['StartVM', 'SetLocale', 'GetVM', 'PlaceVM'] as const;
export type Operation = (typeof OPERATIONS)[number];

/** soapAction of an operation (and `…Response` for its reply). */
export function soapAction(op: Operation | 'JobUpdated'): string {
  return `${NS_SERVICE}/IRDVServer/${op}`;
}

export const NAME_TYPES = ['COMPUTER_NAME_FQDN', 'GUID', 'VM_NAME'] as const;
export type NameType = (typeof NAME_TYPES)[number];

export const VM_ERRORS = [
  'ERROR_VM_SUCCESS',
  'ERROR_VM_START',
  'ERROR_VM_PLACEMENT',
  'ERROR_VM_SAVE',
  'ERROR_VM_RESTORE',
  'ERROR_VM_MISSING',
  'ERROR_JOB_NOT_FOUND',
  'ERROR_VM_LOCKED',
  'ERROR_VM_NO_PERMISSION',
  'ERROR_VM_STATE',
  'ERROR_SERVER_CONNECTION_LOST',
  'ERROR_SERVER_CONNECTION_SETUP',
] as const;
export type VmError = (typeof VM_ERRORS)[number];

export const VM_HOST_TYPES = ['VM_LIBRARY', 'VM_HOST'] as const;
export type VmHostType = (typeof VM_HOST_TYPES)[number];

export const VM_STATUSES = [
  'VM_STATUS_UNKNOWN',
  'VM_STATUS_MIGRATING',
  'VM_STATUS_RUNNING',
  'VM_STATUS_HIBERNATED',
  'VM_STATUS_PAUSED',
  'VM_STATUS_STOPPED',
  'VM_STATUS_GUEST_BOOTED',
  'VM_STATUS_GUEST_REBOOTED',
  'VM_STATUS_GUEST_READY',
] as const;
export type VmStatus = (typeof VM_STATUSES)[number];

export const JOB_STATUSES = ['DOES_NOT_EXISTS', 'RUNNING', 'FAILED', 'COMPLETED'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** One VM of a GetVM reply. */
export interface RdvVm {
  readonly HostFQDN: string | null;
  readonly HostType: VmHostType;
  readonly ID: string;
  readonly Name: string | null;
  readonly Status: VmStatus;
}

/** GetVM's result. */
export interface VmResult {
  readonly DetailedErrorString: string | null;
  readonly ErrorID: VmError;
  readonly VMList: readonly RdvVm[] | null;
}

/** What JobUpdated carries. */
export interface RdvJob {
  readonly DetailedErrorString: string | null;
  readonly ErrorID: VmError;
  readonly ID: string;
  readonly Name: string | null;
  readonly Progress: number;
  readonly Status: JobStatus;
  readonly Step: string | null;
}

/** A decoded request body: the operation and its parameters. */
export type RdvRequest =
  | { readonly op: 'GetVM' | 'StartVM' | 'PlaceVM'; readonly name: string | null; readonly type: NameType | null }
  | { readonly op: 'SetLocale'; readonly locale: string | null };

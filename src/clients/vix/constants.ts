/**
 * The constants of VMware's `vix.h` that the VIX Programming Guide 1.0 uses, with the
 * header's values (hand-written from the protocol notes, not generated).
 */

export type VixHandle = number;
/**
 * C's `VixError`: the low 16 bits are the code (`VIX_ERROR_CODE`); vmgate sets no higher
 * bits. (In TypeScript `VixError` is the promise API's error class.)
 */
export type VixErrorCode = number;

export const VIX_INVALID_HANDLE = 0;
/** `VixHost_Connect`'s apiVersion: "the newest this library speaks". */
export const VIX_API_VERSION = -1;

// ---- errors ----------------------------------------------------------------
export const VIX_OK = 0;
export const VIX_E_FAIL = 1;
export const VIX_E_OUT_OF_MEMORY = 2;
export const VIX_E_INVALID_ARG = 3;
export const VIX_E_FILE_NOT_FOUND = 4;
export const VIX_E_OBJECT_IS_BUSY = 5;
export const VIX_E_NOT_SUPPORTED = 6;
export const VIX_E_FILE_ERROR = 7;
export const VIX_E_DISK_FULL = 8;
export const VIX_E_CANCELLED = 10;
export const VIX_E_FILE_ALREADY_EXISTS = 12;
export const VIX_E_FILE_ACCESS_ERROR = 13;
export const VIX_E_ALREADY_EXISTS = 23;
export const VIX_E_OBJECT_NOT_FOUND = 25;
export const VIX_E_HOST_NOT_CONNECTED = 26;
export const VIX_E_UNFINISHED_JOB = 29;
export const VIX_E_OPERATION_ALREADY_IN_PROGRESS = 31;
export const VIX_E_AUTHENTICATION_FAIL = 35;
export const VIX_E_HOST_CONNECTION_LOST = 36;
export const VIX_E_DUPLICATE_NAME = 41;
export const VIX_E_INVALID_HANDLE = 1000;
export const VIX_E_NOT_SUPPORTED_ON_HANDLE_TYPE = 1001;
export const VIX_E_TOO_MANY_HANDLES = 1002;
export const VIX_E_INVALID_XML = 2002;
export const VIX_E_TIMEOUT_WAITING_FOR_TOOLS = 3000;
export const VIX_E_UNRECOGNIZED_COMMAND = 3001;
export const VIX_E_OP_NOT_SUPPORTED_ON_GUEST = 3003;
export const VIX_E_PROGRAM_NOT_STARTED = 3004;
export const VIX_E_VM_NOT_RUNNING = 3006;
export const VIX_E_VM_IS_RUNNING = 3007;
export const VIX_E_CANNOT_CONNECT_TO_VM = 3008;
export const VIX_E_VM_INSUFFICIENT_HOST_MEMORY = 3011;
export const VIX_E_SUSPEND_ERROR = 3012;
export const VIX_E_HOST_USER_PERMISSIONS = 3014;
export const VIX_E_GUEST_USER_PERMISSIONS = 3015;
export const VIX_E_TOOLS_NOT_RUNNING = 3016;
export const VIX_E_GUEST_OPERATIONS_PROHIBITED = 3017;
export const VIX_E_CANNOT_AUTHENTICATE_WITH_GUEST = 3024;
export const VIX_E_CANNOT_POWER_ON_VM = 3041;
export const VIX_E_INVALID_AUTHENTICATION_SESSION = 3047;
export const VIX_E_VM_NOT_FOUND = 4000;
export const VIX_E_NOT_SUPPORTED_FOR_VM_VERSION = 4001;
export const VIX_E_CANNOT_READ_VM_CONFIG = 4002;
export const VIX_E_VM_ALREADY_LOADED = 4004;
export const VIX_E_VM_ALREADY_UP_TO_DATE = 4006;
export const VIX_E_UNRECOGNIZED_PROPERTY = 6000;
export const VIX_E_INVALID_PROPERTY_VALUE = 6001;
export const VIX_E_READ_ONLY_PROPERTY = 6002;
export const VIX_E_MISSING_REQUIRED_PROPERTY = 6003;
export const VIX_E_SNAPSHOT_INVAL = 13000;
export const VIX_E_SNAPSHOT_NOTFOUND = 13003;
export const VIX_E_SNAPSHOT_EXISTS = 13004;
export const VIX_E_SNAPSHOT_NONUNIQUE_NAME = 13017;
export const VIX_E_SNAPSHOT_MAXSNAPSHOTS = 13019;
export const VIX_E_CANNOT_CONNECT_TO_HOST = 18000;
export const VIX_E_NOT_A_FILE = 20001;
export const VIX_E_NOT_A_DIRECTORY = 20002;
export const VIX_E_NO_SUCH_PROCESS = 20003;
export const VIX_E_FILE_NAME_TOO_LONG = 20004;

// ---- handle types --------------------------------------------------------------
export const VIX_HANDLETYPE_NONE = 0;
export const VIX_HANDLETYPE_HOST = 2;
export const VIX_HANDLETYPE_VM = 3;
export const VIX_HANDLETYPE_NETWORK = 5;
export const VIX_HANDLETYPE_JOB = 6;
export const VIX_HANDLETYPE_SNAPSHOT = 7;
export const VIX_HANDLETYPE_PROPERTY_LIST = 9;

// ---- property types ------------------------------------------------------------
export const VIX_PROPERTYTYPE_ANY = 0;
export const VIX_PROPERTYTYPE_INTEGER = 1;
export const VIX_PROPERTYTYPE_STRING = 2;
export const VIX_PROPERTYTYPE_BOOL = 3;
export const VIX_PROPERTYTYPE_HANDLE = 4;
export const VIX_PROPERTYTYPE_INT64 = 5;
export const VIX_PROPERTYTYPE_BLOB = 6;

// ---- properties ----------------------------------------------------------------
export const VIX_PROPERTY_NONE = 0;
export const VIX_PROPERTY_HOST_HOSTTYPE = 50;
export const VIX_PROPERTY_HOST_API_VERSION = 51;
export const VIX_PROPERTY_VM_NUM_VCPUS = 101;
export const VIX_PROPERTY_VM_VMX_PATHNAME = 103;
export const VIX_PROPERTY_VM_MEMORY_SIZE = 106;
export const VIX_PROPERTY_VM_READ_ONLY = 107;
export const VIX_PROPERTY_VM_NAME = 108;
export const VIX_PROPERTY_VM_GUESTOS = 109;
export const VIX_PROPERTY_VM_POWER_STATE = 129;
export const VIX_PROPERTY_VM_TOOLS_STATE = 152;
export const VIX_PROPERTY_VM_IS_RUNNING = 196;
export const VIX_PROPERTY_VM_SUPPORTED_FEATURES = 197;
export const VIX_PROPERTY_JOB_RESULT_ERROR_CODE = 3000;
export const VIX_PROPERTY_JOB_RESULT_USER_MESSAGE = 3002;
export const VIX_PROPERTY_JOB_RESULT_EXIT_CODE = 3004;
export const VIX_PROPERTY_JOB_RESULT_COMMAND_OUTPUT = 3005;
export const VIX_PROPERTY_JOB_RESULT_HANDLE = 3010;
export const VIX_PROPERTY_JOB_RESULT_GUEST_OBJECT_EXISTS = 3011;
export const VIX_PROPERTY_JOB_RESULT_GUEST_PROGRAM_ELAPSED_TIME = 3017;
export const VIX_PROPERTY_JOB_RESULT_GUEST_PROGRAM_EXIT_CODE = 3018;
export const VIX_PROPERTY_JOB_RESULT_ITEM_NAME = 3035;
export const VIX_PROPERTY_JOB_RESULT_PROCESS_ID = 3051;
export const VIX_PROPERTY_JOB_RESULT_PROCESS_OWNER = 3052;
export const VIX_PROPERTY_JOB_RESULT_PROCESS_COMMAND = 3053;
export const VIX_PROPERTY_JOB_RESULT_FILE_FLAGS = 3054;
export const VIX_PROPERTY_JOB_RESULT_PROCESS_START_TIME = 3055;
export const VIX_PROPERTY_JOB_RESULT_FILE_SIZE = 3061;
export const VIX_PROPERTY_JOB_RESULT_FILE_MOD_TIME = 3062;
export const VIX_PROPERTY_FOUND_ITEM_LOCATION = 4010;
export const VIX_PROPERTY_SNAPSHOT_DISPLAYNAME = 4200;
export const VIX_PROPERTY_SNAPSHOT_DESCRIPTION = 4201;
export const VIX_PROPERTY_SNAPSHOT_POWERSTATE = 4205;

/**
 * vmgate's own properties (not in vix.h), for the property list of `VixHost_Connect`:
 * how to trust the server's certificate. Without them the environment is read
 * (`VMGATE_CA` a PEM file, `VMGATE_FINGERPRINT`, `VMGATE_INSECURE=1`).
 */
export const VMGATE_PROPERTY_HOST_CA_PEM = 0x7661_0001;
export const VMGATE_PROPERTY_HOST_FINGERPRINT = 0x7661_0002;
export const VMGATE_PROPERTY_HOST_INSECURE = 0x7661_0003;

// ---- event types ---------------------------------------------------------------
export const VIX_EVENTTYPE_JOB_COMPLETED = 2;
export const VIX_EVENTTYPE_JOB_PROGRESS = 3;
export const VIX_EVENTTYPE_FIND_ITEM = 8;
/** The guide's name for JOB_COMPLETED. */
export const VIX_EVENTTYPE_CALLBACK_SIGNALLED = 2;

// ---- power and tools state -----------------------------------------------------
export const VIX_POWERSTATE_POWERING_OFF = 0x0001;
export const VIX_POWERSTATE_POWERED_OFF = 0x0002;
export const VIX_POWERSTATE_POWERING_ON = 0x0004;
export const VIX_POWERSTATE_POWERED_ON = 0x0008;
export const VIX_POWERSTATE_SUSPENDING = 0x0010;
export const VIX_POWERSTATE_SUSPENDED = 0x0020;
export const VIX_POWERSTATE_TOOLS_RUNNING = 0x0040;
export const VIX_POWERSTATE_RESETTING = 0x0080;
export const VIX_POWERSTATE_BLOCKED_ON_MSG = 0x0100;
export const VIX_POWERSTATE_PAUSED = 0x0200;
export const VIX_POWERSTATE_RESUMING = 0x0800;
export type VixPowerState = number;

export const VIX_TOOLSSTATE_UNKNOWN = 0x0001;
export const VIX_TOOLSSTATE_RUNNING = 0x0002;
export const VIX_TOOLSSTATE_NOT_INSTALLED = 0x0004;

// ---- hosts, options ------------------------------------------------------------
export const VIX_SERVICEPROVIDER_DEFAULT = 1;
export const VIX_SERVICEPROVIDER_VMWARE_SERVER = 2;
export const VIX_SERVICEPROVIDER_VMWARE_WORKSTATION = 3;
export const VIX_SERVICEPROVIDER_VMWARE_PLAYER = 4;
export const VIX_SERVICEPROVIDER_VMWARE_VI_SERVER = 10;

export const VIX_HOSTOPTION_USE_EVENT_PUMP = 0x0008;
export const VIX_PUMPEVENTOPTION_NONE = 0;

export const VIX_FIND_RUNNING_VMS = 1;
export const VIX_FIND_REGISTERED_VMS = 4;

export const VIX_VMPOWEROP_NORMAL = 0;
export const VIX_VMPOWEROP_FROM_GUEST = 0x0004;
export const VIX_VMPOWEROP_SUPPRESS_SNAPSHOT_POWERON = 0x0080;
export const VIX_VMPOWEROP_LAUNCH_GUI = 0x0200;
export const VIX_VMPOWEROP_START_VM_PAUSED = 0x1000;

export const VIX_RUNPROGRAM_RETURN_IMMEDIATELY = 0x0001;

export const VIX_SNAPSHOT_REMOVE_CHILDREN = 0x0001;
export const VIX_SNAPSHOT_INCLUDE_MEMORY = 0x0002;

export const VIX_VMDELETE_DISK_FILES = 0x0002;

export const VIX_CLONETYPE_FULL = 0;
export const VIX_CLONETYPE_LINKED = 1;

export const VIX_FILE_ATTRIBUTES_DIRECTORY = 0x0001;
export const VIX_FILE_ATTRIBUTES_SYMLINK = 0x0002;

export const VIX_VM_GUEST_VARIABLE = 1;
export const VIX_VM_CONFIG_RUNTIME_ONLY = 2;
export const VIX_GUEST_ENVIRONMENT_VARIABLE = 3;

/** `(handle, eventType, moreEventInfo, clientData)`, as `VixEventProc`. */
export type VixEventProc = (handle: VixHandle, eventType: number, moreEventInfo: VixHandle, clientData: unknown) => void;

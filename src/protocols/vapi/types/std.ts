/**
 * `com.vmware.vapi.std`: localizable messages, dynamic ids and the standard errors every
 * vAPI operation may report (`com.vmware.vapi.std.errors.<kind>`).
 */
import type { ErrorType, Fields, Infer, LazyType } from './vapi-type.ts';
import {
  dateTime,
  double,
  dynamicStructure,
  enumT,
  errorT,
  id,
  lazy,
  list,
  long,
  map,
  optional,
  string,
  struct,
} from './vapi-type.ts';

export const LocalizationParamDateTimeFormat = enumT('com.vmware.vapi.std.localization_param.date_time_format', [
  'SHORT_DATE',
  'MED_DATE',
  'LONG_DATE',
  'FULL_DATE',
  'SHORT_TIME',
  'MED_TIME',
  'LONG_TIME',
  'FULL_TIME',
  'SHORT_DATE_TIME',
  'MED_DATE_TIME',
  'LONG_DATE_TIME',
  'FULL_DATE_TIME',
]);

/** Value shape of `com.vmware.vapi.std.localization_param` (recursive, so written out). */
export interface LocalizationParam {
  readonly s?: string;
  readonly dt?: string;
  readonly i?: number;
  readonly d?: number;
  readonly l?: NestedLocalizableMessage;
  readonly format?: Infer<typeof LocalizationParamDateTimeFormat>;
  readonly precision?: number;
}
export interface NestedLocalizableMessage {
  readonly id: string;
  readonly params?: Readonly<Record<string, LocalizationParam>>;
}

const localizationParamRef: LazyType<LocalizationParam> = lazy<LocalizationParam>(() => LocalizationParam);

export const NestedLocalizableMessage = struct('com.vmware.vapi.std.nested_localizable_message', {
  id: string(),
  params: optional(map(string(), localizationParamRef)),
});

export const LocalizationParam = struct('com.vmware.vapi.std.localization_param', {
  s: optional(string()),
  dt: optional(dateTime()),
  i: optional(long()),
  d: optional(double()),
  l: optional(NestedLocalizableMessage),
  format: optional(LocalizationParamDateTimeFormat),
  precision: optional(long()),
});

export const LocalizableMessage = struct('com.vmware.vapi.std.localizable_message', {
  id: string(),
  default_message: string(),
  args: list(string()),
  params: optional(map(string(), localizationParamRef)),
  localized: optional(string()),
});
export type LocalizableMessage = Infer<typeof LocalizableMessage>;

export const DynamicID = struct('com.vmware.vapi.std.dynamic_ID', {
  type: string(),
  id: id(),
});
export type DynamicID = Infer<typeof DynamicID>;

// ---------------------------------------------------------------------------------------
// Standard errors

/** The 25 standard error kinds, as the last segment of their name. */
export const STD_ERROR_KINDS = [
  'error',
  'already_exists',
  'already_in_desired_state',
  'canceled',
  'concurrent_change',
  'feature_in_use',
  'internal_server_error',
  'invalid_argument',
  'invalid_element_configuration',
  'invalid_element_type',
  'invalid_request',
  'not_allowed_in_current_state',
  'not_found',
  'operation_not_found',
  'resource_busy',
  'resource_in_use',
  'resource_inaccessible',
  'service_unavailable',
  'timed_out',
  'unable_to_allocate_resource',
  'unauthenticated',
  'unauthorized',
  'unexpected_input',
  'unsupported',
  'unverified_peer',
] as const;
export type StdErrorKind = (typeof STD_ERROR_KINDS)[number];

export const STD_ERRORS_PACKAGE = 'com.vmware.vapi.std.errors';

/** `not_found` → `com.vmware.vapi.std.errors.not_found` */
export function stdErrorName(kind: StdErrorKind): string {
  return `${STD_ERRORS_PACKAGE}.${kind}`;
}

/** `com.vmware.vapi.std.errors.not_found` → `not_found`; undefined for other names. */
export function stdErrorKindOf(name: string): StdErrorKind | undefined {
  if (!name.startsWith(`${STD_ERRORS_PACKAGE}.`)) return undefined;
  const kind = name.slice(STD_ERRORS_PACKAGE.length + 1);
  return (STD_ERROR_KINDS as readonly string[]).includes(kind) ? (kind as StdErrorKind) : undefined;
}

/** `com.vmware.vapi.std.errors.error.type`: the discriminator REST clients read (`NOT_FOUND`). */
export const StdErrorType = enumT('com.vmware.vapi.std.errors.error.type', [
  'ERROR',
  'ALREADY_EXISTS',
  'ALREADY_IN_DESIRED_STATE',
  'CANCELED',
  'CONCURRENT_CHANGE',
  'FEATURE_IN_USE',
  'INTERNAL_SERVER_ERROR',
  'INVALID_ARGUMENT',
  'INVALID_ELEMENT_CONFIGURATION',
  'INVALID_ELEMENT_TYPE',
  'INVALID_REQUEST',
  'NOT_ALLOWED_IN_CURRENT_STATE',
  'NOT_FOUND',
  'OPERATION_NOT_FOUND',
  'RESOURCE_BUSY',
  'RESOURCE_IN_USE',
  'RESOURCE_INACCESSIBLE',
  'SERVICE_UNAVAILABLE',
  'TIMED_OUT',
  'UNABLE_TO_ALLOCATE_RESOURCE',
  'UNAUTHENTICATED',
  'UNAUTHORIZED',
  'UNEXPECTED_INPUT',
  'UNSUPPORTED',
  'UNVERIFIED_PEER',
]);
export type StdErrorType = Infer<typeof StdErrorType>;

/** `not_found` → `NOT_FOUND` */
export function stdErrorTypeOf(kind: StdErrorKind): StdErrorType {
  return kind.toUpperCase() as StdErrorType;
}

/** `NOT_FOUND` → `not_found` */
export function stdErrorKindOfType(type: string): StdErrorKind | undefined {
  const kind = type.toLowerCase();
  return (STD_ERROR_KINDS as readonly string[]).includes(kind) ? (kind as StdErrorKind) : undefined;
}

const STD_ERROR_FIELDS: Fields = {
  messages: list(LocalizableMessage),
  data: optional(dynamicStructure()),
  error_type: optional(StdErrorType),
};
const UNAUTHENTICATED_FIELDS: Fields = { ...STD_ERROR_FIELDS, challenge: optional(string()) };

/** The error structure of each standard error kind (only `unauthenticated` has `challenge`). */
export const STD_ERROR_TYPES = Object.fromEntries(
  STD_ERROR_KINDS.map((kind) => [
    kind,
    errorT(stdErrorName(kind), kind === 'unauthenticated' ? UNAUTHENTICATED_FIELDS : STD_ERROR_FIELDS),
  ]),
) as Readonly<Record<StdErrorKind, ErrorType>>;

/** Fields of a standard error value (clean shape). */
export interface StdErrorFields {
  readonly messages: readonly LocalizableMessage[];
  readonly data?: Readonly<Record<string, unknown>>;
  readonly error_type?: StdErrorType;
  /** `unauthenticated` only. */
  readonly challenge?: string;
}

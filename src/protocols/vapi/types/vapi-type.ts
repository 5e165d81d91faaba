/**
 * A small description language for vAPI values — the same type system the vSphere
 * Automation bindings use (`vmware.vapi.bindings.type`): primitives, optional, list, set,
 * map, named structures and errors, and the three "untyped" escapes (opaque, dynamic
 * structure, any error).
 *
 * A type is a plain readonly record with a `kind` tag; the factories below build them and
 * keep enough static information for {@link Infer} to compute the TypeScript shape of a
 * value ("clean" shape: snake_case fields as on the wire, unset optionals omitted).
 *
 * ```ts
 * const Summary = struct('com.vmware.vcenter.VM.summary', {
 *   vm: id(), name: string(), power_state: PowerState, cpu_count: optional(long()),
 * });
 * type Summary = Infer<typeof Summary>;
 * // { readonly vm: string; readonly name: string; readonly power_state: 'POWERED_ON' | …;
 * //   readonly cpu_count?: number }
 * ```
 */

export interface StringType {
  readonly kind: 'string';
}
/** An identifier; `resourceTypes` documents what it names (`VirtualMachine`, …). */
export interface IdType {
  readonly kind: 'id';
  readonly resourceTypes: readonly string[];
}
/**
 * vAPI enumerations are open: a newer server may send a value this table does not list.
 * Decoders accept unknown values unless asked to be strict (server-side input decoding).
 */
export interface EnumType<V extends string = string> {
  readonly kind: 'enum';
  readonly name: string;
  readonly values: readonly V[];
}
export interface BooleanType {
  readonly kind: 'boolean';
}
/** 64-bit signed integer on the wire; a JS number (integral) here. */
export interface LongType {
  readonly kind: 'long';
}
export interface DoubleType {
  readonly kind: 'double';
}
/** RFC 3339 on input; always `YYYY-MM-DDTHH:mm:ss.SSSZ` on output. */
export interface DateTimeType {
  readonly kind: 'date_time';
}
export interface BinaryType {
  readonly kind: 'binary';
}
export interface SecretType {
  readonly kind: 'secret';
}
export interface UriType {
  readonly kind: 'uri';
}
export interface VoidType {
  readonly kind: 'void';
}
export interface OptionalType<T extends VapiType = VapiType> {
  readonly kind: 'optional';
  readonly element: T;
}
export interface ListType<T extends VapiType = VapiType> {
  readonly kind: 'list';
  readonly element: T;
}
export interface SetType<T extends VapiType = VapiType> {
  readonly kind: 'set';
  readonly element: T;
}
export interface MapType<K extends VapiType = VapiType, V extends VapiType = VapiType> {
  readonly kind: 'map';
  readonly key: K;
  readonly value: V;
}

export type Fields = { readonly [field: string]: VapiType };

export interface StructureType<F extends Fields = Fields> {
  readonly kind: 'structure';
  readonly name: string;
  readonly fields: F;
}
export interface ErrorType<F extends Fields = Fields> {
  readonly kind: 'error';
  readonly name: string;
  readonly fields: F;
}
/** Any value at all (`task.info.result`): encoded from a {@link Typed} value or generically. */
export interface OpaqueType {
  readonly kind: 'opaque';
}
/** Any structure (`std error.data`): a plain object here. */
export interface DynamicStructureType {
  readonly kind: 'dynamic_structure';
}
/** Any error value (`task.info.error`). */
export interface AnyErrorType {
  readonly kind: 'any_error';
}
/** A deferred reference, for the rare recursive structure. `V` is its value shape. */
export interface LazyType<V = unknown> {
  readonly kind: 'lazy';
  readonly resolve: () => VapiType;
  /** Phantom: carries the value type for {@link Infer}; never set. */
  readonly __value?: V;
}

export type VapiType =
  | StringType
  | IdType
  | EnumType
  | BooleanType
  | LongType
  | DoubleType
  | DateTimeType
  | BinaryType
  | SecretType
  | UriType
  | VoidType
  | OptionalType
  | ListType
  | SetType
  | MapType
  | StructureType
  | ErrorType
  | OpaqueType
  | DynamicStructureType
  | AnyErrorType
  | LazyType;

export type VapiKind = VapiType['kind'];

// ---------------------------------------------------------------------------------------
// Factories

const STRING: StringType = Object.freeze({ kind: 'string' });
const BOOLEAN: BooleanType = Object.freeze({ kind: 'boolean' });
const LONG: LongType = Object.freeze({ kind: 'long' });
const DOUBLE: DoubleType = Object.freeze({ kind: 'double' });
const DATE_TIME: DateTimeType = Object.freeze({ kind: 'date_time' });
const BINARY: BinaryType = Object.freeze({ kind: 'binary' });
const SECRET: SecretType = Object.freeze({ kind: 'secret' });
const URI: UriType = Object.freeze({ kind: 'uri' });
const VOID: VoidType = Object.freeze({ kind: 'void' });
const OPAQUE: OpaqueType = Object.freeze({ kind: 'opaque' });
const DYNAMIC: DynamicStructureType = Object.freeze({ kind: 'dynamic_structure' });
const ANY_ERROR: AnyErrorType = Object.freeze({ kind: 'any_error' });

export const string = (): StringType => STRING;
export const id = (...resourceTypes: string[]): IdType => ({ kind: 'id', resourceTypes });
export const enumT = <const V extends string>(name: string, values: readonly V[]): EnumType<V> => ({
  kind: 'enum',
  name,
  values,
});
export const boolean = (): BooleanType => BOOLEAN;
export const long = (): LongType => LONG;
export const double = (): DoubleType => DOUBLE;
export const dateTime = (): DateTimeType => DATE_TIME;
export const binary = (): BinaryType => BINARY;
export const secret = (): SecretType => SECRET;
export const uri = (): UriType => URI;
export const voidT = (): VoidType => VOID;
export const opaque = (): OpaqueType => OPAQUE;
export const dynamicStructure = (): DynamicStructureType => DYNAMIC;
export const anyError = (): AnyErrorType => ANY_ERROR;
export const optional = <T extends VapiType>(element: T): OptionalType<T> => ({ kind: 'optional', element });
export const list = <T extends VapiType>(element: T): ListType<T> => ({ kind: 'list', element });
export const set = <T extends VapiType>(element: T): SetType<T> => ({ kind: 'set', element });
export const map = <K extends VapiType, V extends VapiType>(key: K, value: V): MapType<K, V> => ({
  kind: 'map',
  key,
  value,
});
export const struct = <const F extends Fields>(name: string, fields: F): StructureType<F> => ({
  kind: 'structure',
  name,
  fields,
});
export const errorT = <const F extends Fields>(name: string, fields: F): ErrorType<F> => ({
  kind: 'error',
  name,
  fields,
});
export const lazy = <V>(resolve: () => VapiType): LazyType<V> => ({ kind: 'lazy', resolve });

/** Follows `lazy` references. */
export function resolveType(type: VapiType): Exclude<VapiType, LazyType> {
  let t: VapiType = type;
  while (t.kind === 'lazy') t = t.resolve();
  return t;
}

/** The magic structure names of the runtime (`vmware.vapi.lib.constants`). */
export const OPERATION_INPUT = 'operation-input';
export const MAP_ENTRY = 'map-entry';

// ---------------------------------------------------------------------------------------
// Static value shapes

type Simplify<T> = { [K in keyof T]: T[K] } & {};

type RequiredKeys<F extends Fields> = { [K in keyof F]: F[K] extends OptionalType ? never : K }[keyof F];
type OptionalKeys<F extends Fields> = { [K in keyof F]: F[K] extends OptionalType ? K : never }[keyof F];

/** The clean value shape of a structure's fields: unset optionals are absent. */
export type InferFields<F extends Fields> = Simplify<
  { readonly [K in RequiredKeys<F>]: Infer<F[K]> } & {
    readonly [K in OptionalKeys<F>]?: F[K] extends OptionalType<infer E> ? Infer<E> : never;
  }
>;

/**
 * The TypeScript type of a value of vAPI type `T` (clean shape). The wide types
 * (`VapiType` itself, a structure over `Fields`) give `unknown` / a record, which keeps
 * generic code from recursing forever.
 */
export type Infer<T> =
  [VapiType] extends [T] ? unknown
  : T extends StringType | IdType | SecretType | UriType | DateTimeType ? string
  : T extends EnumType<infer V> ? V
  : T extends BooleanType ? boolean
  : T extends LongType | DoubleType ? number
  : T extends BinaryType ? Uint8Array
  : T extends VoidType ? undefined
  : T extends OptionalType<infer E> ? Infer<E> | undefined
  : T extends ListType<infer E> | SetType<infer E> ? readonly Infer<E>[]
  : T extends MapType<VapiType, infer V> ? Readonly<Record<string, Infer<V>>>
  : T extends StructureType<infer F> | ErrorType<infer F>
    ? string extends keyof F ? Readonly<Record<string, unknown>> : InferFields<F>
  : T extends DynamicStructureType | AnyErrorType ? Readonly<Record<string, unknown>>
  : T extends LazyType<infer V> ? V
  : unknown;

/**
 * A value paired with its type, for the places where the schema says `opaque` (a task's
 * result) or `dynamic_structure` (an error's data): the encoders encode `value` as `type`.
 */
export class Typed {
  constructor(
    readonly type: VapiType,
    readonly value: unknown,
  ) {}
}

/** Short human name of a type, for error messages: `string`, `list<long>`, `com.vmware.vcenter.VM.summary`. */
export function describeType(type: VapiType): string {
  switch (type.kind) {
    case 'optional':
      return `optional<${describeType(type.element)}>`;
    case 'list':
    case 'set':
      return `${type.kind}<${describeType(type.element)}>`;
    case 'map':
      return `map<${describeType(type.key)},${describeType(type.value)}>`;
    case 'structure':
    case 'error':
      return type.name;
    case 'enum':
      return `enum ${type.name}`;
    case 'lazy':
      return describeType(resolveType(type));
    default:
      return type.kind;
  }
}

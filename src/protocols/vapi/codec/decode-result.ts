/**
 * What decoding a vAPI value yields: the plain value, or every problem found with a path
 * to it (`operation-input.spec.name: expected string, got number`).
 */

export interface DecodeIssue {
  /** Dotted path to the offending value: `operation-input.spec.disks[0].capacity`. */
  readonly path: string;
  /** Complete sentence-ish text, path included. */
  readonly message: string;
  /**
   * `invalid`: the value is not of the declared type (→ std error `invalid_argument`).
   * `unexpected_field`: a structure carries a set field its type does not declare
   * (→ std error `unexpected_input`, as vapi_runtime's skeleton answers).
   */
  readonly code: 'invalid' | 'unexpected_field';
}

export type DecodeResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly issues: readonly DecodeIssue[] };

export interface DecodeOptions {
  /** Label of the root in issue paths; default `value`. */
  readonly path?: string;
  /**
   * What to do with a structure field the type does not declare. vapi_runtime's server
   * skeleton rejects set ones (`unexpected_input`) and ignores unset optionals; its client
   * bindings keep them. Default `ignore` (a client reading a newer server's output).
   */
  readonly unknownFields?: 'reject' | 'ignore';
  /**
   * vAPI enums are open: clients accept values they do not know. A server decoding input
   * sets this to reject them. Default false.
   */
  readonly strictEnums?: boolean;
  /** Stop collecting after this many issues; default 20. */
  readonly maxIssues?: number;
}

/** Thrown by the `*OrThrow` helpers and by the client when a reply does not decode. */
export class DecodeError extends Error {
  readonly issues: readonly DecodeIssue[];
  constructor(issues: readonly DecodeIssue[]) {
    super(issues.map((i) => i.message).join('; '));
    this.name = 'DecodeError';
    this.issues = issues;
  }
}

/** Thrown by encoders when a value does not fit its declared type (a server-side bug). */
export class EncodeError extends Error {
  readonly path: string;
  constructor(path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = 'EncodeError';
    this.path = path;
  }
}

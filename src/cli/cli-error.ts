/**
 * How the CLI fails: one error type for what the CLI itself refuses, and one function that
 * turns any error into a line on stderr and an exit code.
 *
 * | exit | when |
 * |---|---|
 * | 0 | success |
 * | 1 | the server or the operation failed (`vmgate: NOT_FOUND: …`) |
 * | 2 | usage: a bad flag, argument or local file |
 * | 3 | not logged in, session expired, wrong password |
 */
import { DecodeError, VapiError, VapiProtocolError } from '../clients/vapi/index.ts';
import { EXIT_FAILURE, EXIT_UNAUTHENTICATED, EXIT_USAGE } from './exit-codes.ts';

export { EXIT_FAILURE, EXIT_UNAUTHENTICATED, EXIT_USAGE };

/** An error the CLI reports as `vmgate: <errorType>: <message>` and exits with `exitCode`. */
export class CliError extends Error {
  constructor(
    readonly errorType: string,
    message: string,
    readonly exitCode: number = EXIT_FAILURE,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** A usage error (exit 2). */
export function usageError(message: string): CliError {
  return new CliError('INVALID_ARGUMENT', message, EXIT_USAGE);
}

/** Error codes of a certificate Node does not trust. */
export const TLS_CODES: ReadonlySet<string> = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

/** The error type, message and exit code of any error the CLI can meet. */
export function describeError(e: unknown): { errorType: string; message: string; exitCode: number } {
  if (e instanceof CliError) return { errorType: e.errorType, message: e.message, exitCode: e.exitCode };
  if (e instanceof VapiError) {
    const text = e.messages.map((m) => m.default_message).join('; ') || e.errorType.toLowerCase().replace(/_/g, ' ');
    return { errorType: e.errorType, message: text, exitCode: e.errorType === 'UNAUTHENTICATED' ? EXIT_UNAUTHENTICATED : EXIT_FAILURE };
  }
  if (e instanceof VapiProtocolError) {
    const status = e.httpStatus === undefined ? '' : ` (HTTP ${e.httpStatus})`;
    return { errorType: 'PROTOCOL_ERROR', message: `${e.message}${status}`, exitCode: EXIT_FAILURE };
  }
  if (e instanceof DecodeError) return { errorType: 'PROTOCOL_ERROR', message: `the server's reply does not match the API: ${e.message}`, exitCode: EXIT_FAILURE };
  const err = e as NodeJS.ErrnoException;
  if (typeof err?.code === 'string' && TLS_CODES.has(err.code)) {
    return {
      errorType: 'TLS_ERROR',
      message: `the server's certificate is not trusted (${err.message}): trust it with --ca <file> (e.g. data/tls/server.crt) or --fingerprint <sha256> (vmgate login remembers either), or skip verification with --insecure`,
      exitCode: EXIT_FAILURE,
    };
  }
  if (typeof err?.code === 'string' && NETWORK_CODES.has(err.code)) {
    return { errorType: 'SERVICE_UNAVAILABLE', message: `cannot reach the server: ${err.message}`, exitCode: EXIT_FAILURE };
  }
  if (err?.name === 'AbortError') return { errorType: 'CANCELLED', message: 'cancelled', exitCode: 130 };
  return { errorType: 'INTERNAL', message: err instanceof Error ? err.message : String(e), exitCode: EXIT_FAILURE };
}

/**
 * Prints `vmgate: <error_type>: <message>` (the message led by `subject`, such as the VM
 * it concerns, when given) and returns the exit code. Stack traces only with
 * VMGATE_DEBUG=1 and only for errors the CLI does not expect.
 */
export function reportError(e: unknown, subject?: string): number {
  const d = describeError(e);
  // The subject leads the message unless the message already names it.
  const lead = subject === undefined || d.message.includes(subject) ? '' : `${subject}: `;
  process.stderr.write(`vmgate: ${d.errorType}: ${lead}${d.message}\n`);
  if (d.errorType === 'INTERNAL' && process.env.VMGATE_DEBUG && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  return d.exitCode;
}

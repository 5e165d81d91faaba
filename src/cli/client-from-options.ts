/**
 * The options every client command takes (`--server`, `--insecure`, `--ca`,
 * `--fingerprint`, `--json`, `--flavour`) and the authenticated {@link VapiClient} they
 * describe.
 *
 * The server: `--server` (or VMGATE_SERVER), else the last server `vmgate login` logged in
 * to, else https://localhost:8443. Its certificate: this command's `--ca` /
 * `--fingerprint` / `--insecure`, else the trust login stored for the server (see
 * known-servers.ts), else the system's CAs.
 *
 * Authentication, in order: the session `vmgate login` stored for the server (checked
 * with session.get: an expired one is "session expired: run vmgate login", exit 3, unless
 * VMGATE_PASSWORD is set); else VMGATE_USER / VMGATE_PASSWORD, which log in for this one
 * command and log out after it; else "not logged in", exit 3.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { Option } from 'commander';
import { VapiClient, VapiError } from '../clients/vapi/index.ts';
import type { VapiFlavour } from '../clients/vapi/index.ts';
import { CertificateMismatchError, normaliseFingerprint } from '../clients/vapi/transport.ts';
import { CliError, EXIT_FAILURE, EXIT_UNAUTHENTICATED, TLS_CODES, usageError } from './cli-error.ts';
import { KnownServers } from './known-servers.ts';
import { SessionStore } from './session-store.ts';

export const DEFAULT_SERVER = 'https://localhost:8443';
export const DEFAULT_USER = 'administrator';

export interface GlobalOptions {
  /** Unset: the default server (see the module comment). */
  readonly server?: string;
  readonly insecure?: boolean;
  readonly ca?: string;
  readonly fingerprint?: string;
  readonly json?: boolean;
  readonly flavour: VapiFlavour;
}

/** How the server's certificate is checked; kept for the guest transfer URLs the CLI fetches itself. */
export interface TlsSettings {
  readonly insecure: boolean;
  /** PEM to trust as the CA. */
  readonly ca: string | undefined;
  /** A pinned certificate (`AB:CD:…`). */
  readonly fingerprint256: string | undefined;
  /** From this command's options, from what login stored, or neither (the system's CAs). */
  readonly source: 'options' | 'stored' | 'system';
  /** The file `ca` came from, for messages. */
  readonly caFile: string | undefined;
}

/** The server a command talks to and how its certificate is checked. */
export interface Connection {
  readonly server: string;
  readonly tls: TlsSettings;
}

export const SYSTEM_TRUST: TlsSettings = { insecure: false, ca: undefined, fingerprint256: undefined, source: 'system', caFile: undefined };

/** Adds the global client options to a command. */
export function addGlobalOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--server <url>', `vmgate server URL (default: the last server logged in to, else ${DEFAULT_SERVER})`).env('VMGATE_SERVER'))
    .addOption(new Option('--insecure', 'skip TLS certificate verification (self-signed servers)'))
    .addOption(new Option('--ca <file>', 'trust this PEM certificate (e.g. data/tls/server.crt); login remembers it').env('VMGATE_CA'))
    .addOption(new Option('--fingerprint <sha256>', "trust exactly the certificate with this SHA-256 fingerprint (the server's banner prints it); login remembers it"))
    .addOption(new Option('--json', 'print the raw objects as JSON'))
    .addOption(new Option('--flavour <flavour>', 'vAPI wire flavour').choices(['jsonrpc', 'rest']).default('rest'));
}

/** The server URL, checked: http(s) only. */
export function serverUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw usageError(`--server '${raw}' is not a URL (example: https://vmgate.example:8443)`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw usageError(`--server '${raw}' must be an https:// (or http://) URL`);
  return raw.replace(/\/+$/, '');
}

/** The TLS settings this command's own options give, if it gives any. */
export function optionTls(opts: GlobalOptions): TlsSettings | undefined {
  const given = [opts.ca !== undefined && '--ca', opts.fingerprint !== undefined && '--fingerprint', opts.insecure === true && '--insecure'].filter(Boolean);
  if (given.length === 0) return undefined;
  if (given.length > 1) throw usageError(`${given.join(' and ')} do not go together: give one`);
  let ca: string | undefined;
  if (opts.ca !== undefined) {
    try {
      ca = readFileSync(opts.ca, 'utf8');
    } catch (e) {
      throw usageError(`cannot read the CA certificate '${opts.ca}': ${(e as Error).message}`);
    }
    if (!ca.includes('-----BEGIN CERTIFICATE-----')) throw usageError(`'${opts.ca}' is not a PEM certificate`);
  }
  let fingerprint256: string | undefined;
  if (opts.fingerprint !== undefined) {
    fingerprint256 = normaliseFingerprint(opts.fingerprint);
    if (fingerprint256 === undefined) throw usageError(`--fingerprint '${opts.fingerprint}' is not a SHA-256 fingerprint (64 hex digits, colons optional)`);
  }
  if (opts.insecure === true) process.stderr.write('vmgate: warning: --insecure: TLS certificate verification is off\n');
  return { insecure: opts.insecure === true, ca, fingerprint256, source: 'options', caFile: opts.ca };
}

/** The server and TLS settings of a command (see the module comment). */
export async function resolveConnection(opts: GlobalOptions, known: KnownServers = new KnownServers()): Promise<Connection> {
  const server = serverUrl(opts.server ?? (await known.defaultServer()) ?? DEFAULT_SERVER);
  const fromOptions = optionTls(opts);
  if (fromOptions) return { server, tls: fromOptions };
  const stored = await known.trust(server);
  if (stored) return { server, tls: { insecure: false, ca: stored.ca, fingerprint256: stored.fingerprint256, source: 'stored', caFile: stored.caFile } };
  return { server, tls: SYSTEM_TRUST };
}

/** A client of the server, not yet authenticated. */
export function clientFor(conn: Connection, flavour: VapiFlavour): VapiClient {
  const { tls } = conn;
  return new VapiClient({
    server: conn.server,
    flavour,
    ...(tls.insecure ? { insecure: true } : {}),
    ...(tls.ca === undefined ? {} : { ca: tls.ca }),
    ...(tls.fingerprint256 === undefined ? {} : { fingerprint256: tls.fingerprint256 }),
  });
}

/**
 * A TLS failure said with what the CLI knows (the server, where its trust came from), or
 * undefined for any other error. A pinned certificate that changed is said loudly.
 */
export function explainTlsError(e: unknown, conn: Connection): CliError | undefined {
  if (e instanceof CertificateMismatchError) {
    return new CliError(
      'TLS_ERROR',
      [
        `the certificate of ${conn.server} has CHANGED since you trusted it. Nothing was sent.`,
        `  trusted SHA-256: ${e.expected}`,
        `  presented now:   ${e.actual}`,
        '  Someone may be intercepting the connection, or the server has a new certificate (a new data directory, a replaced server.crt).',
        `  If you expected the change, check the new fingerprint against the server's start-up banner, then log in again: vmgate login --server ${conn.server} --fingerprint ${e.actual}`,
      ].join('\n'),
      EXIT_FAILURE,
    );
  }
  const err = e as NodeJS.ErrnoException;
  if (conn.tls.source === 'stored' && typeof err?.code === 'string' && TLS_CODES.has(err.code)) {
    const from = conn.tls.caFile ? ` (from ${conn.tls.caFile})` : '';
    return new CliError(
      'TLS_ERROR',
      `the certificate of ${conn.server} is not trusted by the CA stored at login${from}: ${err.message}. If the server has a new certificate, log in again with --ca <file> or --fingerprint <sha256>`,
      EXIT_FAILURE,
    );
  }
  return undefined;
}

export interface Authentication {
  /** Who the session belongs to. */
  readonly user: string;
  /** The session was made for this command (environment credentials) and ends with it. */
  readonly transient: boolean;
}

/** Gives the client a session (see the module comment). */
export async function authenticate(client: VapiClient, store: SessionStore = new SessionStore()): Promise<Authentication> {
  const stored = await store.get(client.server);
  const envPassword = process.env.VMGATE_PASSWORD;
  const envUser = process.env.VMGATE_USER || DEFAULT_USER;
  if (stored) {
    client.sessionId = stored.token;
    try {
      const info = await client.session.get();
      return { user: info.user, transient: false };
    } catch (e) {
      if (!(e instanceof VapiError) || e.errorType !== 'UNAUTHENTICATED') throw e;
      client.sessionId = undefined;
      if (!envPassword) throw new CliError('UNAUTHENTICATED', `session expired: run vmgate login (server ${client.server})`, EXIT_UNAUTHENTICATED);
    }
  }
  if (envPassword) {
    await client.login(envUser, envPassword);
    return { user: envUser, transient: true };
  }
  throw new CliError('UNAUTHENTICATED', `not logged in to ${client.server}: run vmgate login (or set VMGATE_USER and VMGATE_PASSWORD)`, EXIT_UNAUTHENTICATED);
}

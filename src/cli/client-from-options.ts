/**
 * The options every client command takes (`--server`, `--insecure`, `--ca`, `--json`,
 * `--flavour`) and the authenticated {@link VapiClient} they describe.
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
import { CliError, EXIT_UNAUTHENTICATED, usageError } from './cli-error.ts';
import { SessionStore } from './session-store.ts';

export const DEFAULT_SERVER = 'https://localhost:8443';
export const DEFAULT_USER = 'administrator';

export interface GlobalOptions {
  readonly server: string;
  readonly insecure?: boolean;
  readonly ca?: string;
  readonly json?: boolean;
  readonly flavour: VapiFlavour;
}

/** TLS settings, kept for the guest transfer URLs the CLI fetches itself. */
export interface TlsSettings {
  readonly insecure: boolean;
  readonly ca: string | undefined;
}

/** Adds the global client options to a command. */
export function addGlobalOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--server <url>', 'vmgate server URL').env('VMGATE_SERVER').default(DEFAULT_SERVER))
    .addOption(new Option('--insecure', 'skip TLS certificate verification (self-signed servers)'))
    .addOption(new Option('--ca <file>', 'trust this PEM certificate (e.g. data/tls/server.crt)').env('VMGATE_CA'))
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

export function tlsSettings(opts: GlobalOptions): TlsSettings {
  let ca: string | undefined;
  if (opts.ca !== undefined) {
    try {
      ca = readFileSync(opts.ca, 'utf8');
    } catch (e) {
      throw usageError(`cannot read the CA certificate '${opts.ca}': ${(e as Error).message}`);
    }
    if (!ca.includes('-----BEGIN CERTIFICATE-----')) throw usageError(`'${opts.ca}' is not a PEM certificate`);
  }
  if (opts.insecure === true) process.stderr.write('vmgate: warning: --insecure: TLS certificate verification is off\n');
  return { insecure: opts.insecure === true, ca };
}

/** A client for the options, not yet authenticated. */
export function clientFromOptions(opts: GlobalOptions, tls: TlsSettings = tlsSettings(opts)): VapiClient {
  return new VapiClient({
    server: serverUrl(opts.server),
    flavour: opts.flavour,
    ...(tls.insecure ? { insecure: true } : {}),
    ...(tls.ca === undefined ? {} : { ca: tls.ca }),
  });
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

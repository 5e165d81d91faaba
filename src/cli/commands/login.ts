/**
 * `vmgate login` / `vmgate logout`: a session per server, kept in the session store
 * (mode 0600) for the other commands. Login also remembers how to trust the server's
 * certificate (`--ca`, `--fingerprint`, or the fingerprint confirmed at a prompt) and
 * makes the server the default (known-servers.ts).
 */
import { connect } from 'node:tls';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { VapiError } from '../../clients/vapi/index.ts';
import type { VapiClient } from '../../clients/vapi/index.ts';
import { CliError, EXIT_FAILURE, EXIT_UNAUTHENTICATED } from '../cli-error.ts';
import type { Connection } from '../client-from-options.ts';
import { DEFAULT_USER, clientFor, explainTlsError } from '../client-from-options.ts';
import { clientAction } from '../client-command.ts';
import type { CliContext } from '../client-command.ts';
import type { ServerTrust } from '../known-servers.ts';
import { confirm, readSecret } from '../prompt.ts';

interface LoginOptions {
  readonly user: string;
  readonly passwordStdin?: boolean;
}

export function loginCommand(): Command {
  const cmd = new Command('login')
    .description("log in and keep the session for the other commands (password: prompt, --password-stdin or VMGATE_PASSWORD); remembers the server's --ca / --fingerprint and makes it the default server")
    .addOption(new Option('--user <name>', 'user name').env('VMGATE_USER').default(DEFAULT_USER))
    .option('--password-stdin', 'read the password from the first line of stdin');
  return clientAction<LoginOptions>(
    cmd,
    async (ctx, _args, opts) => {
      let { client, connection } = ctx;
      // An untrusted certificate and nothing said about it: show its fingerprint and ask.
      if (connection.tls.source === 'system' && connection.server.startsWith('https:')) {
        const pin = await trustOnFirstUse(connection.server);
        if (pin) {
          connection = { server: connection.server, tls: { ...connection.tls, fingerprint256: pin, source: 'options' } };
          client = clientFor(connection, opts.flavour);
        }
      }
      try {
        await login({ ...ctx, client, connection }, opts);
      } catch (e) {
        throw explainTlsError(e, connection) ?? e;
      } finally {
        if (client !== ctx.client) client.close();
      }
    },
    { auth: false },
  );
}

/** Logs in with the password and stores the session, the trust and the default server. */
async function login({ client, out, store, known, connection }: CliContext, opts: LoginOptions): Promise<void> {
  const previous = await store.get(client.server);
  const password = await readSecret({ fromStdin: opts.passwordStdin, envVar: 'VMGATE_PASSWORD', prompt: `Password for ${opts.user} at ${client.server}: `, what: 'password' });
  try {
    await client.login(opts.user, password);
  } catch (e) {
    if (e instanceof VapiError && e.errorType === 'UNAUTHENTICATED') {
      const why = e.messages.map((m) => m.default_message).join('; ');
      throw new CliError('UNAUTHENTICATED', `login as '${opts.user}' at ${client.server} failed${why ? `: ${why}` : ''}`, EXIT_UNAUTHENTICATED);
    }
    throw e;
  }
  const info = await client.session.get();
  if (previous && previous.token !== client.sessionId) await endSession(client, previous.token).catch(() => undefined);
  const session = { server: client.server, token: client.sessionId!, user: info.user, createdAt: new Date().toISOString() };
  await store.put(session);
  const trust = trustToStore(connection);
  await known.remember(client.server, trust);
  const trusted = trust?.fingerprint256 ? `; certificate ${trust.fingerprint256} pinned` : trust?.caFile ? `; CA ${trust.caFile} remembered` : '';
  out.result(`logged in to ${client.server} as ${info.user} (session stored in ${store.path}${trusted})`, { server: session.server, user: session.user, createdAt: session.createdAt });
}

/** What a successful login stores: the trust this login was given, not the system's or --insecure. */
function trustToStore(conn: Connection): ServerTrust | undefined {
  const { tls } = conn;
  if (tls.source !== 'options' || tls.insecure) return undefined;
  const trustedAt = new Date().toISOString();
  if (tls.fingerprint256 !== undefined) return { fingerprint256: tls.fingerprint256, trustedAt };
  if (tls.ca !== undefined) return { ca: tls.ca, ...(tls.caFile === undefined ? {} : { caFile: resolve(tls.caFile) }), trustedAt };
  return undefined;
}

interface Probe {
  readonly authorized: boolean;
  readonly reason: string;
  readonly fingerprint256: string;
}

/** OpenSSL's verification codes, as Node's own TLS errors say them. */
const REASONS: Readonly<Record<string, string>> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in certificate chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unable to verify the first certificate',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unable to get local issuer certificate',
  CERT_HAS_EXPIRED: 'certificate has expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the certificate does not name this host',
};

/** Connects once and looks at the server's certificate: trusted by the system's CAs or not, and its fingerprint. */
function probeCertificate(server: string): Promise<Probe> {
  const u = new URL(server);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolveProbe, reject) => {
    const socket = connect({ host, port: Number(u.port || 443), rejectUnauthorized: false, ...(isIP(host) ? {} : { servername: host }) }, () => {
      const cert = socket.getPeerCertificate();
      const authError = socket.authorizationError as unknown;
      const code = authError instanceof Error ? authError.message : String(authError ?? '');
      resolveProbe({ authorized: socket.authorized, reason: REASONS[code] ?? code, fingerprint256: cert.fingerprint256 });
      socket.end();
    });
    socket.setTimeout(30_000, () => socket.destroy(new Error(`no TLS handshake with ${u.host} within 30 s`)));
    socket.once('error', reject);
  });
}

/**
 * For a server whose certificate the system does not trust: on a terminal, shows the
 * fingerprint and asks; yes gives the fingerprint to pin. Not on a terminal: refuses,
 * naming --ca and --fingerprint. A trusted certificate: undefined (nothing to pin).
 */
async function trustOnFirstUse(server: string): Promise<string | undefined> {
  const probe = await probeCertificate(server);
  if (probe.authorized) return undefined;
  const why = probe.reason ? ` (${probe.reason})` : '';
  if (process.stdin.isTTY && process.stderr.isTTY) {
    process.stderr.write(
      `The certificate of ${server} is not trusted by this system${why}.\n` +
        `  SHA-256 fingerprint: ${probe.fingerprint256}\n` +
        `Compare it with the fingerprint in the server's start-up banner ("TLS certificate SHA-256").\n`,
    );
    if (await confirm('Trust this certificate and remember it for this server? [y/N] ')) return probe.fingerprint256;
    throw new CliError('TLS_ERROR', `not logged in to ${server}: its certificate was not trusted`, EXIT_FAILURE);
  }
  throw new CliError(
    'TLS_ERROR',
    `the certificate of ${server} is not trusted${why}; its SHA-256 fingerprint is ${probe.fingerprint256}. ` +
      `Check it against the server's start-up banner, then log in with --fingerprint ${probe.fingerprint256}, or with --ca <file> (the server's data/tls/server.crt)`,
    EXIT_FAILURE,
  );
}

/** Ends an older session of the server (best effort): a new login replaces it. */
async function endSession(client: VapiClient, token: string): Promise<void> {
  const current = client.sessionId;
  client.sessionId = token;
  try {
    await client.logout();
  } finally {
    client.sessionId = current;
  }
}

export function logoutCommand(): Command {
  const cmd = new Command('logout').description('end the stored session of the server and forget it');
  return clientAction(
    cmd,
    async ({ client, out, store }) => {
      const stored = await store.get(client.server);
      if (!stored) {
        out.result(`not logged in to ${client.server}`, { server: client.server, loggedOut: false });
        return;
      }
      client.sessionId = stored.token;
      try {
        await client.logout();
      } catch (e) {
        // An expired session is as good as ended; anything else is worth saying.
        if (!(e instanceof VapiError && e.errorType === 'UNAUTHENTICATED')) {
          await store.delete(client.server);
          throw e;
        }
      }
      await store.delete(client.server);
      out.result(`logged out of ${client.server}`, { server: client.server, loggedOut: true });
    },
    { auth: false },
  );
}

/**
 * The one shape of every client command: global options, a client with a session, the
 * command's work, then errors reported as `vmgate: <error_type>: <message>` and the exit
 * code set (never a stack trace for an expected error).
 */
import type { Command } from 'commander';
import type { VapiClient } from '../clients/vapi/index.ts';
import { reportError } from './cli-error.ts';
import type { Connection, GlobalOptions, TlsSettings } from './client-from-options.ts';
import { addGlobalOptions, authenticate, clientFor, explainTlsError, resolveConnection } from './client-from-options.ts';
import { KnownServers } from './known-servers.ts';
import { Output } from './output.ts';
import { SessionStore } from './session-store.ts';

export interface CliContext {
  readonly client: VapiClient;
  readonly out: Output;
  readonly json: boolean;
  readonly tls: TlsSettings;
  readonly store: SessionStore;
  /** Trust and the default server, as login stored them. */
  readonly known: KnownServers;
  /** The server and TLS settings `client` was made with. */
  readonly connection: Connection;
  /** Progress bars and spinners may be drawn (stderr is a terminal, not --json). */
  readonly progress: boolean;
}

/** Returns the exit code (void: 0). */
export type ClientAction<O> = (ctx: CliContext, operands: readonly unknown[], opts: O & GlobalOptions) => Promise<number | void>;

export interface ClientActionOptions {
  /** Log in (stored session or environment) before the action; default true. */
  readonly auth?: boolean;
}

/** Adds the global options to `cmd` and makes `fn` its action. */
export function clientAction<O = Record<string, unknown>>(cmd: Command, fn: ClientAction<O>, options: ClientActionOptions = {}): Command {
  addGlobalOptions(cmd);
  cmd.action(async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const opts = command.opts() as O & GlobalOptions;
    process.exitCode = await runClientAction(opts, args.slice(0, -2), fn, options);
  });
  return cmd;
}

async function runClientAction<O>(opts: O & GlobalOptions, operands: readonly unknown[], fn: ClientAction<O>, options: ClientActionOptions): Promise<number> {
  let client: VapiClient | undefined;
  let connection: Connection | undefined;
  let transient = false;
  try {
    const known = new KnownServers();
    connection = await resolveConnection(opts, known);
    client = clientFor(connection, opts.flavour);
    const store = new SessionStore();
    if (options.auth !== false) transient = (await authenticate(client, store)).transient;
    const json = opts.json === true;
    const ctx: CliContext = { client, out: new Output(json), json, tls: connection.tls, store, known, connection, progress: process.stderr.isTTY === true && !json };
    return (await fn(ctx, operands, opts)) ?? 0;
  } catch (e) {
    return reportError((connection && explainTlsError(e, connection)) ?? e);
  } finally {
    if (client) {
      if (transient) await client.logout().catch(() => undefined);
      client.close();
    }
  }
}

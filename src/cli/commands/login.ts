/**
 * `vmgate login` / `vmgate logout`: a session per server, kept in the session store
 * (mode 0600) for the other commands.
 */
import { Command, Option } from 'commander';
import { VapiError } from '../../clients/vapi/index.ts';
import type { VapiClient } from '../../clients/vapi/index.ts';
import { CliError, EXIT_UNAUTHENTICATED } from '../cli-error.ts';
import { DEFAULT_USER } from '../client-from-options.ts';
import { clientAction } from '../client-command.ts';
import { readSecret } from '../prompt.ts';

interface LoginOptions {
  readonly user: string;
  readonly passwordStdin?: boolean;
}

export function loginCommand(): Command {
  const cmd = new Command('login')
    .description('log in and keep the session for the other commands (password: prompt, --password-stdin or VMGATE_PASSWORD)')
    .addOption(new Option('--user <name>', 'user name').env('VMGATE_USER').default(DEFAULT_USER))
    .option('--password-stdin', 'read the password from the first line of stdin');
  return clientAction<LoginOptions>(
    cmd,
    async ({ client, out, store }, _args, opts) => {
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
      out.result(`logged in to ${client.server} as ${info.user} (session stored in ${store.path})`, { server: session.server, user: session.user, createdAt: session.createdAt });
    },
    { auth: false },
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

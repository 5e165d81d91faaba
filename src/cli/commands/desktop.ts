/**
 * `vmgate desktop list|connect|reset|logout`: a desktop user's side, through the View
 * broker (`/broker/xml`, the `vmgate/view` client) rather than the vSphere API. The
 * broker session (its cookies) is kept per server in `view-sessions.json` beside the
 * CLI's other sessions; a command without one logs in with `--user` (VMGATE_USER) and the
 * password from VMGATE_PASSWORD, --password-stdin or a prompt.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { ViewClient, ViewError } from '../../clients/view/index.ts';
import { CliError, EXIT_FAILURE, EXIT_UNAUTHENTICATED, usageError } from '../cli-error.ts';
import type { CliContext } from '../client-command.ts';
import { clientAction } from '../client-command.ts';
import { readSecret } from '../prompt.ts';
import { serverKey, writePrivateJson } from '../session-store.ts';

interface StoredViewSession {
  readonly user: string;
  readonly cookies: Record<string, string>;
}

interface LoginOptions {
  readonly user?: string;
  readonly passwordStdin?: boolean;
}

function sessionsPath(ctx: CliContext): string {
  return join(ctx.store.dir, 'view-sessions.json');
}

async function readSessions(ctx: CliContext): Promise<Record<string, StoredViewSession>> {
  try {
    const parsed: unknown = JSON.parse(await readFile(sessionsPath(ctx), 'utf8'));
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
    const out: Record<string, StoredViewSession> = {};
    for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
      const s = v as Partial<StoredViewSession> | null;
      if (s && typeof s.user === 'string' && s.cookies && typeof s.cookies === 'object') {
        const cookies: Record<string, string> = {};
        for (const [n, c] of Object.entries(s.cookies)) if (typeof c === 'string') cookies[n] = c;
        out[k] = { user: s.user, cookies };
      }
    }
    return out;
  } catch {
    return {};
  }
}

async function saveSession(ctx: CliContext, session: StoredViewSession | null): Promise<void> {
  const all = await readSessions(ctx);
  const key = serverKey(ctx.connection.server);
  if (session) all[key] = session;
  else delete all[key];
  await writePrivateJson(ctx.store.dir, sessionsPath(ctx), all);
}

function viewClient(ctx: CliContext, cookies?: Record<string, string>): ViewClient {
  const { tls } = ctx.connection;
  return new ViewClient({
    server: ctx.connection.server,
    ...(tls.insecure ? { insecure: true } : {}),
    ...(tls.ca === undefined ? {} : { ca: tls.ca }),
    ...(tls.fingerprint256 === undefined ? {} : { fingerprint256: tls.fingerprint256 }),
    ...(cookies ? { cookies } : {}),
  });
}

function cliErrorOf(e: unknown): unknown {
  if (!(e instanceof ViewError)) return e;
  const unauth = e.code === 'NOT_AUTHENTICATED' || e.code === 'AUTHENTICATION_FAILED';
  return new CliError(e.code, e.userMessage && e.userMessage !== e.message ? `${e.message.replace(/^[A-Z_]+: /, '')} (${e.userMessage})` : e.message.replace(/^[A-Z_]+: /, ''), unauth ? EXIT_UNAUTHENTICATED : EXIT_FAILURE);
}

/** A logged-in broker client: the stored session if it still works, else a login (stored). */
async function withBroker<T>(ctx: CliContext, opts: LoginOptions, fn: (c: ViewClient) => Promise<T>): Promise<T> {
  const stored = (await readSessions(ctx))[serverKey(ctx.connection.server)];
  const client = viewClient(ctx, stored?.cookies);
  try {
    let user: string | undefined = stored?.user;
    if (!stored || !(await client.authenticated())) {
      user = opts.user;
      if (user === undefined || user === '') throw usageError('no broker session: give --user (or VMGATE_USER) to log in');
      await client.start();
      const password = await readSecret({ fromStdin: opts.passwordStdin, envVar: 'VMGATE_PASSWORD', prompt: `Password for ${user} at ${ctx.connection.server}: `, what: 'password' });
      await client.login(user, password);
    }
    const result = await fn(client);
    if (client.cookies.size > 0) await saveSession(ctx, { user: user ?? '', cookies: Object.fromEntries(client.cookies) });
    return result;
  } catch (e) {
    throw cliErrorOf(e);
  } finally {
    client.close();
  }
}

function loginOptions(cmd: Command): Command {
  return cmd.addOption(new Option('--user <name>', 'desktop user to log in as when there is no broker session').env('VMGATE_USER')).option('--password-stdin', 'read the password from stdin');
}

export function desktopCommand(): Command {
  const desktop = new Command('desktop').description('your desktops, through the View broker');
  desktop.addCommand(listCommand());
  desktop.addCommand(connectCommand());
  desktop.addCommand(resetCommand());
  desktop.addCommand(logoutCommand());
  return desktop;
}

function listCommand(): Command {
  const cmd = loginOptions(new Command('list').description('list the desktops you are entitled to'));
  return clientAction<LoginOptions>(
    cmd,
    async (ctx, _operands, opts) => {
      const rows = await withBroker(ctx, opts, (c) => c.desktops());
      ctx.out.table(rows, [
        { header: 'DESKTOP', value: (d) => d.id },
        { header: 'NAME', value: (d) => d.name },
        { header: 'TYPE', value: (d) => d.type },
        { header: 'STATE', value: (d) => d.state },
        { header: 'PROTOCOLS', value: (d) => d.protocols.map((p) => p.name).join(',') },
      ]);
    },
    { auth: false },
  );
}

function connectCommand(): Command {
  const cmd = loginOptions(new Command('connect').description('launch a desktop: prints its vnc:// address and one-time token').argument('<desktop>', 'desktop id or name').option('--protocol <name>', 'display protocol', 'VNC'));
  return clientAction<LoginOptions & { protocol: string }>(
    cmd,
    async (ctx, [ref], opts) => {
      const conn = await withBroker(ctx, opts, async (c) => {
        const list = await c.desktops();
        const d = list.find((x) => x.id === ref) ?? list.find((x) => x.name === ref);
        if (!d) throw new CliError('NOT_FOUND', `no desktop '${String(ref)}' among yours (${list.map((x) => x.name).join(', ') || 'none'})`, EXIT_FAILURE);
        return c.connect(d.id, opts.protocol.toUpperCase());
      });
      const url = `${conn.protocol.toLowerCase()}://${conn.address.includes(':') ? `[${conn.address}]` : conn.address}:${conn.port}`;
      if (ctx.json) ctx.out.details([], { ...conn, url });
      else process.stdout.write(`${url}\ntoken: ${conn.token || '(none)'}   (the console's password, good for one connection)\n`);
    },
    { auth: false },
  );
}

function resetCommand(): Command {
  const cmd = loginOptions(new Command('reset').description('reset (restart) your desktop in a pool').argument('<desktop>', 'desktop id or name'));
  return clientAction<LoginOptions>(
    cmd,
    async (ctx, [ref], opts) => {
      await withBroker(ctx, opts, async (c) => {
        const d = (await c.desktops()).find((x) => x.id === ref || x.name === ref);
        if (!d) throw new CliError('NOT_FOUND', `no desktop '${String(ref)}' among yours`, EXIT_FAILURE);
        await c.resetDesktop(d.id);
      });
      process.stdout.write(`reset ${String(ref)}\n`);
    },
    { auth: false },
  );
}

function logoutCommand(): Command {
  return clientAction(
    new Command('logout').description('end the broker session'),
    async (ctx) => {
      const stored = (await readSessions(ctx))[serverKey(ctx.connection.server)];
      if (!stored) {
        process.stdout.write('no broker session\n');
        return;
      }
      const client = viewClient(ctx, stored.cookies);
      try {
        await client.logout().catch((e: unknown) => {
          // already over on the server: forgetting it here is all there is to do
          if (!(e instanceof ViewError && e.code === 'NOT_AUTHENTICATED')) throw cliErrorOf(e);
        });
      } finally {
        client.close();
      }
      await saveSession(ctx, null);
      process.stdout.write(`logged out ${stored.user}\n`);
    },
    { auth: false },
  );
}

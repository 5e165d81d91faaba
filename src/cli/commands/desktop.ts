/**
 * `vmgate desktop list|connect|reset|logout`: a desktop user's side, through the View
 * broker (`/broker/xml`, the `vmgate/view` client) rather than the vSphere API. The
 * broker session (its cookies) is kept per server in `view-sessions.json` beside the
 * CLI's other sessions; a command without one logs in with `--user` (VMGATE_USER) and the
 * password from VMGATE_PASSWORD, --password-stdin or a prompt; `--domain` picks one of the
 * broker's domains, `--accept-disclaimer` accepts its disclaimer, and an expired password
 * is changed on the way (the new one from VMGATE_NEW_PASSWORD or typed twice).
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { ViewClient, ViewError } from '../../clients/view/index.ts';
import { CliError, EXIT_FAILURE, EXIT_UNAUTHENTICATED, EXIT_USAGE, usageError } from '../cli-error.ts';
import type { CliContext } from '../client-command.ts';
import { clientAction } from '../client-command.ts';
import { promptHidden, readSecret } from '../prompt.ts';
import { serverKey, writePrivateJson } from '../session-store.ts';

interface StoredViewSession {
  readonly user: string;
  readonly cookies: Record<string, string>;
}

interface LoginOptions {
  readonly user?: string;
  readonly passwordStdin?: boolean;
  readonly domain?: string;
  readonly acceptDisclaimer?: boolean;
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
  const unauth = e.code === 'NOT_AUTHENTICATED' || e.code === 'AUTHENTICATION_FAILED' || e.code === 'DISCLAIMER_REQUIRED' || e.code === 'PASSWORD_EXPIRED';
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
      const first = await client.start();
      if (first?.name === 'disclaimer') {
        const text = first.params.find((p) => p.name === 'text')?.values[0] ?? '';
        if (!opts.acceptDisclaimer) throw new CliError('DISCLAIMER_REQUIRED', `the broker asks you to accept its disclaimer first (--accept-disclaimer):\n${text}`, EXIT_UNAUTHENTICATED);
        await client.acceptDisclaimer();
      }
      const password = await readSecret({ fromStdin: opts.passwordStdin, envVar: 'VMGATE_PASSWORD', prompt: `Password for ${user} at ${ctx.connection.server}: `, what: 'password' });
      try {
        await client.login(user, password, opts.domain ?? '');
      } catch (e) {
        if (!(e instanceof ViewError && e.code === 'PASSWORD_EXPIRED')) throw e;
        await client.changeExpiredPassword(password, await newPassword(user));
      }
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

/** An expired password's successor: VMGATE_NEW_PASSWORD, or typed twice on a terminal. */
async function newPassword(user: string): Promise<string> {
  const env = process.env.VMGATE_NEW_PASSWORD;
  if (env) return env;
  if (!process.stdin.isTTY) throw new CliError('PASSWORD_EXPIRED', `the password of ${user} has expired: give a new one in VMGATE_NEW_PASSWORD (stdin is not a terminal)`, EXIT_UNAUTHENTICATED);
  process.stderr.write(`The password of ${user} has expired.\n`);
  const first = await promptHidden('New password: ');
  if (first !== (await promptHidden('Again: '))) throw new CliError('INVALID_ARGUMENT', 'the passwords do not match', EXIT_USAGE);
  return first;
}

function loginOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--user <name>', 'desktop user to log in as when there is no broker session').env('VMGATE_USER'))
    .option('--password-stdin', 'read the password from stdin')
    .option('--domain <name>', "one of the broker's domains (default: its first)")
    .option('--accept-disclaimer', "accept the broker's disclaimer when it shows one");
}

/**
 * The viewer command with `{url}`, `{host}`, `{port}`, `{password}` filled in (the URL
 * appended when it names none of the first three), split on spaces: no shell.
 */
export function viewerArgv(command: string, conn: { url: string; address: string; port: number; token: string }): string[] {
  const words = command.trim().split(/\s+/).filter((w) => w !== '');
  if (words.length === 0) throw usageError('the VNC viewer command is empty');
  const names = /\{(url|host|port)\}/.test(command);
  const fill = (w: string) => w.replace(/\{(url|host|port|password)\}/g, (_m, k: string) => (k === 'url' ? conn.url : k === 'host' ? conn.address : k === 'port' ? String(conn.port) : conn.token));
  return [...words.map(fill), ...(names ? [] : [conn.url])];
}

/** Starts the viewer on its own (the command returns); rejects when it cannot be started at all. */
function openViewer(argv: readonly string[], token: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: 'ignore', env: { ...process.env, VMGATE_VNC_PASSWORD: token } });
    child.once('error', (e) => reject(new CliError('VIEWER_FAILED', `could not start the VNC viewer '${argv[0]!}': ${e.message}`, EXIT_FAILURE)));
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
  });
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
  const cmd = loginOptions(
    new Command('connect')
      .description('launch a desktop: prints its vnc:// address and one-time token (--open: starts a local VNC viewer on it)')
      .argument('<desktop>', 'desktop id or name')
      .option('--protocol <name>', 'display protocol', 'VNC')
      .option('--open', 'start the VNC viewer of --viewer / VMGATE_VNC_VIEWER on the desktop')
      .addOption(new Option('--viewer <command>', 'VNC viewer command for --open: {url} {host} {port} {password} are filled in, else the URL is appended; the token is also in its VMGATE_VNC_PASSWORD').env('VMGATE_VNC_VIEWER')),
  );
  return clientAction<LoginOptions & { protocol: string; open?: boolean; viewer?: string }>(
    cmd,
    async (ctx, [ref], opts) => {
      const conn = await withBroker(ctx, opts, async (c) => {
        const list = await c.desktops();
        const d = list.find((x) => x.id === ref) ?? list.find((x) => x.name === ref);
        if (!d) throw new CliError('NOT_FOUND', `no desktop '${String(ref)}' among yours (${list.map((x) => x.name).join(', ') || 'none'})`, EXIT_FAILURE);
        return c.connect(d.id, opts.protocol.toUpperCase());
      });
      const url = `${conn.protocol.toLowerCase()}://${conn.address.includes(':') ? `[${conn.address}]` : conn.address}:${conn.port}`;
      let opened: string[] | null = null;
      if (opts.open && opts.viewer) {
        opened = viewerArgv(opts.viewer, { url, address: conn.address, port: conn.port, token: conn.token });
        await openViewer(opened, conn.token);
      }
      if (ctx.json) ctx.out.details([], { ...conn, url, ...(opts.open ? { opened: opened !== null } : {}) });
      else {
        process.stdout.write(`${url}\ntoken: ${conn.token || '(none)'}   (the console's password, good for one connection)\n`);
        if (opened) process.stdout.write(`started ${opened[0]!}\n`);
      }
      if (opts.open && !opened) process.stderr.write('vmgate: no VNC viewer configured (--viewer or VMGATE_VNC_VIEWER): open the address above with one, the token is its password\n');
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

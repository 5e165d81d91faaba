import { X509Certificate } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { TLSSocket, createSecureContext, type SecureContext, type SecureContextOptions } from 'node:tls';
import type { Caller, CoreApi, Logger } from '../../core/index.ts';
import { AUTHD_BANNER, DEFAULT_MAX_FRAME, FrameDecoder, type FrameItem } from '../../protocols/vmserverd/index.ts';
import type { Face } from '../face.ts';
import { ExecSession, type ExecServerState } from './exec-session.ts';
import { LocalLoginRefused, isLoopback, mapOsUser, writeTicketFile } from './local-login.ts';

export { AUTHD_BANNER };

export interface AuthdOptions {
  readonly core: CoreApi;
  readonly log: Logger;
  /** Key, certificate and the server's TLS profile (ciphers, minimum version: src/server/tls.ts). */
  readonly tls: TlsMaterial;
  /** Largest exec frame accepted (bytes); default 64 MiB. */
  readonly maxFrameBytes?: number;
  /** A connection with nothing to do is closed after this long (default 120 s). */
  readonly idleTimeoutMs?: number;
  /** A client that stops mid-frame (or mid-handshake) is closed after this long (default 30 s). */
  readonly stallTimeoutMs?: number;
  /** Failed PASS attempts on one connection before it is closed (default 3). */
  readonly maxLoginAttempts?: number;
  /**
   * Called when an administrator activates a new certificate (Security_ActivateConfig),
   * before new connections use it: the server stores it (else it lasts until restart).
   * If it throws, the activation fails (`internal`) and the old certificate stays.
   * `vmgate serve` passes the server certificate's `replace` (authdFace).
   */
  readonly onTlsChange?: (t: { key: string; cert: string }) => Promise<void>;
  /** Product version shown in replies (default the package's). */
  readonly version?: string;
  /**
   * Where `LOCAL <os-user>` writes one-time login tickets (local-login.ts); absent: the
   * door has no local login (`502`).
   */
  readonly localTicketDir?: string;
}

/** What the door's TLS context is made of: key, certificate and the server's TLS profile. */
export type TlsMaterial = Pick<SecureContextOptions, 'ciphers' | 'minVersion' | 'ecdhCurve' | 'honorCipherOrder'> & { readonly key: string; readonly cert: string };

const NOT_LOGGED_IN = '530 Please login with USER and PASS';
const PRE_LOGIN_MAX_FRAME = 64 * 1024;

/**
 * The authd door: banner, TLS on the same socket ("SSL Required"), then USER/PASS
 * against core's identity (lockout shared with every face, keyed to the client's address).
 * After `230` the connection carries vmserverd exec frames (see
 * src/protocols/vmserverd/framing.ts). One `AuthdDoor` per server: its TLS context, its
 * request counter and sessions, its open connections.
 */
export class AuthdDoor {
  #context: SecureContext;
  #profile: TlsMaterial;
  readonly #open = new Set<Socket>();
  readonly #state: ExecServerState;

  constructor(private readonly opts: AuthdOptions) {
    this.#profile = opts.tls;
    this.#context = contextOf(opts.tls);
    this.#state = {
      requests: 0,
      startedAt: Date.now(),
      sessions: new Set(),
      cert: opts.tls.cert,
      pendingTls: null,
      activateTls: async (t) => {
        contextOf({ ...this.#profile, ...t }); // throws on bad material before anything changes
        if (opts.onTlsChange) await opts.onTlsChange(t);
        this.setTls(t);
        opts.log.warn({ fingerprint: new X509Certificate(t.cert).fingerprint256 }, 'authd: a new certificate is active for new connections');
      },
    };
  }

  /** New connections use this key and certificate (the profile stays). */
  setTls(t: { key: string; cert: string }): void {
    this.#profile = { ...this.#profile, key: t.key, cert: t.cert };
    this.#context = contextOf(this.#profile);
    this.#state.cert = t.cert;
  }

  handleConnection(raw: Socket): void {
    this.#open.add(raw);
    raw.once('close', () => this.#open.delete(raw));
    handle(raw, this.opts, () => this.#context, this.#state);
  }

  /** Ends every open connection (a logged-in client could otherwise hold a stop for the whole idle timeout). */
  closeAll(): void {
    for (const s of this.#open) s.destroy();
  }
}

function contextOf(t: TlsMaterial): SecureContext {
  const { key, cert, ciphers, minVersion, ecdhCurve, honorCipherOrder } = t;
  return createSecureContext({ key, cert, ciphers, minVersion, ecdhCurve, honorCipherOrder });
}

/** The authd door and the vmserverd exec API behind it, as a TCP face on `--authd-port`. */
export const authdFace: Face = {
  name: 'authd',
  title: 'vmserverd exec API (authd door)',
  start(deps) {
    const cert = deps.certificate;
    // An activated certificate is the server's from then on: stored in the data directory
    // (so it outlives a restart) and served by every listener; and a certificate the
    // server replaces is the door's for new connections.
    const door = new AuthdDoor({ core: deps.core, log: deps.log, tls: deps.tls, version: deps.version, ...(cert ? { onTlsChange: (t) => cert.replace(t) } : {}), ...(deps.settings?.localTicketDir ? { localTicketDir: deps.settings.localTicketDir } : {}) });
    const unsubscribe = cert?.onChange((t) => door.setTls(t));
    return {
      tcp: { note: 'TLS after the banner, then USER/PASS and EXEC frames', handleConnection: (socket) => door.handleConnection(socket) },
      async stop() {
        unsubscribe?.();
        door.closeAll();
      },
    };
  },
};

/** A `net.Server` whose TLS material can be replaced for new connections. */
export type AuthdServer = Server & { setTls(t: { key: string; cert: string }): void };

/** The door on a listener of its own (tests, tools): close() also ends the open connections. */
export function createAuthdServer(opts: AuthdOptions): AuthdServer {
  const door = new AuthdDoor(opts);
  const server = createServer((raw) => door.handleConnection(raw));
  server.on('error', (e) => opts.log.error({ err: e }, 'authd listener error'));
  const closeListener = server.close.bind(server);
  server.close = (cb?: (err?: Error) => void) => {
    closeListener(cb);
    door.closeAll();
    return server;
  };
  return Object.assign(server, { setTls: (t: { key: string; cert: string }) => door.setTls(t) });
}

function handle(raw: Socket, opts: AuthdOptions, context: () => SecureContext, state: ExecServerState): void {
  const stallMs = opts.stallTimeoutMs ?? 30_000;
  raw.setNoDelay(true);
  raw.setTimeout(stallMs, () => raw.destroy());
  raw.on('error', () => raw.destroy());
  raw.write(AUTHD_BANNER + '\r\n');
  // Peek at the first byte: a TLS record starts with 0x16 (handshake). The chunk is put
  // back (unshift) with the socket paused, and the TLSSocket built over it takes what is
  // buffered on construction. (The old code resumed the raw socket after wrapping it,
  // which handed the ClientHello to the raw socket's 'data' instead of TLS.)
  raw.once('data', (first: Buffer) => {
    raw.pause();
    if (first[0] !== 0x16) {
      // Plain text where TLS is required: refused before any credential is read. What the
      // client still sends is dropped unread (closing with unread data would reset the
      // connection and could lose the 530 line).
      raw.on('data', () => undefined);
      raw.resume();
      raw.end(NOT_LOGGED_IN + '\r\n');
      setTimeout(() => raw.destroy(), 5000).unref();
      return;
    }
    raw.unshift(first);
    const sock = new TLSSocket(raw, { isServer: true, secureContext: context() });
    sock.on('error', () => sock.destroy());
    sock.once('secure', () => {
      raw.setTimeout(0);
      lineLoop(sock, opts, state);
    });
  });
}

function lineLoop(sock: TLSSocket, opts: AuthdOptions, state: ExecServerState): void {
  const idleMs = opts.idleTimeoutMs ?? 120_000;
  const maxAttempts = opts.maxLoginAttempts ?? 3;
  const remote = sock.remoteAddress ?? '';
  sock.setTimeout(idleMs, () => {
    if (!sock.destroyed) sock.end('421 Idle timeout: closing the connection\r\n');
    setTimeout(() => sock.destroy(), 2000).unref();
  });
  // One decoder for the whole connection: frames pipelined right behind PASS reach the exec
  // session intact. Before login no frame may be large (nobody unknown makes us buffer 64 MiB).
  const decoder = new FrameDecoder({ lengthVerbs: ['EXEC'], maxFrame: PRE_LOGIN_MAX_FRAME });
  let user: string | null = null;
  let failures = 0;
  let busy = false;
  let done = false;
  const queue: FrameItem[] = [];
  const reply = (s: string): void => {
    if (!sock.destroyed) sock.write(s + '\r\n');
  };
  const onData = (d: Buffer): void => {
    queue.push(...decoder.push(d));
    void pump();
  };
  const startSession = (caller: Caller, token: string): void => {
    reply(`230 User ${caller.userName} logged in.`);
    decoder.maxFrame = opts.maxFrameBytes ?? DEFAULT_MAX_FRAME;
    done = true;
    sock.removeListener('data', onData);
    const session = new ExecSession(sock, decoder, { core: opts.core, log: opts.log, caller, token, state, idleMs, stallMs: opts.stallTimeoutMs ?? 30_000, version: opts.version });
    session.start(queue.splice(0));
  };
  const onItem = async (item: FrameItem): Promise<void> => {
    if (item.kind === 'error') {
      reply(`501 ${item.message}`);
      sock.end();
      done = true;
      return;
    }
    if (item.kind === 'frame') return reply(NOT_LOGGED_IN);
    const line = item.line;
    const m = /^(\S+)(?:[ \t]+(.*))?$/.exec(line.trim());
    const cmd = m?.[1]?.toUpperCase() ?? '';
    const arg = (m?.[2] ?? '').trim();
    if (cmd === 'USER') {
      if (!arg || arg.length > 256 || /\s/.test(arg)) return reply('501 Invalid arguments');
      user = arg;
      return reply(`331 Password required for ${arg}.`);
    }
    if (cmd === 'LOCAL') {
      if (!opts.localTicketDir) return reply('502 Local login is not enabled on this server');
      if (!isLoopback(remote)) return reply('530 Local login is only for clients on this machine');
      if (!arg || /\s/.test(arg)) return reply('501 Invalid arguments');
      try {
        const who = await mapOsUser(arg);
        const { ticket } = await opts.core.identity.issueLocalTicket(who.vmgateUser);
        const path = await writeTicketFile(opts.localTicketDir, ticket, who);
        return reply(`334 ${path}`);
      } catch (e) {
        opts.log.info({ osUser: arg, remote, err: e instanceof Error ? e.message : String(e) }, 'authd local login refused');
        return reply(e instanceof LocalLoginRefused ? `530 ${e.message}` : '530 Login incorrect.');
      }
    }
    if (cmd === 'TICKET') {
      if (!opts.localTicketDir) return reply('502 Local login is not enabled on this server');
      if (!arg || arg.length > 256) return reply('501 Invalid arguments');
      let r: { caller: Caller; token: string };
      try {
        r = await opts.core.identity.loginWithLocalTicket(arg, 'authd', { remoteAddress: remote });
      } catch (e) {
        opts.log.info({ remote, err: e instanceof Error ? e.message : String(e) }, 'authd ticket login failed');
        failures++;
        reply('530 Login incorrect.');
        if (failures >= maxAttempts) sock.end();
        return;
      }
      return startSession(r.caller, r.token);
    }
    if (cmd === 'PASS') {
      if (!user) return reply(NOT_LOGGED_IN);
      if (!arg || arg.length > 1024) return reply('501 Invalid arguments');
      let caller: Caller;
      let token: string;
      try {
        // The remote address is the lockout's `source` (and travels in the session data).
        const r = await opts.core.identity.login(user, m?.[2] ?? arg, 'authd', { remoteAddress: remote }, remote);
        caller = r.caller;
        token = r.token;
      } catch (e) {
        opts.log.info({ user, remote, err: e instanceof Error ? e.message : String(e) }, 'authd login failed');
        user = null;
        failures++;
        reply('530 Login incorrect.');
        if (failures >= maxAttempts) sock.end();
        return;
      }
      return startSession(caller, token);
    }
    if (cmd === 'QUIT') {
      reply('221 Goodbye.');
      sock.end();
      done = true;
      return;
    }
    reply(NOT_LOGGED_IN);
  };
  const pump = async (): Promise<void> => {
    if (busy) return;
    busy = true;
    while (queue.length && !done && !sock.destroyed) await onItem(queue.shift()!);
    busy = false;
  };
  sock.on('data', onData);
}

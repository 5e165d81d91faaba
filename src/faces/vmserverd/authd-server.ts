import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { TLSSocket, createSecureContext, type SecureContext, type SecureContextOptions } from 'node:tls';
import type { CoreApi, Logger } from '../../core/index.ts';
import type { Face } from '../face.ts';

export const AUTHD_BANNER = '220 VMware Authentication Daemon Version 1.10: SSL Required, ServerDaemonProtocol:SOAP, MKSDisplayProtocol:VNC , ,';
const MAX_LINE = 4096;
const IDLE_MS = 120_000;

export interface AuthdOptions {
  readonly core: CoreApi;
  readonly log: Logger;
  /** Key, certificate and the server's TLS profile (ciphers, minimum version: src/server/tls.ts). */
  readonly tls: Pick<SecureContextOptions, 'key' | 'cert' | 'ciphers' | 'minVersion' | 'ecdhCurve' | 'honorCipherOrder'>;
  /** Called after a successful login with the TLS socket; the vmserverd exec face takes over. */
  readonly onLogin?: (socket: TLSSocket, userName: string) => void;
  /** Live connections (the face's stop ends the idle ones). */
  readonly live?: Set<Connection>;
}

/** One accepted connection, as the face's drain sees it. */
interface Connection {
  /** A command (USER/PASS) is being answered: let it finish. */
  busy: boolean;
  stopping: boolean;
  end(): void;
}

/**
 * The authd door as a TCP face (on `--authd-port`): banner, TLS on the same socket
 * ("SSL Required"), then USER/PASS against vmgate's identity (lockout included). What
 * follows a login belongs to the vmserverd exec face; until that face is present the
 * connection is told so and closed. Stopping ends idle connections and lets a login in
 * progress finish.
 */
export const authdFace: Face = {
  name: 'authd',
  title: 'authd (login only)',
  start(deps) {
    const live = new Set<Connection>();
    const opts: AuthdOptions = { core: deps.core, log: deps.log, tls: deps.tls, live };
    const context = secureContextOf(opts);
    return {
      tcp: { note: 'TLS after the banner', handleConnection: (socket) => handleAuthdConnection(socket, opts, context) },
      async stop() {
        for (const c of live) {
          c.stopping = true;
          if (!c.busy) c.end();
        }
      },
    };
  },
};

/** One authd connection: banner, then TLS, then the USER/PASS line loop. */
export function handleAuthdConnection(raw: Socket, opts: AuthdOptions, context: SecureContext = secureContextOf(opts)): void {
  const conn: Connection = { busy: false, stopping: false, end: () => raw.end() };
  opts.live?.add(conn);
  raw.once('close', () => opts.live?.delete(conn));
  raw.setTimeout(IDLE_MS, () => raw.destroy());
  raw.on('error', () => raw.destroy());
  raw.write(AUTHD_BANNER + '\r\n');
  raw.once('data', (first: Buffer) => {
    if (first[0] !== 0x16) {
      // Plain text where TLS was required: refuse before any credential crosses the wire.
      raw.end('530 Please login with USER and PASS over SSL: this server requires SSL\r\n');
      return;
    }
    // TLS over a stream that starts with the bytes already read: a TLSSocket made on the
    // net.Socket itself would take over its handle and never see them (unshift is not enough).
    const tls = new TLSSocket(replay(raw, first), { isServer: true, secureContext: context });
    tls.on('error', () => tls.destroy());
    tls.setTimeout(IDLE_MS, () => tls.destroy());
    conn.end = () => tls.end();
    lineLoop(tls, opts, conn);
    raw.resume();
  });
}

/** The server's TLS profile as a context, made once per face. */
function secureContextOf(opts: AuthdOptions): SecureContext {
  const { key, cert, ciphers, minVersion, ecdhCurve, honorCipherOrder } = opts.tls;
  return createSecureContext({ key, cert, ciphers, minVersion, ecdhCurve, honorCipherOrder });
}

/** A duplex over `raw` whose readable side begins with `first`. */
function replay(raw: Socket, first: Buffer): Duplex {
  const d = new Duplex({
    read() {
      raw.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      raw.write(chunk, cb);
    },
    final(cb) {
      raw.end();
      cb();
    },
    destroy(err, cb) {
      raw.destroy();
      cb(err);
    },
  });
  d.push(first);
  raw.on('data', (chunk: Buffer) => {
    if (!d.push(chunk)) raw.pause();
  });
  raw.on('end', () => d.push(null));
  raw.on('close', () => d.destroy());
  return d;
}

function lineLoop(sock: TLSSocket, opts: AuthdOptions, conn: Connection): void {
  let buf = '';
  let user: string | null = null;
  let busy = false;
  const queue: string[] = [];
  const reply = (s: string): void => {
    if (!sock.destroyed) sock.write(s + '\r\n');
  };
  const onLine = async (line: string): Promise<void> => {
    const m = /^(\S+)(?:\s+(.*))?$/.exec(line.trim());
    const cmd = m?.[1]?.toUpperCase() ?? '';
    const arg = m?.[2] ?? '';
    if (cmd === 'USER') {
      if (!arg) return reply('501 Invalid arguments');
      user = arg;
      return reply(`331 Password required for ${arg}.`);
    }
    if (cmd === 'PASS') {
      if (!user) return reply('503 Login with USER first.');
      if (!arg) return reply('501 Invalid arguments');
      try {
        const caller = await opts.core.identity.verifyCredentials(user, arg, sock.remoteAddress);
        reply(`230 User ${caller.userName} logged in.`);
        sock.removeAllListeners('data');
        if (opts.onLogin) opts.onLogin(sock, caller.userName);
        else sock.end('500 the vmserverd exec API is not enabled on this server\r\n');
      } catch {
        user = null;
        reply('530 Login incorrect.');
      }
      return;
    }
    if (cmd === 'QUIT') {
      reply('221 Goodbye.');
      sock.end();
      return;
    }
    reply('530 Please login with USER and PASS.');
  };
  const pump = async (): Promise<void> => {
    if (busy) return;
    busy = conn.busy = true;
    while (queue.length && !conn.stopping) await onLine(queue.shift()!);
    busy = conn.busy = false;
    if (conn.stopping && !sock.destroyed) sock.end();
  };
  sock.on('data', (d: Buffer) => {
    buf += d.toString('utf8');
    if (buf.length > MAX_LINE && !buf.includes('\n')) {
      reply('501 Line too long');
      sock.destroy();
      return;
    }
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      queue.push(buf.slice(0, i).replace(/\r$/, ''));
      buf = buf.slice(i + 1);
    }
    void pump();
  });
}

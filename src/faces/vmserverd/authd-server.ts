import { createServer, type Server, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';
import type { Core, Logger } from '../../core/index.ts';

export const AUTHD_BANNER = '220 VMware Authentication Daemon Version 1.10: SSL Required, ServerDaemonProtocol:SOAP, MKSDisplayProtocol:VNC , ,';
const MAX_LINE = 4096;
const IDLE_MS = 120_000;

export interface AuthdOptions {
  readonly core: Core;
  readonly log: Logger;
  readonly tls: { key: string; cert: string };
  /** Called after a successful login with the TLS socket; the vmserverd exec face takes over. */
  readonly onLogin?: (socket: TLSSocket, userName: string) => void;
}

/**
 * The authd door: banner, TLS on the same socket ("SSL Required"), then USER/PASS against
 * vmgate's identity (lockout included). What follows a login belongs to the vmserverd
 * exec face; until that face is present the connection is told so and closed.
 */
export function createAuthdServer(opts: AuthdOptions): Server {
  const server = createServer((raw) => handle(raw, opts));
  server.on('error', (e) => opts.log.error({ err: e }, 'authd listener error'));
  return server;
}

function handle(raw: Socket, opts: AuthdOptions): void {
  raw.setTimeout(IDLE_MS, () => raw.destroy());
  raw.on('error', () => raw.destroy());
  raw.write(AUTHD_BANNER + '\r\n');
  raw.once('data', (first: Buffer) => {
    if (first[0] !== 0x16) {
      // Plain text where TLS was required: refuse before any credential crosses the wire.
      raw.end('530 Please login with USER and PASS over SSL: this server requires SSL\r\n');
      return;
    }
    raw.pause();
    raw.unshift(first);
    // TLSSocket over a net.Socket reads its C++ handle directly and would never see the
    // ClientHello already read here; over a JS stream it reads through the stream's buffer,
    // the unshifted bytes included.
    const stream = Duplex.from({ readable: raw, writable: raw });
    raw.on('close', () => stream.destroy());
    const tls = new TLSSocket(stream, { isServer: true, key: opts.tls.key, cert: opts.tls.cert });
    tls.on('error', () => tls.destroy());
    tls.setTimeout(IDLE_MS, () => tls.destroy());
    lineLoop(tls, opts);
    raw.resume();
  });
}

function lineLoop(sock: TLSSocket, opts: AuthdOptions): void {
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
        const caller = await opts.core.identity.verifyCredentials(user, arg);
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
    busy = true;
    while (queue.length) await onLine(queue.shift()!);
    busy = false;
  };
  sock.on('data', (d: Buffer) => {
    buf += d.toString('utf8');
    if (buf.length > MAX_LINE && !buf.includes('\n')) {
      // end, not destroy: destroy could drop the reply before it is written
      sock.removeAllListeners('data');
      buf = '';
      sock.end('501 Line too long\r\n');
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

/**
 * The WebSocket console proxy behind vSphere console tickets (and the web UI's noVNC):
 * `GET /console/vnc/<ticket>` with `Upgrade: websocket` on the HTTPS port (and the
 * loopback HTTP one).
 *
 * 1. The ticket is redeemed in core (once, whatever follows; core checks the caller's
 *    `VirtualMachine.Console` and that the VM runs again, and opens the console with a new
 *    one-time VNC password). Failures are plain HTTP answers before any upgrade.
 * 2. vmgate connects to the VM's console (the driver's VNC server), authenticates with
 *    that password (RFB 3.8, VNC authentication) and sends ClientInit (shared: other
 *    viewers stay connected), keeping the VM's ServerInit. Core runs steps 1–2 one
 *    connection at a time per VM (`consoles.connectProxy`): the console has one password
 *    at a time, so two users connecting at once get in one after the other instead of the
 *    second password replacing the first before it was used.
 * 3. The WebSocket is accepted; vmgate plays an RFB 3.8 server up to the security result
 *    with security type None (the ticket was the authentication), answers the client's
 *    ClientInit with the VM's ServerInit, then relays the bytes both ways unchanged.
 *    Each binary WebSocket message carries RFB bytes, as noVNC and websockify do.
 */
import type { IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import type { CoreApi, Logger } from '../../core/index.ts';
import { isVmgateError } from '../../core/index.ts';
import { vncAuthResponse } from '../../core/vnc-auth.ts';

const TICKET = /^[A-Za-z0-9_-]{43}$/;
/** Largest message a client may send (RFB client messages are small; clipboard text is bounded by it). */
const MAX_CLIENT_MESSAGE = 1024 * 1024;
/** Stop reading the VM's console while this much waits to go out to a slow client. */
const HIGH_WATER = 4 * 1024 * 1024;
const UPSTREAM_TIMEOUT_MS = 10_000;
/** A client must finish its side of the handshake (version, security type) within this. */
const CLIENT_HANDSHAKE_MS = 30_000;

export interface ConsoleProxy {
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Ends every proxied console connection. */
  stop(): Promise<void>;
}

export function createConsoleProxy(core: CoreApi, log: Logger, pathPrefix: string): ConsoleProxy {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_MESSAGE, perMessageDeflate: false, handleProtocols: (offered) => (offered.has('binary') ? 'binary' : false) });
  const open = new Set<{ ws: WebSocket; vm: Socket }>();
  let stopped = false;

  const refuse = (socket: Duplex, status: number, reason: string, text: string): void => {
    const body = `${text}\n`;
    socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nCache-Control: no-store\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  };

  async function handle(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const path = (req.url ?? '').split('?')[0]!;
    const ticket = path.startsWith(`${pathPrefix}/`) ? path.slice(pathPrefix.length + 1) : '';
    if (req.method !== 'GET' || (req.headers.upgrade ?? '').toLowerCase() !== 'websocket') return refuse(socket, 400, 'Bad Request', 'the console proxy speaks WebSocket only');
    if (!TICKET.test(ticket)) return refuse(socket, 404, 'Not Found', 'no such console ticket');
    if (stopped) return refuse(socket, 503, 'Service Unavailable', 'vmgate is stopping');
    let access: { vmId: string; vmName: string } | undefined;
    let vm: VncSession;
    try {
      vm = await core.consoles.connectProxy(ticket, async (a) => {
        access = a;
        return vncLogin(a.endpoint.host, a.endpoint.port, a.endpoint.password).catch((e: unknown) => {
          throw new UpstreamFailure(e);
        });
      });
    } catch (e) {
      if (e instanceof UpstreamFailure) {
        log.warn({ err: e.cause, vmId: access?.vmId }, 'console proxy: the VM console did not take its one-time password');
        return refuse(socket, 502, 'Bad Gateway', `the console of ${access?.vmName ?? 'the VM'} could not be reached`);
      }
      const kind = isVmgateError(e) ? e.kind : 'internal';
      const msg = isVmgateError(e) && kind !== 'internal' ? e.message : 'internal error';
      if (kind === 'internal') log.error({ err: e }, 'console proxy: opening the console failed');
      const [status, reason] = kind === 'unauthenticated' ? [401, 'Unauthorized'] : kind === 'unauthorized' ? [403, 'Forbidden'] : kind === 'not_found' ? [404, 'Not Found'] : kind === 'not_allowed_in_current_state' ? [409, 'Conflict'] : [500, 'Internal Server Error'];
      return refuse(socket, status, reason, msg);
    }
    if (socket.destroyed || stopped) {
      vm.socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => relay(ws, vm.socket, vm.serverInit));
  }

  function relay(ws: WebSocket, vm: Socket, serverInit: Buffer): void {
    const conn = { ws, vm };
    open.add(conn);
    const end = (): void => {
      if (!open.delete(conn)) return;
      vm.destroy();
      if (ws.readyState === ws.OPEN) ws.close(1000);
      else ws.terminate();
    };
    vm.on('close', end);
    vm.on('error', end);
    ws.on('close', end);
    ws.on('error', end);
    vm.pause();
    const handshakeTimer = setTimeout(end, CLIENT_HANDSHAKE_MS);
    ws.once('close', () => clearTimeout(handshakeTimer));

    // RFB 3.8 server side up to the security result: None (the ticket authenticated).
    let stage: 'version' | 'security' | 'clientInit' | 'relay' = 'version';
    let minor = 8;
    let pending = Buffer.alloc(0);
    ws.send(Buffer.from('RFB 003.008\n'));
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      const chunk = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      if (!isBinary && stage !== 'relay') return end();
      if (stage === 'relay') {
        vm.write(chunk);
        return;
      }
      pending = Buffer.concat([pending, chunk]);
      if (stage === 'version') {
        if (pending.length < 12) return;
        const m = /^RFB 003\.(\d{3})\n$/.exec(pending.subarray(0, 12).toString('latin1'));
        if (!m) return end();
        minor = Number(m[1]) >= 8 ? 8 : Number(m[1]) >= 7 ? 7 : 3;
        pending = pending.subarray(12);
        if (minor === 3) {
          ws.send(u32(1)); // security type None, no result
          stage = 'clientInit';
        } else {
          ws.send(Buffer.from([1, 1]));
          stage = 'security';
        }
      }
      if (stage === 'security') {
        if (pending.length < 1) return;
        if (pending[0] !== 1) return end();
        pending = pending.subarray(1);
        if (minor === 8) ws.send(u32(0));
        stage = 'clientInit';
      }
      if (stage === 'clientInit') {
        // The proxy sent the VM its ClientInit already (shared); the client's gets the VM's ServerInit.
        if (pending.length < 1) return;
        pending = pending.subarray(1);
        ws.send(serverInit);
        stage = 'relay';
      }
      if (stage === 'relay') {
        clearTimeout(handshakeTimer);
        if (pending.length > 0) vm.write(pending);
        pending = Buffer.alloc(0);
        vm.on('data', (d: Buffer) => {
          ws.send(d, { binary: true }, () => {
            if (ws.bufferedAmount < HIGH_WATER && vm.isPaused()) vm.resume();
          });
          if (ws.bufferedAmount >= HIGH_WATER) vm.pause();
        });
        vm.resume();
      }
    });
  }

  return {
    upgrade(req, socket, head) {
      socket.on('error', () => undefined);
      handle(req, socket, head).catch((e: unknown) => {
        log.error({ err: e }, 'console proxy failed');
        socket.destroy();
      });
    },
    async stop() {
      stopped = true;
      for (const c of [...open]) {
        c.vm.destroy();
        c.ws.terminate();
      }
      open.clear();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** A failure of the VM's console during the proxy's login (502), not of the ticket. */
class UpstreamFailure extends Error {
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
  }
}

interface VncSession {
  readonly socket: Socket;
  /** The VM's ServerInit message (the answer to the proxy's ClientInit), for the client. */
  readonly serverInit: Buffer;
}

/**
 * Connects to a VNC server, authenticates (RFB 3.8, VNC authentication with `password`)
 * and sends ClientInit (shared); resolves with the socket, paused, and the ServerInit it
 * answered, before anything else (the proxied client's requests come next).
 */
function vncLogin(host: string, port: number, password: string): Promise<VncSession> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port });
    let buf = Buffer.alloc(0);
    let stage: 'version' | 'types' | 'challenge' | 'result' | 'serverInit' = 'version';
    const fail = (why: string): void => {
      clearTimeout(timer);
      s.destroy();
      reject(new Error(why));
    };
    const timer = setTimeout(() => fail(`no VNC handshake from ${host}:${port} within ${UPSTREAM_TIMEOUT_MS} ms`), UPSTREAM_TIMEOUT_MS);
    s.on('error', (e) => fail(e.message));
    s.on('close', () => fail(`the VNC server closed the connection during ${stage}`));
    const onData = (d: Buffer): void => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        if (stage === 'version') {
          if (buf.length < 12) return;
          if (!/^RFB 003\.00[78]\n$/.test(buf.subarray(0, 12).toString('latin1'))) return fail(`not an RFB 3.7/3.8 server: ${JSON.stringify(buf.subarray(0, 12).toString('latin1'))}`);
          buf = buf.subarray(12);
          s.write('RFB 003.008\n');
          stage = 'types';
        } else if (stage === 'types') {
          if (buf.length < 1 || buf.length < 1 + buf[0]!) return;
          const types = [...buf.subarray(1, 1 + buf[0]!)];
          buf = buf.subarray(1 + buf[0]!);
          if (!types.includes(2)) return fail(`the VNC server does not offer VNC authentication (offers ${types.join(', ') || 'nothing'})`);
          s.write(Buffer.from([2]));
          stage = 'challenge';
        } else if (stage === 'challenge') {
          if (buf.length < 16) return;
          s.write(vncAuthResponse(password, buf.subarray(0, 16)));
          buf = buf.subarray(16);
          stage = 'result';
        } else if (stage === 'result') {
          if (buf.length < 4) return;
          if (buf.readUInt32BE(0) !== 0) return fail('the VNC server refused the one-time password');
          buf = buf.subarray(4);
          s.write(Buffer.from([1])); // ClientInit: shared
          stage = 'serverInit';
        } else {
          // ServerInit: width, height, pixel format (20 bytes), name length, name.
          if (buf.length < 24) return;
          const nameLength = buf.readUInt32BE(20);
          if (nameLength > 65_536) return fail(`the VNC server sent a desktop name of ${nameLength} bytes`);
          if (buf.length < 24 + nameLength) return;
          const serverInit = Buffer.from(buf.subarray(0, 24 + nameLength));
          clearTimeout(timer);
          s.off('data', onData);
          s.removeAllListeners('close');
          s.removeAllListeners('error');
          s.on('error', () => undefined);
          s.pause();
          // Anything after ServerInit (nothing: the client has asked for nothing yet) stays for the client.
          if (buf.length > 24 + nameLength) s.unshift(buf.subarray(24 + nameLength));
          resolve({ socket: s, serverInit });
          return;
        }
      }
    };
    s.on('data', onData);
  });
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n, 0);
  return b;
}

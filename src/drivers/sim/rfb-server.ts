import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import type { PixelCanvas } from './bitmap-font.ts';
import { checkVncAuth, newChallenge } from './vnc-auth.ts';

export interface RfbServerOptions {
  readonly host: string;
  /** The desktop name ServerInit announces (the VM's name). */
  readonly desktopName: () => string;
  /** The current screen; called again after `invalidate()`. */
  readonly render: () => PixelCanvas;
  /**
   * Ask for VNC authentication from the start (no password is valid until `setPassword`).
   * Default false: security type None until a password is set.
   */
  readonly passwordRequired?: boolean;
}

/** RFB pixel format (RFC 6143 §7.4). */
interface PixelFormat {
  readonly bitsPerPixel: number;
  readonly depth: number;
  readonly bigEndian: boolean;
  readonly trueColour: boolean;
  readonly redMax: number;
  readonly greenMax: number;
  readonly blueMax: number;
  readonly redShift: number;
  readonly greenShift: number;
  readonly blueShift: number;
}

const SERVER_FORMAT: PixelFormat = {
  bitsPerPixel: 32,
  depth: 24,
  bigEndian: false,
  trueColour: true,
  redMax: 255,
  greenMax: 255,
  blueMax: 255,
  redShift: 16,
  greenShift: 8,
  blueShift: 0,
};

const MAX_CUT_TEXT = 1024 * 1024;

interface Request {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

interface Connection {
  readonly socket: Socket;
  buf: Buffer;
  stage: 'version' | 'security' | 'vncauth' | 'init' | 'normal';
  challenge: Buffer | null;
  minor: number;
  format: PixelFormat;
  sentVersion: number;
  pending: Request | null;
}

/**
 * A minimal RFB 3.8 (VNC) server for one simulated VM: security type None until a
 * one-time password is set, then VNC authentication only (the password works for one
 * connection before it expires, then nothing does until the next), a 32 bpp
 * true-colour framebuffer sent as Raw rectangles in the pixel format the client asks
 * for. Key, pointer and clipboard messages are read and ignored. Incremental update
 * requests wait until the screen changes, as a real server's do.
 */
export class RfbServer {
  readonly #server: Server;
  readonly #opts: RfbServerOptions;
  readonly #conns = new Set<Connection>();
  #version = 1;
  #frame: { version: number; canvas: PixelCanvas } | null = null;
  #closed = false;
  /** Once a password was set the console never goes back to None. */
  #passworded = false;
  #ticket: { password: string; expiresAt: number } | null = null;

  private constructor(server: Server, opts: RfbServerOptions) {
    this.#server = server;
    this.#opts = opts;
    this.#passworded = opts.passwordRequired === true;
    server.on('connection', (s) => this.#accept(s));
  }

  static listen(opts: RfbServerOptions): Promise<RfbServer> {
    const server = createServer();
    const rfb = new RfbServer(server, opts);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, opts.host, () => {
        server.off('error', reject);
        server.on('error', () => undefined);
        resolve(rfb);
      });
    });
  }

  get host(): string {
    return (this.#server.address() as AddressInfo).address;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /**
   * From now on clients must authenticate (VNC authentication) with `password`, once,
   * within `validForMs`; a new password replaces the previous one.
   */
  setPassword(password: string, validForMs: number): void {
    this.#passworded = true;
    this.#ticket = { password, expiresAt: Date.now() + validForMs };
  }

  /** The screen changed: clients waiting on incremental requests get the new frame. */
  invalidate(): void {
    this.#version++;
    for (const c of this.#conns) {
      if (c.pending && c.stage === 'normal') {
        const req = c.pending;
        c.pending = null;
        this.#sendUpdate(c, req);
      }
    }
  }

  /** Stops listening and drops every client. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    for (const c of this.#conns) c.socket.destroy();
    this.#conns.clear();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  #sendChallenge(c: Connection): void {
    c.challenge = newChallenge();
    c.socket.write(c.challenge);
    c.stage = 'vncauth';
  }

  #canvas(): PixelCanvas {
    if (this.#frame?.version !== this.#version) this.#frame = { version: this.#version, canvas: this.#opts.render() };
    return this.#frame.canvas;
  }

  #accept(socket: Socket): void {
    if (this.#closed) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    const c: Connection = { socket, buf: Buffer.alloc(0), stage: 'version', challenge: null, minor: 8, format: SERVER_FORMAT, sentVersion: 0, pending: null };
    this.#conns.add(c);
    socket.on('data', (d: Buffer) => {
      c.buf = c.buf.length === 0 ? d : Buffer.concat([c.buf, d]);
      try {
        this.#drain(c);
      } catch {
        socket.destroy();
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.#conns.delete(c));
    socket.write('RFB 003.008\n');
  }

  /** Handles every complete message in the connection's buffer. */
  #drain(c: Connection): void {
    for (;;) {
      const n = this.#step(c);
      if (n === 0) return;
      c.buf = c.buf.subarray(n);
      if (c.socket.destroyed) return;
    }
  }

  /** Handles one message at the start of the buffer; returns the bytes it used (0: need more). */
  #step(c: Connection): number {
    const b = c.buf;
    switch (c.stage) {
      case 'version': {
        if (b.length < 12) return 0;
        const m = /^RFB (\d{3})\.(\d{3})\n$/.exec(b.subarray(0, 12).toString('latin1'));
        if (!m || Number(m[1]) !== 3) {
          c.socket.destroy();
          return 0;
        }
        c.minor = Number(m[2]) >= 8 ? 8 : Number(m[2]) >= 7 ? 7 : 3;
        const type = this.#passworded ? 2 : 1;
        if (c.minor === 3) {
          c.socket.write(u32(type));
          if (type === 2) this.#sendChallenge(c);
          else c.stage = 'init';
        } else {
          c.socket.write(Buffer.from([1, type]));
          c.stage = 'security';
        }
        return 12;
      }
      case 'security': {
        if (b.length < 1) return 0;
        const offered = this.#passworded ? 2 : 1;
        if (b[0] !== offered) {
          if (c.minor === 8) {
            const reason = Buffer.from(offered === 2 ? 'only security type 2 (VNC authentication) is offered' : 'only security type 1 (None) is offered');
            c.socket.end(Buffer.concat([u32(1), u32(reason.length), reason]));
          } else {
            c.socket.destroy();
          }
          return 0;
        }
        if (offered === 2) {
          this.#sendChallenge(c);
          return 1;
        }
        if (c.minor === 8) c.socket.write(u32(0));
        c.stage = 'init';
        return 1;
      }
      case 'vncauth': {
        if (b.length < 16) return 0;
        const t = this.#ticket;
        const good = t !== null && Date.now() <= t.expiresAt && checkVncAuth(t.password, c.challenge!, b.subarray(0, 16));
        if (!good) {
          const reason = Buffer.from(t === null ? 'the console password was used or has not been issued' : Date.now() > t.expiresAt ? 'the console password has expired' : 'authentication failed');
          c.socket.end(c.minor === 8 ? Buffer.concat([u32(1), u32(reason.length), reason]) : u32(1));
          return 0;
        }
        // one connection per password
        this.#ticket = null;
        c.socket.write(u32(0));
        c.stage = 'init';
        return 16;
      }
      case 'init': {
        if (b.length < 1) return 0;
        const canvas = this.#canvas();
        const name = Buffer.from(this.#opts.desktopName(), 'utf8');
        const head = Buffer.alloc(24);
        head.writeUInt16BE(canvas.width, 0);
        head.writeUInt16BE(canvas.height, 2);
        writePixelFormat(head, 4, SERVER_FORMAT);
        head.writeUInt32BE(name.length, 20);
        c.socket.write(Buffer.concat([head, name]));
        c.stage = 'normal';
        return 1;
      }
      case 'normal':
        return this.#message(c, b);
    }
  }

  #message(c: Connection, b: Buffer): number {
    if (b.length < 1) return 0;
    switch (b[0]) {
      case 0: // SetPixelFormat
        if (b.length < 20) return 0;
        c.format = readPixelFormat(b, 4);
        return 20;
      case 2: {
        // SetEncodings: Raw is always fine, the list is read and ignored
        if (b.length < 4) return 0;
        const len = 4 + 4 * b.readUInt16BE(2);
        return b.length < len ? 0 : len;
      }
      case 3: {
        // FramebufferUpdateRequest
        if (b.length < 10) return 0;
        const req = { x: b.readUInt16BE(2), y: b.readUInt16BE(4), w: b.readUInt16BE(6), h: b.readUInt16BE(8) };
        if (b[1] !== 0 && c.sentVersion === this.#version) c.pending = req;
        else this.#sendUpdate(c, req);
        return 10;
      }
      case 4: // KeyEvent
        return b.length < 8 ? 0 : 8;
      case 5: // PointerEvent
        return b.length < 6 ? 0 : 6;
      case 6: {
        // ClientCutText
        if (b.length < 8) return 0;
        const len = b.readUInt32BE(4);
        if (len > MAX_CUT_TEXT) throw new Error('cut text too long');
        return b.length < 8 + len ? 0 : 8 + len;
      }
      default:
        throw new Error(`unknown RFB client message ${b[0]}`);
    }
  }

  #sendUpdate(c: Connection, req: Request): void {
    const canvas = this.#canvas();
    c.sentVersion = this.#version;
    const x = Math.min(req.x, canvas.width);
    const y = Math.min(req.y, canvas.height);
    const w = Math.min(req.w, canvas.width - x);
    const h = Math.min(req.h, canvas.height - y);
    if (w <= 0 || h <= 0) {
      c.socket.write(Buffer.from([0, 0, 0, 0]));
      return;
    }
    const bpp = c.format.bitsPerPixel / 8;
    const out = Buffer.alloc(4 + 12 + w * h * bpp);
    out.writeUInt8(0, 0);
    out.writeUInt16BE(1, 2);
    out.writeUInt16BE(x, 4);
    out.writeUInt16BE(y, 6);
    out.writeUInt16BE(w, 8);
    out.writeUInt16BE(h, 10);
    out.writeInt32BE(0, 12); // Raw
    encodePixels(canvas, x, y, w, h, c.format, out, 16);
    c.socket.write(out);
  }
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n, 0);
  return b;
}

function writePixelFormat(b: Buffer, at: number, f: PixelFormat): void {
  b.writeUInt8(f.bitsPerPixel, at);
  b.writeUInt8(f.depth, at + 1);
  b.writeUInt8(f.bigEndian ? 1 : 0, at + 2);
  b.writeUInt8(f.trueColour ? 1 : 0, at + 3);
  b.writeUInt16BE(f.redMax, at + 4);
  b.writeUInt16BE(f.greenMax, at + 6);
  b.writeUInt16BE(f.blueMax, at + 8);
  b.writeUInt8(f.redShift, at + 10);
  b.writeUInt8(f.greenShift, at + 11);
  b.writeUInt8(f.blueShift, at + 12);
}

/** Reads a client's pixel format; formats the server cannot produce fall back to its own. */
function readPixelFormat(b: Buffer, at: number): PixelFormat {
  const f: PixelFormat = {
    bitsPerPixel: b.readUInt8(at),
    depth: b.readUInt8(at + 1),
    bigEndian: b.readUInt8(at + 2) !== 0,
    trueColour: b.readUInt8(at + 3) !== 0,
    redMax: b.readUInt16BE(at + 4),
    greenMax: b.readUInt16BE(at + 6),
    blueMax: b.readUInt16BE(at + 8),
    redShift: b.readUInt8(at + 10),
    greenShift: b.readUInt8(at + 11),
    blueShift: b.readUInt8(at + 12),
  };
  const usable = f.trueColour && [8, 16, 32].includes(f.bitsPerPixel) && f.redMax > 0 && f.greenMax > 0 && f.blueMax > 0;
  return usable ? f : SERVER_FORMAT;
}

function encodePixels(canvas: PixelCanvas, x: number, y: number, w: number, h: number, f: PixelFormat, out: Buffer, at: number): void {
  const native = f.bitsPerPixel === 32 && !f.bigEndian && f.redShift === 16 && f.greenShift === 8 && f.blueShift === 0 && f.redMax === 255 && f.greenMax === 255 && f.blueMax === 255;
  let o = at;
  for (let row = y; row < y + h; row++) {
    const base = row * canvas.width;
    for (let col = x; col < x + w; col++) {
      const rgb = canvas.pixels[base + col];
      if (native) {
        out.writeUInt32LE(rgb, o);
        o += 4;
        continue;
      }
      const r = (rgb >> 16) & 0xff;
      const g = (rgb >> 8) & 0xff;
      const bl = rgb & 0xff;
      const v =
        ((Math.round((r * f.redMax) / 255) << f.redShift) | (Math.round((g * f.greenMax) / 255) << f.greenShift) | (Math.round((bl * f.blueMax) / 255) << f.blueShift)) >>> 0;
      if (f.bitsPerPixel === 8) out.writeUInt8(v & 0xff, o);
      else if (f.bitsPerPixel === 16) {
        if (f.bigEndian) out.writeUInt16BE(v & 0xffff, o);
        else out.writeUInt16LE(v & 0xffff, o);
      } else if (f.bigEndian) out.writeUInt32BE(v, o);
      else out.writeUInt32LE(v, o);
      o += f.bitsPerPixel / 8;
    }
  }
}

import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { vncAuthResponse } from '../../src/drivers/sim/vnc-auth.ts';

/** What one RFB (VNC) session saw: ServerInit and one full framebuffer in the server's pixel format. */
export interface RfbFrame {
  readonly serverVersion: string;
  readonly name: string;
  readonly width: number;
  readonly height: number;
  readonly bitsPerPixel: number;
  readonly bigEndian: boolean;
  /** width × height pixels, bitsPerPixel / 8 bytes each, row-major. */
  readonly pixels: Buffer;
}

/** Buffered reads of exact sizes from a socket. */
class Reader {
  #buf = Buffer.alloc(0);
  #want: { n: number; resolve: (b: Buffer) => void; reject: (e: Error) => void } | null = null;
  #error: Error | null = null;

  constructor(socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.#buf = Buffer.concat([this.#buf, d]);
      this.#pump();
    });
    const fail = (e: Error): void => {
      this.#error ??= e;
      const w = this.#want;
      this.#want = null;
      w?.reject(this.#error);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('the RFB server closed the connection')));
  }

  read(n: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.#want = { n, resolve, reject };
      this.#pump();
      if (this.#want && this.#error) {
        this.#want = null;
        reject(this.#error);
      }
    });
  }

  #pump(): void {
    const w = this.#want;
    if (!w || this.#buf.length < w.n) return;
    this.#want = null;
    const out = this.#buf.subarray(0, w.n);
    this.#buf = this.#buf.subarray(w.n);
    w.resolve(Buffer.from(out));
  }
}

/**
 * A tiny RFB 3.8 client for tests: handshake with security type None (or VNC
 * authentication with `password`), ServerInit, one non-incremental
 * FramebufferUpdateRequest for the whole screen (Raw encoding), then it disconnects and
 * returns what it got.
 */
export async function grabRfbFrame(host: string, port: number, opts: { password?: string; timeoutMs?: number } = {}): Promise<RfbFrame> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const socket = connect({ host, port });
  const timer = setTimeout(() => socket.destroy(new Error(`no complete RFB frame from ${host}:${port} within ${timeoutMs} ms`)), timeoutMs);
  try {
    const r = new Reader(socket);
    const serverVersion = (await r.read(12)).toString('latin1');
    if (!/^RFB 003\.00[378]\n$/.test(serverVersion)) throw new Error(`not an RFB 3.x server: ${JSON.stringify(serverVersion)}`);
    socket.write('RFB 003.008\n');

    const count = (await r.read(1))[0];
    if (count === 0) {
      const len = (await r.read(4)).readUInt32BE(0);
      throw new Error(`the server refused the connection: ${(await r.read(len)).toString('utf8')}`);
    }
    const types = [...(await r.read(count))];
    if (opts.password !== undefined) {
      if (!types.includes(2)) throw new Error(`the server does not offer VNC authentication (offers ${types.join(', ')})`);
      socket.write(Buffer.from([2]));
      socket.write(vncAuthResponse(opts.password, await r.read(16)));
    } else {
      if (!types.includes(1)) throw new Error(`the server does not offer security type None (offers ${types.join(', ')})`);
      socket.write(Buffer.from([1]));
    }
    const result = (await r.read(4)).readUInt32BE(0);
    if (result !== 0) {
      const len = (await r.read(4)).readUInt32BE(0);
      throw new Error(`security handshake failed: ${(await r.read(len)).toString('utf8')}`);
    }

    socket.write(Buffer.from([1])); // ClientInit, shared
    const init = await r.read(24);
    const width = init.readUInt16BE(0);
    const height = init.readUInt16BE(2);
    const bitsPerPixel = init.readUInt8(4);
    const bigEndian = init.readUInt8(6) !== 0;
    const name = (await r.read(init.readUInt32BE(20))).toString('utf8');
    const bpp = bitsPerPixel / 8;

    const setEncodings = Buffer.from([2, 0, 0, 1, 0, 0, 0, 0]); // Raw only
    const request = Buffer.alloc(10);
    request.writeUInt8(3, 0);
    request.writeUInt8(0, 1); // not incremental
    request.writeUInt16BE(width, 6);
    request.writeUInt16BE(height, 8);
    socket.write(Buffer.concat([setEncodings, request]));

    const pixels = Buffer.alloc(width * height * bpp);
    for (;;) {
      const type = (await r.read(1))[0];
      if (type === 2) continue; // Bell
      if (type === 3) {
        const head = await r.read(7);
        await r.read(head.readUInt32BE(3));
        continue;
      }
      if (type !== 0) throw new Error(`unexpected server message ${type}`);
      const head = await r.read(3);
      const rects = head.readUInt16BE(1);
      for (let i = 0; i < rects; i++) {
        const rh = await r.read(12);
        const [x, y, w, h] = [rh.readUInt16BE(0), rh.readUInt16BE(2), rh.readUInt16BE(4), rh.readUInt16BE(6)];
        const encoding = rh.readInt32BE(8);
        if (encoding !== 0) throw new Error(`unexpected encoding ${encoding} (asked for Raw)`);
        const data = await r.read(w * h * bpp);
        for (let row = 0; row < h; row++) data.copy(pixels, ((y + row) * width + x) * bpp, row * w * bpp, (row + 1) * w * bpp);
      }
      return { serverVersion: serverVersion.trim(), name, width, height, bitsPerPixel, bigEndian, pixels };
    }
  } finally {
    clearTimeout(timer);
    socket.destroy();
  }
}

/** How many pixels differ from the top-left one (the background), for "is it blank?". */
export function countNonBackgroundPixels(frame: RfbFrame): number {
  const bpp = frame.bitsPerPixel / 8;
  const bg = frame.pixels.subarray(0, bpp);
  let n = 0;
  for (let i = bpp; i < frame.pixels.length; i += bpp) if (!frame.pixels.subarray(i, i + bpp).equals(bg)) n++;
  return n;
}

/** The number of different pixel values in the frame. */
export function countColors(frame: RfbFrame): number {
  const bpp = frame.bitsPerPixel / 8;
  const seen = new Set<string>();
  for (let i = 0; i < frame.pixels.length; i += bpp) seen.add(frame.pixels.subarray(i, i + bpp).toString('hex'));
  return seen.size;
}

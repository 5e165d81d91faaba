/**
 * An RFB 3.8 client over WebSocket (binary messages carry RFB bytes, as noVNC sends
 * them): the handshake through vmgate's console proxy up to ServerInit, then one
 * framebuffer update request, answered by the VM's console through the proxy.
 */
import WebSocket from 'ws';

export interface WsRfbSession {
  /** The WebSocket subprotocol the server chose ('' for none). */
  readonly protocol: string;
  /** Security types the proxy offered. */
  readonly types: readonly number[];
  readonly name: string;
  readonly width: number;
  readonly height: number;
  /** The first server message after our FramebufferUpdateRequest (0 = FramebufferUpdate). */
  readonly firstMessageType: number;
}

/** Why the server refused the upgrade: its status and body. */
export class UpgradeRefused extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`the WebSocket upgrade was refused: ${status} ${body.trim()}`);
  }
}

export function wsRfbSession(url: string, ca: string, opts: { protocols?: string[] } = {}): Promise<WsRfbSession> {
  return new Promise((resolve, reject) => {
    // The server's certificate names localhost; ws hands TLS options through to https.request.
    const tls: WebSocket.ClientOptions & { servername: string } = { ca, servername: 'localhost' };
    const ws = new WebSocket(url, opts.protocols ?? [], tls);
    let buf = Buffer.alloc(0);
    let stage: 'version' | 'types' | 'result' | 'init' | 'update' = 'version';
    let types: number[] = [];
    let init: Omit<WsRfbSession, 'firstMessageType' | 'protocol'> | null = null;
    const timer = setTimeout(() => fail(new Error(`no RFB session through ${url} within 10 s (stage ${stage})`)), 10_000);
    const fail = (e: Error): void => {
      clearTimeout(timer);
      ws.terminate();
      reject(e);
    };
    ws.on('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => fail(new UpgradeRefused(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'))));
    });
    ws.on('error', fail);
    ws.on('close', () => fail(new Error(`the proxy closed the WebSocket during ${stage}`)));
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) return fail(new Error('a text message from the console proxy'));
      buf = Buffer.concat([buf, data]);
      for (;;) {
        if (stage === 'version') {
          if (buf.length < 12) return;
          if (buf.subarray(0, 12).toString('latin1') !== 'RFB 003.008\n') return fail(new Error(`version ${JSON.stringify(buf.subarray(0, 12).toString('latin1'))}`));
          buf = buf.subarray(12);
          ws.send(Buffer.from('RFB 003.008\n'));
          stage = 'types';
        } else if (stage === 'types') {
          if (buf.length < 1 || buf.length < 1 + buf[0]!) return;
          types = [...buf.subarray(1, 1 + buf[0]!)];
          buf = buf.subarray(1 + buf[0]!);
          if (!types.includes(1)) return fail(new Error(`security types ${types.join(',')} without None`));
          ws.send(Buffer.from([1]));
          stage = 'result';
        } else if (stage === 'result') {
          if (buf.length < 4) return;
          if (buf.readUInt32BE(0) !== 0) return fail(new Error('security result: failed'));
          buf = buf.subarray(4);
          ws.send(Buffer.from([1])); // ClientInit, shared
          stage = 'init';
        } else if (stage === 'init') {
          if (buf.length < 24 || buf.length < 24 + buf.readUInt32BE(20)) return;
          init = { types, width: buf.readUInt16BE(0), height: buf.readUInt16BE(2), name: buf.subarray(24, 24 + buf.readUInt32BE(20)).toString('utf8') };
          buf = buf.subarray(24 + buf.readUInt32BE(20));
          const request = Buffer.alloc(10);
          request.writeUInt8(3, 0);
          request.writeUInt16BE(init.width, 6);
          request.writeUInt16BE(init.height, 8);
          ws.send(Buffer.concat([Buffer.from([2, 0, 0, 1, 0, 0, 0, 0]), request])); // SetEncodings Raw; FramebufferUpdateRequest
          stage = 'update';
        } else {
          if (buf.length < 1) return;
          clearTimeout(timer);
          ws.removeAllListeners('close');
          ws.close();
          resolve({ ...init!, protocol: ws.protocol, firstMessageType: buf[0]! });
          return;
        }
      }
    });
  });
}

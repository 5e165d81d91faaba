import { connect } from 'node:net';
import { vncAuthResponse } from '../../../src/drivers/sim/vnc-auth.ts';

export interface VncHandshake {
  /** The security types the server offered. */
  readonly types: readonly number[];
  /** ServerInit's desktop name (the VM's name). */
  readonly name: string;
  readonly width: number;
  readonly height: number;
}

/**
 * An RFB 3.8 handshake up to ServerInit, with VNC authentication when the server asks
 * for it. Rejects with the server's reason when authentication fails.
 */
export function vncHandshake(host: string, port: number, password: string | null): Promise<VncHandshake> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, host);
    let buf = Buffer.alloc(0);
    let stage: 'version' | 'types' | 'challenge' | 'result' | 'reason' | 'init' = 'version';
    let types: number[] = [];
    const fail = (e: Error) => {
      socket.destroy();
      reject(e);
    };
    const timer = setTimeout(() => fail(new Error('VNC handshake timed out')), 10_000);
    socket.on('error', fail);
    socket.on('close', () => {
      clearTimeout(timer);
      reject(new Error(`the VNC server closed the connection during ${stage}`));
    });
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        if (stage === 'version') {
          if (buf.length < 12) return;
          buf = buf.subarray(12);
          socket.write('RFB 003.008\n');
          stage = 'types';
        } else if (stage === 'types') {
          if (buf.length < 1 || buf.length < 1 + buf[0]!) return;
          types = [...buf.subarray(1, 1 + buf[0]!)];
          buf = buf.subarray(1 + buf[0]!);
          if (types.includes(2)) {
            socket.write(Buffer.from([2]));
            stage = 'challenge';
          } else {
            socket.write(Buffer.from([1]));
            stage = 'result';
          }
        } else if (stage === 'challenge') {
          if (buf.length < 16) return;
          socket.write(vncAuthResponse(password ?? '', buf.subarray(0, 16)));
          buf = buf.subarray(16);
          stage = 'result';
        } else if (stage === 'result') {
          if (buf.length < 4) return;
          const r = buf.readUInt32BE(0);
          buf = buf.subarray(4);
          if (r !== 0) {
            stage = 'reason';
            continue;
          }
          socket.write(Buffer.from([1])); // ClientInit, shared
          stage = 'init';
        } else if (stage === 'reason') {
          if (buf.length < 4 || buf.length < 4 + buf.readUInt32BE(0)) return;
          fail(new Error(`VNC authentication failed: ${buf.subarray(4, 4 + buf.readUInt32BE(0)).toString('utf8')}`));
          return;
        } else {
          if (buf.length < 24 || buf.length < 24 + buf.readUInt32BE(20)) return;
          const name = buf.subarray(24, 24 + buf.readUInt32BE(20)).toString('utf8');
          clearTimeout(timer);
          socket.removeAllListeners('close');
          socket.destroy();
          resolve({ types, name, width: buf.readUInt16BE(0), height: buf.readUInt16BE(2) });
          return;
        }
      }
    });
  });
}

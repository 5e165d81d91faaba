import { createCipheriv, randomBytes, timingSafeEqual } from 'node:crypto';

/* Shared by the sim driver's RFB server (which checks responses) and the console proxy of the faces (which answers challenges). */

/**
 * VNC authentication (RFC 6143 §7.2.2): the server sends a 16-byte challenge, the client
 * answers it DES-encrypted with the password (8 bytes, zero-padded, each byte's bits
 * reversed) as the key. Single DES is Triple DES with one key three times (OpenSSL 3
 * keeps plain DES in its legacy provider only).
 */
export function vncAuthResponse(password: string, challenge: Buffer): Buffer {
  const key = Buffer.alloc(8);
  Buffer.from(password, 'latin1').copy(key, 0, 0, 8);
  for (let i = 0; i < 8; i++) key[i] = reverseBits(key[i]!);
  const cipher = createCipheriv('des-ede3', Buffer.concat([key, key, key]), null);
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(challenge), cipher.final()]);
}

export function newChallenge(): Buffer {
  return randomBytes(16);
}

export function checkVncAuth(password: string, challenge: Buffer, response: Buffer): boolean {
  const want = vncAuthResponse(password, challenge);
  return response.length === want.length && timingSafeEqual(response, want);
}

function reverseBits(b: number): number {
  let r = 0;
  for (let i = 0; i < 8; i++) r |= ((b >> i) & 1) << (7 - i);
  return r;
}

import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { SecureContextOptions } from 'node:tls';
import { generate } from 'selfsigned';
import { writeFileAtomic } from '../datastore/index.ts';
import type { ServerCertificate } from '../faces/face.ts';

/**
 * Mozilla's "intermediate" server profile (ssl-config.mozilla.org, version 5.7), for every
 * TLS listener (HTTPS, authd): TLS 1.2 and 1.3; on TLS 1.2 only ECDHE key exchange with
 * AEAD ciphers (AES-GCM, ChaCha20-Poly1305), so every session has forward secrecy and no
 * CBC suite is offered; TLS 1.3 with its three suites; the client's preference order.
 * The profile's DHE suites are left out: vmgate configures no DH parameters.
 */
export const TLS_PROFILE = {
  minVersion: 'TLSv1.2',
  ciphers: [
    'TLS_AES_128_GCM_SHA256',
    'TLS_AES_256_GCM_SHA384',
    'TLS_CHACHA20_POLY1305_SHA256',
    'ECDHE-ECDSA-AES128-GCM-SHA256',
    'ECDHE-RSA-AES128-GCM-SHA256',
    'ECDHE-ECDSA-AES256-GCM-SHA384',
    'ECDHE-RSA-AES256-GCM-SHA384',
    'ECDHE-ECDSA-CHACHA20-POLY1305',
    'ECDHE-RSA-CHACHA20-POLY1305',
  ].join(':'),
  ecdhCurve: 'X25519:prime256v1:secp384r1',
  honorCipherOrder: false,
} as const satisfies Pick<SecureContextOptions, 'minVersion' | 'ciphers' | 'ecdhCurve' | 'honorCipherOrder'>;

export interface TlsMaterial {
  readonly key: string;
  readonly cert: string;
  /** {@link TLS_PROFILE}, so that whoever makes a TLS context from this material uses it. */
  readonly minVersion: typeof TLS_PROFILE.minVersion;
  readonly ciphers: string;
  readonly ecdhCurve: string;
  readonly honorCipherOrder: boolean;
  /** SHA-256 fingerprint, colon separated, as clients show it. */
  readonly fingerprint: string;
  readonly created: boolean;
}

/**
 * The HTTPS certificate: `<dataDir>/tls/server.{key,crt}`. A self-signed one (sha256,
 * 2048-bit RSA, SANs for localhost, 127.0.0.1, ::1 and the host name) is made on first
 * start; replace the files with your own to use a real certificate.
 */
export async function loadOrCreateTls(dataDir: string): Promise<TlsMaterial> {
  const keyPath = join(dataDir, 'tls', 'server.key');
  const certPath = join(dataDir, 'tls', 'server.crt');
  let created = false;
  if (!existsSync(keyPath) || !existsSync(certPath)) {
    const host = hostname();
    const now = new Date();
    const pems = await generate([{ name: 'commonName', value: host }, { name: 'organizationName', value: 'vmgate' }], {
      keySize: 2048,
      algorithm: 'sha256',
      notBeforeDate: new Date(now.getTime() - 60_000),
      notAfterDate: new Date(now.getTime() + 825 * 24 * 3600 * 1000),
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
        { name: 'extKeyUsage', serverAuth: true },
        {
          name: 'subjectAltName',
          altNames: [
            { type: 2, value: 'localhost' },
            { type: 2, value: host },
            { type: 7, ip: '127.0.0.1' },
            { type: 7, ip: '::1' },
          ],
        },
      ],
    });
    await mkdir(join(dataDir, 'tls'), { recursive: true, mode: 0o700 });
    await writeFileAtomic(keyPath, pems.private, { mode: 0o600 });
    await writeFileAtomic(certPath, pems.cert);
    created = true;
  }
  const [key, cert] = await Promise.all([readFile(keyPath, 'utf8'), readFile(certPath, 'utf8')]);
  const fingerprint = new X509Certificate(cert).fingerprint256;
  return { key, cert, fingerprint, created, ...TLS_PROFILE };
}

/**
 * The server's certificate while it runs: `replace` checks that the key matches the
 * certificate, writes `<dataDir>/tls/server.key` (0600) and `server.crt` atomically (the
 * next start uses them), then tells every listener (the HTTPS one and the authd door), so
 * new connections get the new certificate at once and open ones keep theirs.
 */
export function serverCertificate(dataDir: string, initial: { key: string; cert: string }): ServerCertificate & { readonly fingerprint: string } {
  let cur = { key: initial.key, cert: initial.cert };
  let fingerprint = new X509Certificate(cur.cert).fingerprint256;
  const listeners = new Set<(t: { key: string; cert: string }) => void>();
  let chain: Promise<void> = Promise.resolve();
  return {
    current: () => cur,
    get fingerprint() {
      return fingerprint;
    },
    replace(t) {
      // One replace at a time: the two files always come from the same pair.
      const run = chain.then(async () => {
        const x = new X509Certificate(t.cert);
        if (!x.checkPrivateKey(createPrivateKey(t.key))) throw new Error('the private key does not belong to the certificate');
        await mkdir(join(dataDir, 'tls'), { recursive: true, mode: 0o700 });
        await writeFileAtomic(join(dataDir, 'tls', 'server.key'), t.key, { mode: 0o600 });
        await writeFileAtomic(join(dataDir, 'tls', 'server.crt'), t.cert);
        cur = { key: t.key, cert: t.cert };
        fingerprint = x.fingerprint256;
        for (const l of listeners) l(cur);
      });
      chain = run.catch(() => undefined);
      return run;
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

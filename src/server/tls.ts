import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { generate } from 'selfsigned';
import { writeFileAtomic } from '../datastore/index.ts';

export interface TlsMaterial {
  readonly key: string;
  readonly cert: string;
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
  return { key, cert, fingerprint, created };
}

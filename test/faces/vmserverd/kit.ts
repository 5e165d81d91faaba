import type { AddressInfo } from 'node:net';
import { connect as netConnect, type Socket } from 'node:net';
import { generate } from 'selfsigned';
import type { CoreConfig } from '../../../src/core/index.ts';
import { createAuthdServer, type AuthdOptions, type AuthdServer } from '../../../src/faces/vmserverd/authd-server.ts';
import { VmserverdClient } from '../../../src/clients/vmserverd/index.ts';
import { createTestCore, type TestCore } from '../../support/core-harness.ts';

export const ADMIN = { user: 'administrator', password: 'administrator-password-1' };

let pemsP: Promise<{ key: string; cert: string }> | null = null;
/** One self-signed certificate (for localhost and 127.0.0.1) per test process. */
export function testTls(): Promise<{ key: string; cert: string }> {
  pemsP ??= generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] }],
  }).then((p) => ({ key: p.private, cert: p.cert }));
  return pemsP;
}

export interface AuthdKit {
  readonly t: TestCore;
  readonly server: AuthdServer;
  readonly port: number;
  readonly ca: string;
  /** A connected client, not logged in. */
  client(): Promise<VmserverdClient>;
  /** A client logged in as the administrator. */
  admin(): Promise<VmserverdClient>;
  /** A raw TCP socket to the door, with everything it received so far. */
  raw(): Promise<{ sock: Socket; received: () => string; closed: Promise<void> }>;
  close(): Promise<void>;
}

/** A real core (SQLite, sim driver) and a real authd listener on 127.0.0.1, port 0. */
export async function startAuthd(opts: Partial<Omit<AuthdOptions, 'core' | 'log' | 'tls'>> = {}, config: Partial<CoreConfig> = {}): Promise<AuthdKit> {
  const t = await createTestCore({ config });
  const tls = await testTls();
  const server = createAuthdServer({ core: t.core, log: { info() {}, warn() {}, debug() {}, error() {} }, tls, ...opts });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  const port = (server.address() as AddressInfo).port;
  const clients: VmserverdClient[] = [];
  const sockets: Socket[] = [];
  const client = async (): Promise<VmserverdClient> => {
    const c = await VmserverdClient.connect({ host: '127.0.0.1', port, ca: tls.cert });
    clients.push(c);
    return c;
  };
  return {
    t,
    server,
    port,
    ca: tls.cert,
    client,
    async admin() {
      const c = await client();
      await c.login(ADMIN.user, ADMIN.password);
      return c;
    },
    async raw() {
      const sock = netConnect({ host: '127.0.0.1', port });
      sockets.push(sock);
      let got = '';
      sock.on('data', (d: Buffer) => {
        got += d.toString('latin1');
      });
      sock.on('error', () => undefined);
      const closed = new Promise<void>((r) => sock.once('close', () => r()));
      await new Promise<void>((r) => sock.once('connect', () => r()));
      return { sock, received: () => got, closed };
    },
    async close() {
      for (const c of clients) c.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      await t.close();
    },
  };
}

/** Resolves when `cond()` holds (checked on every tick of 10 ms), rejects after `ms`. */
export async function until(cond: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

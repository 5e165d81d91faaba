import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../src/core/clock.ts';
import type { ServeConfig } from '../../src/server/config.ts';
import { resolveServeConfig } from '../../src/server/config.ts';
import type { FaceEntry } from '../../src/server/faces.ts';
import type { RunningServer } from '../../src/server/serve.ts';
import { startServer } from '../../src/server/serve.ts';

export const ADMIN_PASSWORD = 'test-admin-password-1';

export interface TestServer {
  readonly server: RunningServer;
  /** `https://127.0.0.1:<port>` */
  readonly baseUrl: string;
  readonly port: number;
  /** The server's self-signed certificate, to trust as a CA. */
  readonly ca: string;
  readonly dataDir: string;
  /** A raw HTTPS request; body as text. */
  request(method: string, path: string, opts?: { headers?: Record<string, string>; body?: string | Buffer }): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  /**
   * Start on this existing data directory (a restart of an earlier server) instead of a
   * fresh one; `close()` then leaves it in place (its creator removes it).
   */
  readonly dataDir?: string;
  /** Extra faces beside the built-in ones (the face seam's tests). */
  readonly faces?: readonly FaceEntry[];
  /** Core's clock (a ManualClock to step through time); the system clock by default. */
  readonly clock?: Clock;
}

/**
 * A fresh vmgate in this process, over real HTTPS on a free port, with its own data
 * directory: the demo inventory (small) and a fast simulator unless told otherwise.
 */
export async function startTestServer(overrides: Partial<Record<keyof ServeConfig, unknown>> = {}, env: NodeJS.ProcessEnv = {}, options: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'vmgate-face-')));
  const config = resolveServeConfig({ dataDir, httpsPort: 0, authdPort: 0, host: '127.0.0.1', simSpeed: 500, demo: true, demoHosts: 2, demoVms: 3, logLevel: 'warn', ...overrides }, {});
  const server = await startServer(config, { env: { VMGATE_ADMIN_PASSWORD: ADMIN_PASSWORD, VMGATE_DEMO_PASSWORD: 'demo-password-1', ...env }, ...(options.faces ? { faces: options.faces } : {}), ...(options.clock ? { clock: options.clock } : {}) });
  const port = server.ports.https;
  const ca = server.cert;
  return {
    server,
    baseUrl: `https://127.0.0.1:${port}`,
    port,
    ca,
    dataDir,
    request(method, path, opts = {}) {
      return new Promise((res, rej) => {
        const req = httpsRequest({ host: '127.0.0.1', port, method, path, ca, servername: 'localhost', headers: opts.headers ?? {} }, (r) => {
          const chunks: Buffer[] = [];
          r.on('data', (d: Buffer) => chunks.push(d));
          r.on('end', () => res({ status: r.statusCode!, headers: r.headers, body: Buffer.concat(chunks).toString('utf8') }));
        });
        req.on('error', rej);
        if (opts.body !== undefined) req.write(opts.body);
        req.end();
      });
    },
    async close() {
      await server.close(1000);
      if (options.dataDir === undefined) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A real vmgate (`vmgate serve`, sim driver, demo inventory) in a child process for the
 * VIX tests: the faithful API blocks its thread in VixJob_Wait, so the server must not
 * share the test's event loop. The vSphere face (vAPI client) shows what changed.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VapiClient } from '../../../src/clients/vapi/index.ts';
import { VmserverdClient } from '../../../src/clients/vmserverd/index.ts';
import { spawnServer, type SpawnedServer } from '../../support/spawn-server.ts';

export const ADMIN = { user: 'administrator', password: 'vix-admin-password-1' };

export interface VixServer {
  readonly s: SpawnedServer;
  readonly dataDir: string;
  readonly authdPort: number;
  readonly httpsPort: number;
  readonly ca: string;
  readonly caFile: string;
  /** A logged-in vAPI client (the vSphere face). */
  vapi(): Promise<VapiClient>;
  /** A logged-in vmserverd client (to arrange things without the SDK). */
  exec(): Promise<VmserverdClient>;
  /** Environment for an example or CLI run against this server. */
  env(): NodeJS.ProcessEnv;
  close(): Promise<void>;
}

export async function startVixServer(extraArgs: string[] = []): Promise<VixServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'vmgate-vix-'));
  const s = await spawnServer(dataDir, ['--demo', '--demo-hosts', '2', '--demo-vms', '2', '--sim-speed', '200', '--faces', 'vapi,authd', '--log-level', 'warn', ...extraArgs], { VMGATE_ADMIN_PASSWORD: ADMIN.password });
  const caFile = join(dataDir, 'tls', 'server.crt');
  const ca = await readFile(caFile, 'utf8');
  const clients: { close(): void }[] = [];
  const server: VixServer = {
    s,
    dataDir,
    authdPort: s.ports.authd!,
    httpsPort: s.ports.https,
    ca,
    caFile,
    async vapi() {
      const c = new VapiClient({ server: `https://127.0.0.1:${s.ports.https}`, ca });
      await c.login(ADMIN.user, ADMIN.password);
      clients.push(c);
      return c;
    },
    async exec() {
      const c = await VmserverdClient.connect({ host: '127.0.0.1', port: s.ports.authd!, ca });
      await c.login(ADMIN.user, ADMIN.password);
      clients.push(c);
      return c;
    },
    env() {
      return { VMGATE_CA: caFile, VMGATE_AUTHD_PORT: String(s.ports.authd), VIX_HOST: '127.0.0.1', VIX_USER: ADMIN.user, VIX_PASSWORD: ADMIN.password };
    },
    async close() {
      for (const c of clients) c.close();
      s.child.kill('SIGTERM');
      await s.exited;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return server;
}

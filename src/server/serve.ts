import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { Core } from '../core/index.ts';
import type { HttpFace } from '../faces/face.ts';
import { createAuthdServer } from '../faces/vmserverd/authd-server.ts';
import { openStore } from '../store/open-store.ts';
import { datastoreFiles, writeFileAtomic } from '../datastore/index.ts';
import type { ServeConfig } from './config.ts';
import { ensureDemoInventory } from './demo.ts';
import { createDrivers } from './drivers.ts';
import { ensureAdministrator } from './first-start.ts';
import { buildHttpApp } from './http-app.ts';
import { loadOrCreateTls } from './tls.ts';
import { VERSION } from './version.ts';
import { HTTP_FACES } from './faces.ts';

export interface RunningServer {
  readonly core: Core;
  readonly config: ServeConfig;
  readonly ports: { readonly https: number; readonly http: number | null; readonly authd: number | null };
  readonly urls: { readonly https: string; readonly http: string | null };
  readonly tlsFingerprint: string;
  /** The HTTP faces this server serves, for the banner. */
  readonly faces: readonly { readonly name: string; readonly paths: readonly string[] }[];
  readonly cert: string;
  /** Set on the start that created the administrator: shown once. */
  readonly adminPassword: string | null;
  readonly demoPassword: string | null;
  /** Stop accepting, let tasks finish (up to drainMs), close the database. */
  close(drainMs?: number): Promise<void>;
}

export interface StartOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Extra HTTP faces (tests); the built-in ones always load. */
  readonly faces?: readonly HttpFace[];
  /** Log to stderr too (warn and above); the CLI sets it. */
  readonly logToStderr?: boolean;
}

/** `vmgate serve`: store, drivers, core, first start, demo, then the listeners. */
export async function startServer(config: ServeConfig, opts: StartOptions = {}): Promise<RunningServer> {
  const env = opts.env ?? process.env;
  const startedAt = Date.now();
  await mkdir(join(config.dataDir, 'logs'), { recursive: true });
  const streams: pino.StreamEntry[] = [{ level: config.logLevel === 'silent' ? 'fatal' : config.logLevel, stream: pino.destination({ dest: join(config.dataDir, 'logs', 'vmgate.log'), mkdir: true, sync: false }) }];
  if (opts.logToStderr) streams.push({ level: 'warn', stream: process.stderr });
  const log = pino({ level: config.logLevel === 'silent' ? 'silent' : config.logLevel, base: { pid: process.pid }, redact: ['req.headers.authorization', 'req.headers["vmware-api-session-id"]', 'req.headers.cookie'] }, pino.multistream(streams));

  const store = await openStore({ kind: 'sqlite', path: join(config.dataDir, 'vmgate.db') });
  let core: Core | null = null;
  const closers: (() => Promise<void>)[] = [];
  try {
    const hosts = await store.hosts.list();
    const drivers = await createDrivers(config, log, hosts.some((h) => h.driver === 'qemu'));
    core = new Core({
      store,
      files: datastoreFiles,
      drivers,
      log,
      config: {
        datastoreRoot: join(config.dataDir, 'datastores'),
        defaultDriver: config.driver,
        maxFailedLogins: config.maxFailedLogins,
        lockoutSeconds: config.lockoutSeconds,
        sessionIdleSeconds: config.sessionIdleSeconds,
        maxSessionsPerUser: config.maxSessionsPerUser,
        loginDelayAfterFailures: config.loginDelayAfterFailures,
        loginDelayMs: config.loginDelayMs,
        loginDelayMaxMs: config.loginDelayMaxMs,
        loginQueuePerSource: config.loginQueuePerSource,
      },
    });
    const report = await core.start();
    log.info({ report }, 'core started');
    const first = await ensureAdministrator(core, config.dataDir, env);
    const demo = config.demo ? await ensureDemoInventory(core, { hosts: config.demoHosts, vmsPerHost: config.demoVms, driver: 'sim' }, env) : { created: false, demoPassword: null };

    const tls = await loadOrCreateTls(config.dataDir);
    const faces = [...HTTP_FACES, ...(opts.faces ?? [])];
    const appOpts = { core, log, faces, bodyLimit: config.bodyLimitBytes, startedAt, driver: config.driver };
    const httpsApp = await buildHttpApp({ ...appOpts, https: { key: tls.key, cert: tls.cert } });
    await httpsApp.listen({ port: config.httpsPort, host: config.host });
    closers.push(() => httpsApp.close());
    let httpApp: FastifyInstance | null = null;
    if (config.httpPort !== null) {
      httpApp = await buildHttpApp(appOpts);
      await httpApp.listen({ port: config.httpPort, host: '127.0.0.1' });
      closers.push(() => httpApp!.close());
    }
    let authdPort: number | null = null;
    if (config.authdPort !== null) {
      const authd = createAuthdServer({ core, log, tls });
      await new Promise<void>((res, rej) => {
        authd.once('error', rej);
        authd.listen(config.authdPort!, config.host, () => res());
      });
      authdPort = (authd.address() as AddressInfo).port;
      closers.push(() => new Promise<void>((r) => authd.close(() => r())));
    }
    const ports = { https: (httpsApp.server.address() as AddressInfo).port, http: httpApp ? (httpApp.server.address() as AddressInfo).port : null, authd: authdPort };
    const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
    const urls = { https: `https://${shownHost}:${ports.https}`, http: ports.http ? `http://127.0.0.1:${ports.http}` : null };
    await writeFileAtomic(join(config.dataDir, 'vmgate.run.json'), JSON.stringify({ pid: process.pid, version: VERSION, ports, urls, startedAt: new Date(startedAt).toISOString() }, null, 2) + '\n');
    log.info({ ports, version: VERSION }, 'vmgate listening');

    const theCore = core;
    let closing: Promise<void> | null = null;
    return {
      core,
      config,
      ports,
      urls,
      tlsFingerprint: tls.fingerprint,
      faces: faces.map((f) => ({ name: f.name, paths: f.paths })),
      cert: tls.cert,
      adminPassword: first.adminPassword,
      demoPassword: demo.demoPassword,
      close(drainMs = 10_000) {
        closing ??= (async () => {
          // Listeners first (no new work), then tasks, then the database.
          await Promise.all(closers.map((c) => c().catch(() => undefined)));
          await theCore.close(drainMs);
          await store.close();
          log.info('vmgate stopped');
          log.flush?.();
        })();
        return closing;
      },
    };
  } catch (e) {
    for (const c of closers) await c().catch(() => undefined);
    if (core) await core.close(0).catch(() => undefined);
    await store.close().catch(() => undefined);
    throw e;
  }
}

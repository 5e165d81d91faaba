import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server as TlsServer } from 'node:tls';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { Core } from '../core/index.ts';
import type { Clock } from '../core/clock.ts';
import type { FaceParts, HttpMount } from '../faces/face.ts';
import { invalidArgument } from '../core/errors.ts';
import { openStore } from '../store/open-store.ts';
import { datastoreFiles, writeFileAtomic } from '../datastore/index.ts';
import type { ServeConfig } from './config.ts';
import { prepareDataDir, PRIVATE_FILE_MODE } from './data-dir.ts';
import { demoBootIso, ensureDemoInventory } from './demo.ts';
import { LOG_SERIALIZERS } from './log-redaction.ts';
import { createDrivers } from './drivers.ts';
import { ensureAdministrator, ensureLocalInventory, type LocalInventory } from './first-start.ts';
import { buildHttpApp } from './http-app.ts';
import { loadOrCreateTls, serverCertificate, TLS_PROFILE } from './tls.ts';
import { VERSION } from './version.ts';
import { FACES, type FaceEntry } from './faces.ts';

export interface RunningServer {
  readonly core: Core;
  readonly config: ServeConfig;
  readonly ports: { readonly https: number; readonly http: number | null; readonly authd: number | null };
  readonly urls: { readonly https: string; readonly http: string | null };
  /** The certificate's SHA-256 fingerprint (follows a certificate replaced while running). */
  readonly tlsFingerprint: string;
  /** The faces this server serves, for the banner. */
  readonly faces: readonly ServedFace[];
  readonly cert: string;
  /** Set on the start that created the administrator: shown once. */
  readonly adminPassword: string | null;
  readonly demoPassword: string | null;
  /** Set on the first start with `--driver qemu`: the datacenter, host and datastore it made. */
  readonly localInventory: LocalInventory | null;
  /** QEMU's accelerator (kvm or tcg) and why; null when QEMU is not enabled. */
  readonly accelerator: { readonly name: string; readonly reason: string } | null;
  /** Stop accepting, let tasks finish (up to drainMs), close the database. */
  close(drainMs?: number): Promise<void>;
}

/** A running face as the banner shows it. */
export interface ServedFace {
  /** Its `--faces` name. */
  readonly name: string;
  readonly title: string;
  /** Its HTTP prefixes, each with its note (`/api (JSON-RPC, REST)`); on the HTTPS listener and the loopback one. */
  readonly paths: readonly string[];
  /** The port its TCP part listens on, or null. */
  readonly port: number | null;
  readonly tcpNote: string | null;
}

export interface StartOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Extra faces after the built-in ones (tests); `--faces` picks from both. */
  readonly faces?: readonly FaceEntry[];
  /** Log to stderr too (warn and above); the CLI sets it. */
  readonly logToStderr?: boolean;
  /** Core's clock (tests pass a manual one); the system clock by default. */
  readonly clock?: Clock;
}

/** `vmgate serve`: store, drivers, core, first start, demo, then the listeners. */
export async function startServer(config: ServeConfig, opts: StartOptions = {}): Promise<RunningServer> {
  const env = opts.env ?? process.env;
  const startedAt = Date.now();
  const dataDir = await prepareDataDir(config.dataDir);
  const streams: pino.StreamEntry[] = [{ level: config.logLevel === 'silent' ? 'fatal' : config.logLevel, stream: pino.destination({ dest: dataDir.logFile, mkdir: true, sync: false, mode: PRIVATE_FILE_MODE }) }];
  if (opts.logToStderr) streams.push({ level: 'warn', stream: process.stderr });
  const log = pino({ level: config.logLevel === 'silent' ? 'silent' : config.logLevel, base: { pid: process.pid }, redact: ['req.headers.authorization', 'req.headers["vmware-api-session-id"]', 'req.headers.cookie'], serializers: LOG_SERIALIZERS }, pino.multistream(streams));
  for (const w of dataDir.warnings) log.warn(w);

  const store = await openStore({ kind: 'sqlite', path: join(config.dataDir, 'vmgate.db') });
  let core: Core | null = null;
  const closers: Closer[] = [];
  const stoppers: (() => Promise<void>)[] = [];
  try {
    const hosts = await store.hosts.list();
    const drivers = await createDrivers(config, log, hosts.some((h) => h.driver === 'qemu'));
    core = new Core({
      store,
      files: datastoreFiles,
      drivers,
      log,
      ...(opts.clock ? { clock: opts.clock } : {}),
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
    const demo = config.demo ? await ensureDemoInventory(core, { hosts: config.demoHosts, vmsPerHost: config.demoVms, driver: config.driver, bootIso: config.driver === 'qemu' ? demoBootIso(env) : null }, env) : { created: false, demoPassword: null };
    const localInventory = !config.demo && config.driver === 'qemu' ? await ensureLocalInventory(core) : null;
    if (localInventory) log.info({ localInventory }, 'first start: local inventory created');

    const tls = await loadOrCreateTls(config.dataDir);
    const certificate = serverCertificate(config.dataDir, tls);
    // Local login tickets (authd's LOCAL, docs/faces/vmserverd.md) go to a directory of this
    // run outside the data directory (which is 0700: another OS account could not reach
    // them): a fresh random name (no one can have prepared it), 0711, removed at stop.
    const localTicketDir = await mkdtemp(join(tmpdir(), 'vmgate-tickets-'));
    await chmod(localTicketDir, 0o711);
    stoppers.push(() => rm(localTicketDir, { recursive: true, force: true }));
    const entries = selectFaces([...FACES, ...(opts.faces ?? [])], config.faces);
    // Each face is started once, with core's services only (no ctx, no store, no drivers).
    const started: { entry: FaceEntry; parts: FaceParts }[] = [];
    for (const entry of entries) {
      const parts = await entry.face.start({ core, log, version: VERSION, tls: { key: tls.key, cert: tls.cert, ...TLS_PROFILE }, certificate, publicUrl: config.publicUrl, settings: { rdvCallbacks: config.rdvCallbacks ?? [], rdvCallbackAllow: config.rdvCallbackAllow ?? [], viewDomains: config.viewDomains, viewDisclaimer: config.viewDisclaimer, localTicketDir } });
      started.push({ entry, parts });
      if (parts.stop) stoppers.unshift(parts.stop);
    }
    const mounts = checkedMounts(started);
    // Decided once, now, so that the banner and /healthz say which accelerator guests get and why.
    const accelerator = drivers.has('qemu') ? await core.inventory.accelerator('qemu') : null;
    const appOpts = { core, log, mounts, bodyLimit: config.bodyLimitBytes, startedAt, driver: config.driver, accelerator };
    const httpsApp = await buildHttpApp({ ...appOpts, https: { key: tls.key, cert: tls.cert } });
    await httpsApp.listen({ port: config.httpsPort, host: config.host });
    // A certificate replaced while running (Security_ActivateConfig) serves new HTTPS connections too.
    certificate.onChange((t) => (httpsApp.server as unknown as TlsServer).setSecureContext({ key: t.key, cert: t.cert, ...TLS_PROFILE }));
    closers.push(httpCloser(httpsApp));
    let httpApp: FastifyInstance | null = null;
    if (config.httpPort !== null) {
      httpApp = await buildHttpApp(appOpts);
      await httpApp.listen({ port: config.httpPort, host: '127.0.0.1' });
      closers.push(httpCloser(httpApp));
    }
    const served: ServedFace[] = [];
    for (const { entry, parts } of started) {
      const wanted = parts.tcp && entry.tcpPort ? entry.tcpPort(config) : null;
      let port: number | null = null;
      if (parts.tcp && wanted !== null) {
        const listener = await listenTcp(parts.tcp.handleConnection, wanted, config.host, entry.face.name, log);
        port = listener.port;
        closers.push(listener.close);
      }
      served.push({ name: entry.face.name, title: entry.face.title, paths: (parts.http ?? []).map((m) => (m.note ? `${m.prefix} ${m.note}` : m.prefix)), port, tcpNote: parts.tcp?.note ?? null });
    }
    const ports = { https: (httpsApp.server.address() as AddressInfo).port, http: httpApp ? (httpApp.server.address() as AddressInfo).port : null, authd: served.find((f) => f.name === 'authd')?.port ?? null };
    const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
    const urls = { https: `https://${shownHost}:${ports.https}`, http: ports.http ? `http://127.0.0.1:${ports.http}` : null };
    await writeFileAtomic(join(config.dataDir, 'vmgate.run.json'), JSON.stringify({ pid: process.pid, version: VERSION, ports, urls, startedAt: new Date(startedAt).toISOString() }, null, 2) + '\n');
    log.info({ ports, faces: served.map((f) => f.name), version: VERSION }, 'vmgate listening');

    const theCore = core;
    let closing: Promise<void> | null = null;
    return {
      core,
      config,
      ports,
      urls,
      get tlsFingerprint() {
        return certificate.fingerprint;
      },
      faces: served,
      get cert() {
        return certificate.current().cert;
      },
      adminPassword: first.adminPassword,
      demoPassword: demo.demoPassword,
      localInventory,
      accelerator,
      close(drainMs = 10_000) {
        closing ??= (async () => {
          // Listeners stop accepting, the faces drain (in-flight requests finish, idle
          // connections end), then tasks, then the database.
          await stopListeners(closers, stoppers, drainMs, log);
          await theCore.close(drainMs);
          await store.close();
          log.info('vmgate stopped');
          log.flush?.();
        })();
        return closing;
      },
    };
  } catch (e) {
    await stopListeners(closers, stoppers, 0, log);
    if (core) await core.close(0).catch(() => undefined);
    await store.close().catch(() => undefined);
    throw e;
  }
}

/** A listener's close: stop accepting at once; `drained` settles when its connections have ended (or were cut after `drainMs`). */
type Closer = (drainMs: number) => { drained: Promise<void> };

/** Stops accepting everywhere, lets each face drain, then waits (at most `drainMs`) for the connections. */
async function stopListeners(closers: readonly Closer[], stoppers: readonly (() => Promise<void>)[], drainMs: number, log: pino.Logger): Promise<void> {
  const closing = closers.map((c) => c(drainMs).drained.catch(() => undefined));
  for (const stop of stoppers) await stop().catch((e: unknown) => log.error({ err: e }, 'a face did not stop cleanly'));
  await Promise.all(closing);
}

/** Stops accepting at once; fastify's close then waits for in-flight requests; after `drainMs` the rest are cut. */
function httpCloser(app: FastifyInstance): Closer {
  return (drainMs) => {
    // Synchronously, so that no connection is accepted once close() was called (fastify's own close comes a tick later).
    if (app.server.listening) app.server.close();
    const closed = app.close();
    const timer = setTimeout(() => app.server.closeAllConnections?.(), drainMs);
    return { drained: closed.finally(() => clearTimeout(timer)) };
  };
}

/** A TCP face's listener: the face handles each connection; the server owns accepting and draining. */
async function listenTcp(handle: (socket: Socket) => void, port: number, host: string, face: string, log: pino.Logger): Promise<{ port: number; close: Closer }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    handle(socket);
  });
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(port, host, () => {
      server.off('error', rej);
      res();
    });
  });
  server.on('error', (e) => log.error({ err: e, face }, 'TCP listener error'));
  return {
    port: (server.address() as AddressInfo).port,
    close(drainMs) {
      const drained = new Promise<void>((res) => server.close(() => res()));
      const timer = setTimeout(() => {
        for (const s of sockets) s.destroy();
      }, drainMs);
      return { drained: drained.finally(() => clearTimeout(timer)) };
    },
  };
}

/** The entries `--faces` names (all when it is not given), refusing names no face has. */
function selectFaces(all: readonly FaceEntry[], wanted: readonly string[] | null): FaceEntry[] {
  const names = all.map((e) => e.face.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw invalidArgument(`two faces are named '${twice}'`, { module: 'server' });
  if (wanted === null) return [...all];
  const unknown = wanted.filter((n) => !names.includes(n));
  if (unknown.length) throw invalidArgument(`--faces: no face named ${unknown.map((n) => `'${n}'`).join(', ')} (the faces are ${names.join(', ')})`, { module: 'server' });
  return all.filter((e) => wanted.includes(e.face.name));
}

/** Every face's HTTP mounts, each prefix owned by one face (and /healthz by the server). */
function checkedMounts(started: readonly { entry: FaceEntry; parts: FaceParts }[]): HttpMount[] {
  const owner = new Map<string, string>([['/healthz', 'the server']]);
  const mounts: HttpMount[] = [];
  for (const { entry, parts } of started) {
    for (const m of parts.http ?? []) {
      if (!/^\/[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/.test(m.prefix)) throw invalidArgument(`face ${entry.face.name}: '${m.prefix}' is not a path prefix ('/name', no trailing '/')`, { module: 'server' });
      const taken = owner.get(m.prefix);
      if (taken) throw invalidArgument(`face ${entry.face.name}: ${m.prefix} is already served by ${taken}`, { module: 'server' });
      owner.set(m.prefix, `face ${entry.face.name}`);
      if (m.root === true) {
        const rootTaken = mounts.find((o) => o.root === true);
        if (rootTaken) throw invalidArgument(`face ${entry.face.name}: / already redirects to ${rootTaken.prefix}`, { module: 'server' });
      }
      mounts.push(m);
    }
  }
  return mounts;
}

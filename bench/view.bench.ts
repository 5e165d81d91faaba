/**
 * View broker under a crowd: BENCH_VIEW_USERS (default 500) simulated desktop users at
 * once, each as a real client: start-up (set-locale + get-configuration), login batch
 * (do-submit-authentication + get-tunnel-connection + get-launch-items), then
 * get-desktop-connection on a floating pool of as many powered-off sim desktops (so each
 * launch powers one on). Figure: time to first desktop connection per user, p50/p99.
 * Baseline, same run: as many concurrent bare HTTPS round trips (`GET /healthz`, a new
 * TLS connection each, as each user's first request is). vmgate runs as its own process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SYSTEM_CALLER } from '../src/core/index.ts';
import { resolveServeConfig } from '../src/server/config.ts';
import { startServer } from '../src/server/serve.ts';
import { percentile } from './lib.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const USERS = Number(process.env.BENCH_VIEW_USERS ?? 500);

async function prepare(dir: string): Promise<void> {
  const s = await startServer(resolveServeConfig({ dataDir: dir, httpsPort: 0, authdPort: 0, host: '127.0.0.1', simSpeed: 1000, demo: true, demoHosts: 1, demoVms: 1, logLevel: 'warn' }, {}), { env: { VMGATE_ADMIN_PASSWORD: 'bench-admin-password', VMGATE_DEMO_PASSWORD: 'bench-demo-password' } });
  try {
    const core = s.core;
    const c = SYSTEM_CALLER;
    const dc = (await core.ctx.store.datacenters.getByName('DC0'))!;
    const ds = (await core.ctx.store.datastores.getByName('LocalDS_0'))!;
    const host = await core.inventory.createHost(c, { name: 'bench-host', datacenterId: dc.id, clusterId: null, driver: 'sim', cpuCount: USERS * 2, memoryMiB: USERS * 1024, datastoreIds: [ds.id] });
    const vmIds: string[] = [];
    for (let i = 0; i < USERS; i++) vmIds.push((await core.vms.create(c, { name: `bench-desktop-${i}`, guestOs: 'windows9-64', cpuCount: 1, memoryMiB: 512, disks: [{ capacityMiB: 256 }], placement: { hostId: host.id } })).id);
    const names: string[] = [];
    for (let i = 0; i < USERS; i++) {
      names.push(`bench-user-${i}`);
      await core.identity.createUser(c, { name: `bench-user-${i}`, password: `bench-password-${i}` });
    }
    const group = await core.identity.createGroup(c, { name: 'bench-users', members: names });
    await core.identity.setPermission(c, { principal: `group:${group.id}`, entityId: 'root', roleId: 'desktop-user', propagate: true });
    const pool = await core.vdi.createPool(c, { name: 'bench-pool', type: 'floating', vmIds });
    await core.vdi.entitle(c, pool.id, 'group:bench-users');
  } finally {
    await s.close(5000);
  }
}

function post(agent: HttpsAgent, port: number, body: string, jar: Map<string, string>): Promise<string> {
  return new Promise((res, rej) => {
    const headers: Record<string, string> = { 'content-type': 'text/xml' };
    if (jar.size) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const r = httpsRequest({ host: '127.0.0.1', port, method: 'POST', path: '/broker/xml', agent, headers }, (resp) => {
      for (const c of resp.headers['set-cookie'] ?? []) {
        const [pair] = c.split(';');
        const i = pair!.indexOf('=');
        jar.set(pair!.slice(0, i), pair!.slice(i + 1));
      }
      let s = '';
      resp.on('data', (d: Buffer) => (s += d.toString()));
      resp.on('end', () => res(s));
    });
    r.on('error', rej);
    r.end(body);
  });
}

async function oneUser(port: number, i: number): Promise<{ ms: number; consolePort: string }> {
  const agent = new HttpsAgent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false });
  const jar = new Map<string, string>();
  const t0 = performance.now();
  try {
    const b = (ops: string) => `<?xml version="1.0"?><broker version="15.0">${ops}</broker>`;
    await post(agent, port, b('<set-locale><locale>en_US</locale></set-locale><get-configuration/>'), jar);
    const param = (n: string, v: string) => `<param><name>${n}</name><values><value>${v}</value></values></param>`;
    const login = await post(agent, port, b(`<do-submit-authentication><screen><name>windows-password</name><params>${param('username', `bench-user-${i}`)}${param('password', `bench-password-${i}`)}${param('domain', 'VMGATE')}</params></screen></do-submit-authentication><get-tunnel-connection/><get-launch-items/>`), jar);
    const pool = /<desktop><id>([^<]+)<\/id>/.exec(login)?.[1];
    if (!pool) throw new Error(`user ${i}: login or listing failed: ${login.slice(0, 300)}`);
    const conn = await post(agent, port, b(`<get-desktop-connection><desktop-id>${pool}</desktop-id><protocol><name>VNC</name></protocol></get-desktop-connection>`), jar);
    if (!conn.includes('<result>ok</result>')) throw new Error(`user ${i}: connection failed: ${conn.slice(0, 300)}`);
    return { ms: performance.now() - t0, consolePort: /<port>(\d+)<\/port>/.exec(conn)?.[1] ?? '' };
  } finally {
    agent.destroy();
  }
}

async function bareRoundTrip(port: number): Promise<number> {
  const agent = new HttpsAgent({ keepAlive: false, rejectUnauthorized: false });
  const t0 = performance.now();
  await new Promise<void>((res, rej) => {
    const r = httpsRequest({ host: '127.0.0.1', port, path: '/healthz', agent }, (resp) => {
      resp.resume();
      resp.on('end', () => res());
    });
    r.on('error', rej);
    r.end();
  });
  agent.destroy();
  return performance.now() - t0;
}

function waitForBanner(child: ChildProcess): Promise<void> {
  let out = '';
  return new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`vmgate did not start: ${out}`)), 600_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Ctrl-C stops vmgate')) {
        clearTimeout(timer);
        res();
      }
    });
    child.on('exit', (c) => rej(new Error(`exited ${c}: ${out}`)));
  });
}

export async function benchView(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'vmgate-bench-view-'));
  let server: ChildProcess | undefined;
  try {
    const t0 = Date.now();
    await prepare(dir);
    console.log(`\n(${USERS} desktop users, a floating pool of ${USERS} powered-off sim desktops, prepared in ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    server = spawn(process.execPath, [join(ROOT, 'bin/vmgate.mjs'), 'serve', '--data-dir', dir, '--https-port', '0', '--authd-port', '0', '--host', '127.0.0.1', '--sim-speed', '1000', '--log-level', 'warn'], { env: { ...process.env }, stdio: ['ignore', 'pipe', 'inherit'] });
    await waitForBanner(server);
    const run = JSON.parse(await readFile(join(dir, 'vmgate.run.json'), 'utf8')) as { ports: { https: number } };
    const port = run.ports.https;

    const bareStart = performance.now();
    const bare = await Promise.all(Array.from({ length: USERS }, () => bareRoundTrip(port)));
    const bareWall = (performance.now() - bareStart) / 1000;
    const crowdStart = performance.now();
    const users = await Promise.all(Array.from({ length: USERS }, (_, i) => oneUser(port, i)));
    const firsts = users.map((u) => u.ms);
    const distinct = new Set(users.map((u) => u.consolePort)).size;
    if (distinct !== USERS) throw new Error(`${USERS} users got only ${distinct} distinct desktops`);
    const crowdWall = (performance.now() - crowdStart) / 1000;

    console.log(`\n## View broker: ${USERS} users at once, login + get-launch-items + get-desktop-connection (each powers a sim desktop on)`);
    console.log(`  time to first desktop connection   p50 ${percentile(firsts, 50).toFixed(0)} ms  p99 ${percentile(firsts, 99).toFixed(0)} ms  (all ${USERS} in ${crowdWall.toFixed(1)} s, ${distinct} distinct desktops)`);
    console.log(`  baseline: bare HTTPS round trip    p50 ${percentile(bare, 50).toFixed(0)} ms  p99 ${percentile(bare, 99).toFixed(0)} ms  (${USERS} at once, new TLS connection each, in ${bareWall.toFixed(1)} s)`);
  } finally {
    if (server) {
      const exited = server.exitCode !== null ? Promise.resolve() : new Promise((r) => server!.once('exit', r));
      server.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
    }
    await rm(dir, { recursive: true, force: true, maxRetries: 5 });
  }
}

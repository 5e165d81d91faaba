/**
 * vSphere Automation face throughput and latency: JSON-RPC VM.get and REST GET
 * /api/vcenter/vm over 1,000 VMs, each beside a bare node:http server answering a fixed
 * body of the same size (the ceiling), all in the same run. vmgate runs as its own
 * process (plain HTTP on loopback via --http-port, so TLS cost is not in the ratio; an
 * HTTPS line is printed too).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import { load } from './http-load.ts';
import { report, type Measure } from './lib.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 3000);
const CONCURRENCY = 16;

async function waitForLine(child: ChildProcess, re: RegExp, ms: number): Promise<string> {
  let out = '';
  return new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`timed out waiting for ${re}: ${out}`)), ms);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = re.exec(out);
      if (m) {
        clearTimeout(timer);
        res(m[1] ?? m[0]);
      }
    });
    child.on('exit', (c) => rej(new Error(`exited ${c}: ${out}`)));
  });
}

export async function benchVapi(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'vmgate-bench-vapi-'));
  const password = 'bench-admin-password';
  const server = spawn(process.execPath, [join(ROOT, 'bin/vmgate.mjs'), 'serve', '--data-dir', dir, '--https-port', '0', '--http-port', '0', '--authd-port', '0', '--host', '127.0.0.1', '--demo', '--demo-hosts', '10', '--demo-vms', '100', '--sim-speed', '1000', '--log-level', 'warn'], { env: { ...process.env, VMGATE_ADMIN_PASSWORD: password }, stdio: ['ignore', 'pipe', 'inherit'] });
  const ceiling = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/fixed-body-server.ts'), '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const t0 = Date.now();
    await waitForLine(server, /(Ctrl-C stops vmgate)/, 600_000);
    console.log(`\n(vmgate with ${'>'}1,000 demo VMs up in ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    const run = JSON.parse(await readFile(join(dir, 'vmgate.run.json'), 'utf8')) as { ports: { http: number; https: number } };
    const port = run.ports.http;
    const token = await new Promise<string>((res, rej) => {
      const r = httpsRequest({ host: '127.0.0.1', port: run.ports.https, method: 'POST', path: '/api/session', rejectUnauthorized: false, headers: { authorization: 'Basic ' + Buffer.from(`administrator:${password}`).toString('base64') } }, (resp) => {
        let s = '';
        resp.on('data', (d) => (s += d));
        resp.on('end', () => res(JSON.parse(s) as string));
      });
      r.on('error', rej);
      r.end();
    });
    const h = { 'vmware-api-session-id': token };

    // REST list of 1,000 VMs.
    const list = await load({ label: `REST GET /api/vcenter/vm (1,000 VMs), ${CONCURRENCY} conc.`, port, method: 'GET', path: '/api/vcenter/vm?power_states=POWERED_ON&power_states=POWERED_OFF&power_states=SUSPENDED', headers: h, requests: Math.round(REQUESTS / 10), concurrency: CONCURRENCY, check: (s, b) => s === 200 && (JSON.parse(b) as unknown[]).length >= 1000 });
    const listBody = await sample(port, '/api/vcenter/vm', h);
    const ceilingPort1 = await restartCeiling(ceiling, listBody.length);
    const listCeiling = await load({ label: `bare node:http, fixed ${listBody.length}-byte body`, port: ceilingPort1.port, method: 'GET', path: '/', requests: Math.round(REQUESTS / 10), concurrency: CONCURRENCY });
    ceilingPort1.child.kill();

    // JSON-RPC VM.get.
    const rpcBody = (vm: string) => JSON.stringify({ jsonrpc: '2.0', method: 'invoke', id: '1', params: { serviceId: 'com.vmware.vcenter.VM', operationId: 'get', input: { STRUCTURE: { 'operation-input': { vm } } }, ctx: { appCtx: {}, securityCtx: { schemeId: 'com.vmware.vapi.std.security.session_id', sessionId: token } } } });
    const get = await load({ label: `JSON-RPC VM.get, ${CONCURRENCY} conc.`, port, method: 'POST', path: '/api', body: rpcBody('vm-500'), requests: REQUESTS, concurrency: CONCURRENCY, check: (s, b) => s === 200 && b.includes('"output"') });
    const getSample = await sample(port, '/api', {}, rpcBody('vm-500'));
    const ceilingPort2 = await restartCeiling(ceiling, getSample.length);
    const getCeiling = await load({ label: `bare node:http, fixed ${getSample.length}-byte body`, port: ceilingPort2.port, method: 'POST', path: '/', body: rpcBody('vm-500'), requests: REQUESTS, concurrency: CONCURRENCY });
    ceilingPort2.child.kill();

    // REST power get over HTTPS, for the TLS cost.
    const httpsGet = await httpsLoad(run.ports.https, '/api/vcenter/vm/vm-500/power', h, REQUESTS);
    const httpGet = await load({ label: 'REST GET …/vm/vm-500/power over HTTP', port, method: 'GET', path: '/api/vcenter/vm/vm-500/power', headers: h, requests: REQUESTS, concurrency: CONCURRENCY, check: (s) => s === 200 });

    report('vAPI REST: list 1,000 VMs', list, listCeiling, 'vmgate / the fixed-body ceiling');
    report('vAPI JSON-RPC: VM.get', get, getCeiling, 'vmgate / the fixed-body ceiling');
    report('vAPI REST power get: HTTPS vs plain HTTP', httpsGet, httpGet, 'TLS cost');
  } finally {
    // Let vmgate finish its shutdown (it saves guest disks) before the directory goes.
    const exited = server.exitCode !== null ? Promise.resolve() : new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    ceiling.kill();
    await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
    await rm(dir, { recursive: true, force: true, maxRetries: 5 });
  }
}

async function restartCeiling(first: ChildProcess, size: number): Promise<{ child: ChildProcess; port: number }> {
  first.kill();
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/fixed-body-server.ts'), String(size)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = Number(await waitForLine(child, /^(\d+)\n/m, 30_000));
  return { child, port };
}

async function sample(port: number, path: string, headers: Record<string, string>, body?: string): Promise<string> {
  let text = '';
  await load({ label: 'sample', port, method: body ? 'POST' : 'GET', path, headers, ...(body ? { body } : {}), requests: 1, concurrency: 1, check: (_s, b) => ((text = b), true) });
  return text;
}

async function httpsLoad(port: number, path: string, headers: Record<string, string>, n: number): Promise<Measure> {
  const agent = new HttpsAgent({ keepAlive: true, maxSockets: CONCURRENCY, rejectUnauthorized: false });
  const lat: number[] = [];
  let next = 0;
  const one = () =>
    new Promise<void>((res, rej) => {
      const t = performance.now();
      const r = httpsRequest({ host: '127.0.0.1', port, path, headers, agent }, (resp) => {
        resp.resume();
        resp.on('end', () => {
          lat.push(performance.now() - t);
          res();
        });
      });
      r.on('error', rej);
      r.end();
    });
  for (let i = 0; i < 20; i++) await one();
  lat.length = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next++ < n) await one();
  }));
  agent.destroy();
  return { label: 'REST GET …/vm/vm-500/power over HTTPS', ops: n, seconds: Number(process.hrtime.bigint() - t0) / 1e9, latenciesMs: lat };
}

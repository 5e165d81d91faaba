/**
 * RDV face: GetVM calls per second and StartVM → final JobUpdated latency on the sim
 * driver, over loopback HTTP, beside a bare node:http server answering a fixed body of the
 * same size (the ceiling for GetVM, and the bare POST round trip for the latency), all in
 * the same run. vmgate runs in this process (its callbacks come back to a listener here).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SYSTEM_CALLER } from '../src/core/index.ts';
import { resolveServeConfig } from '../src/server/config.ts';
import { startServer } from '../src/server/serve.ts';
import { load } from './http-load.ts';
import { report, type Measure } from './lib.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const REQUESTS = Number(process.env.BENCH_RDV_REQUESTS ?? 400);
const STARTS = Number(process.env.BENCH_RDV_STARTS ?? 20);
const CONCURRENCY = 8;
const NS = 'http://Microsoft.Virtualization.RDV';

export async function benchRdv(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'vmgate-bench-rdv-'));
  const password = 'bench-admin-password';
  // The JobUpdated receiver: resolves the waiter of each job's final update.
  const finals = new Map<string, () => void>();
  const receiver = createServer((req, res) => {
    let s = '';
    req.on('data', (d: Buffer) => (s += d.toString('utf8')));
    req.on('end', () => {
      res.writeHead(200).end();
      const id = /<a:ID>([^<]+)</.exec(s)?.[1];
      if (id && /<a:Status>(COMPLETED|FAILED)</.test(s)) finals.get(id)?.();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const callback = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`;
  const config = resolveServeConfig({ dataDir: dir, httpsPort: 0, httpPort: 0, authdPort: 0, host: '127.0.0.1', simSpeed: 1000, demo: true, demoHosts: 2, demoVms: 3, logLevel: 'warn', rdvCallbacks: [callback] }, {});
  const server = await startServer(config, { env: { VMGATE_ADMIN_PASSWORD: password, VMGATE_DEMO_PASSWORD: 'demo-password-1' } });
  let ceiling: ChildProcess | null = null;
  try {
    const port = server.ports.http!;
    const headers = { 'content-type': 'text/xml; charset=utf-8', authorization: 'Basic ' + Buffer.from(`administrator:${password}`).toString('base64') };
    const env = (op: string, name: string) => `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><${op} xmlns="${NS}"><name>${name}</name><type>VM_NAME</type></${op}></s:Body></s:Envelope>`;
    let sample = '';
    await load({ label: 'sample', port, method: 'POST', path: '/RDV', headers, body: env('GetVM', 'DC0_C0_H0_VM0'), requests: 1, concurrency: 1, check: (_s, b) => ((sample = b), true) });
    const get = await load({ label: `GetVM (HTTP Basic each call), ${CONCURRENCY} conc.`, port, method: 'POST', path: '/RDV', headers, body: env('GetVM', 'DC0_C0_H0_VM0'), requests: REQUESTS, concurrency: CONCURRENCY, check: (s, b) => s === 200 && b.includes('ERROR_VM_SUCCESS') });
    ceiling = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/fixed-body-server.ts'), String(sample.length)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const cport = await new Promise<number>((res) => ceiling!.stdout!.once('data', (d: Buffer) => res(Number(String(d).trim()))));
    const bare = await load({ label: `bare node:http POST, fixed ${sample.length}-byte body`, port: cport, method: 'POST', path: '/', headers, body: env('GetVM', 'DC0_C0_H0_VM0'), requests: REQUESTS, concurrency: CONCURRENCY });

    // StartVM → final JobUpdated, one at a time, the VM powered off again between runs.
    const core = server.core;
    const vm = (await core.vms.find('DC0_C0_H0_VM1'))!;
    const lat: number[] = [];
    for (let i = 0; i < STARTS; i++) {
      const cur = (await core.vms.find(vm.id))!;
      if (cur.powerState !== 'poweredOff') await core.power.runAndWait(SYSTEM_CALLER, vm.id, 'powerOff');
      const t = performance.now();
      let jobId = '';
      const reply = await post(port, '/RDV', headers, env('StartVM', vm.name));
      jobId = /<StartVMResult>([^<]+)</.exec(reply)?.[1] ?? '';
      if (!jobId) throw new Error(`StartVM: ${reply.slice(0, 300)}`);
      await new Promise<void>((r) => {
        finals.set(jobId, r);
      });
      lat.push(performance.now() - t);
      finals.delete(jobId);
    }
    const startM: Measure = { label: `StartVM → final JobUpdated (sim ×1000), ${STARTS} runs`, ops: STARTS, seconds: lat.reduce((a, b) => a + b, 0) / 1000, latenciesMs: lat };
    const bareLat: number[] = [];
    for (let i = 0; i < STARTS; i++) {
      const t = performance.now();
      await post(cport, '/', headers, env('StartVM', vm.name));
      bareLat.push(performance.now() - t);
    }
    const bareM: Measure = { label: 'bare node:http POST round trip (new connection)', ops: STARTS, seconds: bareLat.reduce((a, b) => a + b, 0) / 1000, latenciesMs: bareLat };

    report('RDV GetVM', get, bare, 'vmgate / the fixed-body ceiling (each call checks the password: scrypt)');
    report('RDV StartVM to final JobUpdated', startM, bareM, 'one job at a time; the rate is 1 / mean latency');
  } finally {
    ceiling?.kill();
    await server.close(5000);
    await new Promise<void>((r) => receiver.close(() => r()));
    await rm(dir, { recursive: true, force: true, maxRetries: 5 });
  }
}

/** One POST on a new connection; resolves with the reply body. */
function post(port: number, path: string, headers: Record<string, string>, body: string): Promise<string> {
  return new Promise((res, rej) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (r) => {
      let s = '';
      r.on('data', (d: Buffer) => (s += d.toString('utf8')));
      r.on('end', () => res(s));
    });
    req.on('error', rej);
    req.end(body);
  });
}

/** A bounded HTTP load loop over keep-alive connections: N requests, C at a time. */
import { Agent, request } from 'node:http';
import type { Measure } from './lib.ts';

export interface LoadSpec {
  readonly label: string;
  readonly port: number;
  readonly method: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  readonly requests: number;
  readonly concurrency: number;
  /** Checks each reply (status and body); a failure aborts the benchmark. */
  readonly check?: (status: number, body: string) => boolean;
}

export async function load(spec: LoadSpec): Promise<Measure> {
  const agent = new Agent({ keepAlive: true, maxSockets: spec.concurrency });
  const latencies: number[] = [];
  let next = 0;
  const one = () =>
    new Promise<void>((res, rej) => {
      const t = performance.now();
      const req = request({ host: '127.0.0.1', port: spec.port, method: spec.method, path: spec.path, agent, headers: { ...(spec.body ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(spec.body)) } : {}), ...spec.headers } }, (r) => {
        let s = '';
        r.setEncoding('utf8');
        r.on('data', (d: string) => (s += d));
        r.on('end', () => {
          latencies.push(performance.now() - t);
          if (spec.check && !spec.check(r.statusCode ?? 0, s)) rej(new Error(`${spec.label}: unexpected reply ${r.statusCode}: ${s.slice(0, 300)}`));
          else res();
        });
      });
      req.on('error', rej);
      if (spec.body) req.write(spec.body);
      req.end();
    });
  // Warm-up: a few requests outside the measurement.
  for (let i = 0; i < Math.min(50, spec.requests); i++) await one();
  latencies.length = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: spec.concurrency }, async () => {
      while (next++ < spec.requests) await one();
    }),
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  agent.destroy();
  return { label: spec.label, ops: spec.requests, seconds, latenciesMs: latencies };
}

/**
 * Logins under a flood (issue 8, item 3): a legitimate login (`administrator`, REST POST
 * /api/session) from 127.0.0.3, one after another, while 100 concurrent bad logins (unknown
 * users and wrong passwords for `administrator`) run from 127.0.0.2 without pause — against
 * the same login on the idle server, in the same run. Goal: p99 under 300 ms.
 *
 * Two vmgate processes: the default settings, then `--login-delay-ms 0` (no progressive
 * delays: the hash pool's per-source limit and round-robin alone keep the flood back).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { Agent, request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { percentile } from './lib.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const LOGINS = Number(process.env.BENCH_LOGINS ?? 40);
const FLOOD = 100;
const PASSWORD = 'bench-admin-password';

function waitForLine(child: ChildProcess, re: RegExp, ms: number): Promise<void> {
  let out = '';
  return new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`timed out waiting for ${re}: ${out}`)), ms);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (re.test(out)) {
        clearTimeout(timer);
        res();
      }
    });
    child.on('exit', (c) => rej(new Error(`exited ${c}: ${out}`)));
  });
}

function login(port: number, agent: Agent, user: string, password: string): Promise<number> {
  return new Promise((res, rej) => {
    const req = httpsRequest({ host: '127.0.0.1', port, method: 'POST', path: '/api/session', agent, rejectUnauthorized: false, headers: { authorization: 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64') } }, (r) => {
      r.resume();
      r.on('end', () => res(r.statusCode!));
    });
    req.on('error', rej);
    req.end();
  });
}

/** Sequential legitimate logins from 127.0.0.3; latencies in ms. */
async function legit(port: number): Promise<number[]> {
  const agent = new Agent({ keepAlive: true, localAddress: '127.0.0.3', maxSockets: 1 });
  const out: number[] = [];
  try {
    for (let i = 0; i < LOGINS; i++) {
      const t0 = process.hrtime.bigint();
      const status = await login(port, agent, 'administrator', PASSWORD);
      out.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (status !== 201) throw new Error(`legitimate login answered ${status}`);
    }
  } finally {
    agent.destroy();
  }
  return out;
}

/** 100 loops of bad logins from 127.0.0.2 (bench/login-flood-client.ts) until stopped. */
function flood(port: number): { stop(): Promise<{ answered: string }> } {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/login-flood-client.ts'), String(port), String(FLOOD)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  return {
    async stop() {
      child.stdin!.end();
      await new Promise((r) => child.once('exit', r));
      return { answered: out.trim() };
    },
  };
}

async function withServer<T>(extra: string[], fn: (port: number) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'vmgate-bench-login-'));
  const server = spawn(process.execPath, [join(ROOT, 'bin/vmgate.mjs'), 'serve', '--data-dir', dir, '--https-port', '0', '--authd-port', '0', '--host', '127.0.0.1', '--log-level', 'warn', ...extra], {
    env: { ...process.env, VMGATE_ADMIN_PASSWORD: PASSWORD },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await waitForLine(server, /Ctrl-C stops vmgate/, 120_000);
    const run = JSON.parse(await readFile(join(dir, 'vmgate.run.json'), 'utf8')) as { ports: { https: number } };
    return await fn(run.ports.https);
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    await rm(dir, { recursive: true, force: true });
  }
}

function line(label: string, ms: readonly number[]): string {
  return `  ${label.padEnd(58)} p50 ${percentile(ms, 50).toFixed(1).padStart(7)} ms  p90 ${percentile(ms, 90).toFixed(1).padStart(7)} ms  p99 ${percentile(ms, 99).toFixed(1).padStart(7)} ms  max ${Math.max(...ms).toFixed(1).padStart(7)} ms  (${ms.length} logins)`;
}

export async function benchLoginFlood(): Promise<void> {
  for (const [title, extra] of [
    ['defaults (progressive delays on)', []],
    ['--login-delay-ms 0 (hash pool limits only)', ['--login-delay-ms', '0']],
  ] as const) {
    await withServer([...extra], async (port) => {
      await legit(port); // warm-up: JIT, first session, page cache
      const idle = await legit(port);
      const f = flood(port);
      await new Promise((r) => setTimeout(r, 2000)); // let the flood start and fill the queues
      const busy = await legit(port);
      const { answered } = await f.stop();
      const p99 = percentile(busy, 99);
      console.log(`\n## login flood: ${title}`);
      console.log(line(`from 127.0.0.3 while ${FLOOD} bad logins run from 127.0.0.2`, busy));
      console.log(line('baseline: from 127.0.0.3 on the idle server', idle));
      console.log(`  flood: bad logins answered (by status): ${answered}; p99 ratio busy/idle ${(p99 / percentile(idle, 99)).toFixed(2)}; goal p99 < 300 ms: ${p99 < 300 ? 'met' : 'NOT met'}`);
    });
  }
}

/**
 * The flood of bench/login-flood.bench.ts, in its own process so that its load is not in
 * the measuring client's event loop: N loops of bad logins from 127.0.0.2 until stdin
 * closes; prints how many were answered.
 */
import { Agent, request as httpsRequest } from 'node:https';

const port = Number(process.argv[2]);
const loops = Number(process.argv[3] ?? 100);
const agent = new Agent({ keepAlive: true, localAddress: '127.0.0.2', maxSockets: loops });
let running = true;
let answered = 0;
const statuses = new Map<string, number>();

function login(user: string, password: string): Promise<void> {
  return new Promise((res) => {
    const req = httpsRequest({ host: '127.0.0.1', port, method: 'POST', path: '/api/session', agent, rejectUnauthorized: false, headers: { authorization: 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64') } }, (r) => {
      r.resume();
      r.on('end', () => {
        statuses.set(String(r.statusCode), (statuses.get(String(r.statusCode)) ?? 0) + 1);
        res();
      });
    });
    req.on('error', (e: NodeJS.ErrnoException) => {
      statuses.set(e.code ?? 'error', (statuses.get(e.code ?? 'error') ?? 0) + 1);
      res();
    });
    req.end();
  });
}

process.stdin.on('end', () => (running = false));
process.stdin.resume();
await Promise.all(
  Array.from({ length: loops }, async (_, i) => {
    for (let n = 0; running; n++) {
      await login(n % 2 === 0 ? `nobody-${i}-${n}` : 'administrator', `wrong-password-${i}-${n}`);
      answered++;
    }
  }),
);
agent.destroy();
process.stdout.write(`${answered} ${JSON.stringify(Object.fromEntries(statuses))}\n`);

/**
 * The VIX SDK's I/O thread: it holds the vmserverd connections (the existing
 * VmserverdClient) so that the caller's thread may block in VixJob_Wait or spin in the
 * guide's pump loops while the network keeps moving. Every message it posts is followed
 * by a bump of the shared counter and Atomics.notify, which wakes a blocked caller.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { VmserverdClient, VmserverdConnectionError, VmserverdError } from '../vmserverd/index.ts';
import type { FromWorker, ToWorker } from './wire.ts';

const { port, signal } = workerData as { port: MessagePort; signal: SharedArrayBuffer };
const seq = new Int32Array(signal);

function post(m: FromWorker): void {
  port.postMessage(m);
  Atomics.add(seq, 0, 1);
  Atomics.notify(seq, 0);
}

const conns = new Map<number, { client: VmserverdClient | null; closing: boolean; queued: ToWorker[] }>();

async function connect(m: Extract<ToWorker, { t: 'connect' }>): Promise<void> {
  const entry = { client: null as VmserverdClient | null, closing: false, queued: [] as ToWorker[] };
  conns.set(m.conn, entry);
  const tg = m.target;
  let client: VmserverdClient;
  try {
    client = await VmserverdClient.connect({ host: tg.host, port: tg.port, timeoutMs: tg.timeoutMs, ...(tg.ca ? { ca: tg.ca } : {}), ...(tg.fingerprint ? { fingerprint: tg.fingerprint } : {}), ...(tg.insecure ? { insecure: true } : {}) });
  } catch (e) {
    conns.delete(m.conn);
    post({ t: 'connectFailed', conn: m.conn, auth: false, message: e instanceof Error ? e.message : String(e) });
    return;
  }
  try {
    if (tg.local) await client.loginAsCurrentUser();
    else await client.login(tg.user, tg.password);
  } catch (e) {
    client.close();
    conns.delete(m.conn);
    const line = e instanceof VmserverdConnectionError ? (e.line ?? '') : '';
    post({ t: 'connectFailed', conn: m.conn, auth: line !== '' || !/server closed|connection failed/.test(String(e)), message: e instanceof Error ? e.message : String(e) });
    return;
  }
  client.socket.on('close', () => {
    if (!entry.closing) post({ t: 'lost', conn: m.conn, message: 'the server closed the connection' });
    conns.delete(m.conn);
  });
  entry.client = client;
  post({ t: 'connected', conn: m.conn });
  if (entry.closing) client.close();
}

async function exec(m: Extract<ToWorker, { t: 'exec' }>): Promise<void> {
  const entry = conns.get(m.conn);
  if (!entry?.client) {
    post({ t: 'reply', conn: m.conn, req: m.req, ok: false, code: 'connection_lost', message: 'not connected to the host' });
    return;
  }
  try {
    const out = await entry.client.exec(m.op, m.input);
    post({ t: 'reply', conn: m.conn, req: m.req, ok: true, out });
  } catch (e) {
    if (e instanceof VmserverdError) post({ t: 'reply', conn: m.conn, req: m.req, ok: false, code: e.code, message: e.message });
    else post({ t: 'reply', conn: m.conn, req: m.req, ok: false, code: 'connection_lost', message: e instanceof Error ? e.message : String(e) });
  }
}

parentPort!.on('message', (m: ToWorker) => {
  if (m.t === 'connect') void connect(m);
  else if (m.t === 'exec') void exec(m);
  else {
    const entry = conns.get(m.conn);
    if (entry) {
      entry.closing = true;
      if (entry.client) void entry.client.quit().catch(() => entry.client?.close());
    }
  }
});

/**
 * vmserverd exec round trips (`inc`) through the authd door over TLS: pipelined-free
 * request/reply on one connection, and 50 connections at once. Baseline: a bare TLS echo
 * server (node:tls) answering a frame of the same size, in the same run — the ceiling of
 * one TLS round trip on this machine.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { generate } from 'selfsigned';
import { VmserverdClient } from '../src/clients/vmserverd/index.ts';
import { Core, SYSTEM_CALLER } from '../src/core/index.ts';
import { datastoreFiles } from '../src/datastore/index.ts';
import { createSimDriver } from '../src/drivers/sim/sim-driver.ts';
import { createAuthdServer } from '../src/faces/vmserverd/authd-server.ts';
import { FrameDecoder, encodeExecFrame, encodeReplyFrame, renderSuccess } from '../src/protocols/vmserverd/index.ts';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import { measure, report, type Measure } from './lib.ts';

const ONE = Number(process.env.BENCH_VMSERVERD_ONE ?? 3000);
const CONNS = 50;
const EACH = Number(process.env.BENCH_VMSERVERD_EACH ?? 100);
const REQUEST = '<exec><op>inc</op><in><number>42</number></in></exec>';
const REPLY = renderSuccess({ id: 'vmgate', title: 'vmgate', version: '0.1.0', build: '0.1.0' }, { number: 43 });

/** A client of the echo server: sends a frame, waits for one reply frame. */
async function echoClient(port: number, ca: string): Promise<{ roundTrip: () => Promise<void>; close: () => void }> {
  const sock: TLSSocket = tlsConnect({ host: '127.0.0.1', port, ca, servername: 'localhost' });
  sock.setNoDelay(true);
  await new Promise<void>((res, rej) => sock.once('secureConnect', () => res()).once('error', rej));
  const dec = new FrameDecoder({ lengthVerbs: ['200'] });
  let waiter: (() => void) | null = null;
  sock.on('data', (d: Buffer) => {
    for (const _ of dec.push(d)) waiter?.();
  });
  const frame = encodeExecFrame(REQUEST);
  return {
    roundTrip: () =>
      new Promise<void>((res) => {
        waiter = res;
        sock.write(frame);
      }),
    close: () => sock.destroy(),
  };
}

export async function benchVmserverd(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'vmgate-bench-vmserverd-'));
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], { keySize: 2048, algorithm: 'sha256', extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }] }] });
  const tls = { key: pems.private, cert: pems.cert };
  const store = await openSqliteStore({ path: join(dir, 'vmgate.db') });
  const core = new Core({ store, files: datastoreFiles, drivers: new Map([['sim', createSimDriver({ speed: 1000 })]]), config: { datastoreRoot: join(dir, 'ds') } });
  await core.start();
  await core.identity.createUser(SYSTEM_CALLER, { name: 'bench', password: 'bench-password-1' });
  const u = await core.identity.resolveUser('bench');
  await core.identity.setPermission(SYSTEM_CALLER, { principal: `user:${u.id}`, entityId: 'root', roleId: 'administrator' });
  const authd = createAuthdServer({ core, log: { info() {}, warn() {}, error() {}, debug() {} }, tls });
  await new Promise<void>((r) => authd.listen(0, '127.0.0.1', () => r()));
  const authdPort = (authd.address() as AddressInfo).port;

  // The baseline: TLS, the same framing, a fixed reply, nothing else.
  const echoSockets = new Set<TLSSocket>();
  const echo = createTlsServer(tls, (s) => {
    echoSockets.add(s);
    s.once('close', () => echoSockets.delete(s));
    s.setNoDelay(true);
    const dec = new FrameDecoder({ lengthVerbs: ['EXEC'] });
    const reply = encodeReplyFrame(REPLY);
    s.on('data', (d: Buffer) => {
      for (const it of dec.push(d)) if (it.kind === 'frame') s.write(reply);
    });
    s.on('error', () => s.destroy());
  });
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
  const echoPort = (echo.address() as AddressInfo).port;

  try {
    // One connection.
    const c = await VmserverdClient.connect({ host: '127.0.0.1', port: authdPort, ca: tls.cert });
    await c.login('bench', 'bench-password-1');
    for (let i = 0; i < 100; i++) await c.inc(i); // warm up
    const one = await measure('inc over one connection', ONE, async () => {
      for (let i = 0; i < ONE; i++) await c.inc(i);
    });
    const e = await echoClient(echoPort, tls.cert);
    for (let i = 0; i < 100; i++) await e.roundTrip();
    const oneBase = await measure('TLS echo of the same frame, one connection', ONE, async () => {
      for (let i = 0; i < ONE; i++) await e.roundTrip();
    });
    report('vmserverd exec round trips, one connection', one, oneBase);

    // 50 connections at once, each doing EACH round trips one after another. They log in
    // one after another first: logins from one address queue 32 deep (core's
    // loginQueuePerSource), so 50 parallel logins would see some refused; logins are not
    // what is measured.
    const many: VmserverdClient[] = [];
    for (let i = 0; i < CONNS; i++) {
      const m = await VmserverdClient.connect({ host: '127.0.0.1', port: authdPort, ca: tls.cert });
      many.push(m);
      await m.login('bench', 'bench-password-1');
    }
    const manyRun: Measure = await measure(`inc over ${CONNS} concurrent connections`, CONNS * EACH, async () => {
      await Promise.all(many.map(async (m) => {
        for (let i = 0; i < EACH; i++) await m.inc(i);
      }));
    });
    const echoes = await Promise.all(Array.from({ length: CONNS }, () => echoClient(echoPort, tls.cert)));
    const manyBase = await measure(`TLS echo, ${CONNS} concurrent connections`, CONNS * EACH, async () => {
      await Promise.all(echoes.map(async (x) => {
        for (let i = 0; i < EACH; i++) await x.roundTrip();
      }));
    });
    report(`vmserverd exec round trips, ${CONNS} connections`, manyRun, manyBase);
    c.close();
    e.close();
    for (const m of many) m.close();
    for (const x of echoes) x.close();
  } finally {
    await new Promise<void>((r) => authd.close(() => r()));
    // Ends what a failed run left open too (else close would wait for those connections).
    for (const s of echoSockets) s.destroy();
    await new Promise<void>((r) => echo.close(() => r()));
    await core.close(1000);
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The face seam: a throwaway face with its own HTTP prefix (its own 404 handler) and a
 * TCP listener (a line echo over a real socket) runs beside the vAPI face; `--faces`
 * turns faces off; stopping drains (in-flight requests finish, no new connections).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Face } from '../../src/faces/face.ts';
import { resolveServeConfig } from '../../src/server/config.ts';
import type { FaceEntry } from '../../src/server/faces.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

/** What the echo face saw: its stop hook, and a gate that holds `/echo/slow` until opened. */
interface EchoProbe {
  stopped: number;
  slowStarted: Promise<void>;
  openGate(): void;
}

/** A face of its own: `/echo/*` over HTTP, a line echo over TCP. */
function echoFace(): { entry: FaceEntry; probe: EchoProbe } {
  let started!: () => void;
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  const probe: EchoProbe = { stopped: 0, slowStarted: new Promise<void>((r) => (started = r)), openGate: () => open() };
  const face: Face = {
    name: 'echo',
    title: 'Echo (test)',
    start(deps) {
      const sockets = new Set<Socket>();
      return {
        http: [
          {
            prefix: '/echo',
            note: '(test)',
            async register(scope) {
              scope.setNotFoundHandler((req, reply) => reply.code(404).header('content-type', 'text/plain').send(`echo has no ${req.url}`));
              scope.get('/hello', async () => ({ hello: 'from echo', now: deps.core.now().toISOString().slice(0, 4) }));
              scope.get('/slow', async () => {
                started();
                await gate;
                return { slow: 'done' };
              });
            },
          },
        ],
        tcp: {
          note: 'line echo',
          handleConnection(socket) {
            sockets.add(socket);
            socket.once('close', () => sockets.delete(socket));
            socket.write('READY\n');
            let buf = '';
            socket.on('data', (d: Buffer) => {
              buf += d.toString();
              for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
                socket.write(`ECHO ${buf.slice(0, i)}\n`);
                buf = buf.slice(i + 1);
              }
            });
          },
        },
        async stop() {
          probe.stopped++;
          for (const s of sockets) s.end('BYE\n');
        },
      };
    },
  };
  return { entry: { face, tcpPort: () => 0 }, probe };
}

/** A TCP client reading lines. */
async function lineClient(port: number): Promise<{ next(): Promise<string>; send(line: string): void; ended: Promise<void>; close(): void }> {
  const sock = connect(port, '127.0.0.1');
  await new Promise<void>((res, rej) => {
    sock.once('connect', res);
    sock.once('error', rej);
  });
  const lines: string[] = [];
  const waiters: ((l: string) => void)[] = [];
  let buf = '';
  sock.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i).replace(/\r$/, '');
      buf = buf.slice(i + 1);
      const w = waiters.shift();
      if (w) w(line);
      else lines.push(line);
    }
  });
  const ended = new Promise<void>((r) => sock.once('end', () => r()));
  return {
    next: () => (lines.length ? Promise.resolve(lines.shift()!) : new Promise<string>((r) => waiters.push(r))),
    send: (line) => void sock.write(`${line}\n`),
    ended,
    close: () => void sock.destroy(),
  };
}

function refused(port: number): Promise<string> {
  return new Promise((res) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      res('connected');
    });
    s.once('error', (e: NodeJS.ErrnoException) => res(e.code ?? 'error'));
  });
}

describe('face seam: a throwaway face beside the vAPI face', () => {
  let s: TestServer;
  before(async () => {
    const echo = echoFace();
    s = await startTestServer({ demo: false }, {}, { faces: [echo.entry] });
  });
  after(async () => s.close());

  it('lists every face it serves with its prefixes and ports', () => {
    const faces = s.server.faces;
    assert.deepEqual(
      faces.map((f) => [f.name, f.paths, f.port === null ? null : typeof f.port, f.tcpNote]),
      [
        ['vapi', ['/api (JSON-RPC, REST)', '/guestFile', '/folder (datastore files)', '/console (WebSocket console proxy)'], null, null],
        ['authd', [], 'number', 'TLS after the banner, then USER/PASS and EXEC frames'],
        ['view', ['/broker (XML, POST /broker/xml)'], null, null],
        ['rdv', ['/RDV (SOAP 1.1, ?wsdl)'], null, null],
        // The banner says whether the dashboard is built (npm run build writes dist/web).
        ['web', [existsSync(new URL('../../dist/web/index.html', import.meta.url)) ? '/ui (open in a browser; / redirects here)' : '/ui (NOT BUILT: run npm run build, then restart)'], null, null],
        ['echo', ['/echo (test)'], 'number', 'line echo'],
      ],
    );
    assert.equal(s.server.ports.authd, faces[1]!.port);
  });

  it('the throwaway face answers under its prefix and owns its 404; vAPI keeps its own 404; the rest is the server’s', async () => {
    const hello = await s.request('GET', '/echo/hello');
    assert.equal(hello.status, 200);
    assert.deepEqual(JSON.parse(hello.body), { hello: 'from echo', now: String(new Date().getUTCFullYear()) });

    const echo404 = await s.request('GET', '/echo/nothing-here');
    assert.equal(echo404.status, 404);
    assert.equal(echo404.body, 'echo has no /echo/nothing-here');

    // `GET /api` is no vAPI operation: the vAPI face's own not-found, in its vocabulary.
    for (const [method, path] of [['GET', '/api'], ['OPTIONS', '/api/vcenter/vm']] as const) {
      const r = await s.request(method, path);
      assert.equal(r.status, 404, `${method} ${path}`);
      const body = JSON.parse(r.body) as { error_type: string; messages: { id: string; default_message: string }[] };
      assert.equal(body.error_type, 'OPERATION_NOT_FOUND');
      assert.equal(body.messages[0]!.default_message, `no operation for ${method} ${path}`);
    }
    // A REST path vAPI does not know still answers through the face's REST route.
    const unknownOp = await s.request('GET', '/api/vcenter/no-such-thing', { headers: { 'vmware-api-session-id': 'x' } });
    assert.equal(unknownOp.status, 404);
    assert.equal((JSON.parse(unknownOp.body) as { error_type: string }).error_type, 'OPERATION_NOT_FOUND');

    // The guest file scope answers plain text.
    const noTransfer = await s.request('GET', '/guestFile/');
    assert.equal(noTransfer.status, 404);
    assert.match(noTransfer.body, /^no such guest file transfer/);

    // Nobody's path: the server's own 404.
    const nobody = await s.request('GET', '/nobody/here');
    assert.equal(nobody.status, 404);
    assert.deepEqual(JSON.parse(nobody.body), { error: 'not_found', message: 'no route for GET /nobody/here' });
    assert.equal((await s.request('GET', '/healthz')).status, 200);
  });

  it('the TCP part answers over a real socket, and authd still greets on its port', async () => {
    const c = await lineClient(s.server.faces.find((f) => f.name === 'echo')!.port!);
    assert.equal(await c.next(), 'READY');
    c.send('hello face');
    assert.equal(await c.next(), 'ECHO hello face');
    c.send('second');
    assert.equal(await c.next(), 'ECHO second');
    c.close();

    const a = await lineClient(s.server.ports.authd!);
    assert.match(await a.next(), /^220 VMware Authentication Daemon Version 1\.10: SSL Required/);
    a.send('USER administrator');
    assert.equal(await a.next(), '530 Please login with USER and PASS');
    await a.ended;
    a.close();
  });

  it('healthz reports the drivers through core', async () => {
    const h = JSON.parse((await s.request('GET', '/healthz')).body) as { drivers: string[] };
    assert.deepEqual(h.drivers, ['sim']);
  });
});

describe('face seam: --faces picks faces', () => {
  it('parses --faces, VMGATE_FACES and the config key; all faces when unset', () => {
    assert.equal(resolveServeConfig({}, {}).faces, null);
    assert.deepEqual(resolveServeConfig({ faces: 'vapi, echo,vapi' }, {}).faces, ['vapi', 'echo']);
    assert.deepEqual(resolveServeConfig({}, { VMGATE_FACES: 'authd' }).faces, ['authd']);
    assert.deepEqual(resolveServeConfig({ faces: '' }, {}).faces, []);
    assert.throws(() => resolveServeConfig({ faces: 'vapi,Not A Name' }, {}), /--faces/);
  });

  it('a face turned off has no prefix and no port', async () => {
    const echo = echoFace();
    const s = await startTestServer({ demo: false, faces: 'echo' }, {}, { faces: [echo.entry] });
    try {
      assert.deepEqual(
        s.server.faces.map((f) => f.name),
        ['echo'],
      );
      assert.equal(s.server.ports.authd, null);
      assert.equal((await s.request('GET', '/echo/hello')).status, 200);
      const api = await s.request('POST', '/api/session', { headers: { authorization: 'Basic eDp5' } });
      assert.equal(api.status, 404);
      assert.deepEqual(JSON.parse(api.body), { error: 'not_found', message: 'no route for POST /api/session' });
      assert.equal((await s.request('GET', '/guestFile/abc')).status, 404);
    } finally {
      await s.close();
    }

    const echo2 = echoFace();
    const s2 = await startTestServer({ demo: false, faces: 'vapi' }, {}, { faces: [echo2.entry] });
    try {
      assert.deepEqual(
        s2.server.faces.map((f) => [f.name, f.port]),
        [['vapi', null]],
      );
      assert.equal(s2.server.ports.authd, null);
      const gone = await s2.request('GET', '/echo/hello');
      assert.equal(gone.status, 404);
      assert.deepEqual(JSON.parse(gone.body), { error: 'not_found', message: 'no route for GET /echo/hello' });
      assert.equal((await s2.request('POST', '/api/session', { headers: { authorization: 'Basic eDp5' } })).status, 401);
    } finally {
      await s2.close();
    }
  });

  it('a name no face has is refused at start', async () => {
    await assert.rejects(startTestServer({ demo: false, faces: 'vapi,nosuchface' }), /--faces: no face named 'nosuchface' \(the faces are vapi, authd, view, rdv, web\)/);
  });
});

describe('face seam: stopping drains', () => {
  it('stops accepting, calls the face’s stop, lets an in-flight request finish', async () => {
    const echo = echoFace();
    const s = await startTestServer({ demo: false }, {}, { faces: [echo.entry] });
    const tcpPort = s.server.faces.find((f) => f.name === 'echo')!.port!;
    const c = await lineClient(tcpPort);
    assert.equal(await c.next(), 'READY');
    const authd = await lineClient(s.server.ports.authd!);
    assert.match(await authd.next(), /^220 VMware Authentication Daemon/);

    const inFlight = s.request('GET', '/echo/slow');
    await echo.probe.slowStarted;
    assert.equal(echo.probe.stopped, 0);
    const closed = s.server.close(30_000);

    // The TCP face was told to stop: it says goodbye and ends its connection.
    assert.equal(await c.next(), 'BYE');
    await c.ended;
    c.close();
    assert.equal(echo.probe.stopped, 1);
    // authd's stop ends its idle connection too.
    await authd.ended;
    authd.close();
    // No new connections on either listener.
    assert.equal(await refused(tcpPort), 'ECONNREFUSED');
    assert.equal(await refused(s.port), 'ECONNREFUSED');

    // The request that was running when the stop began completes normally.
    echo.probe.openGate();
    const r = await inFlight;
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.body), { slow: 'done' });
    await closed;
    await s.close();
  });
});

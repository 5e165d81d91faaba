/**
 * The QMP client and the typed commands against a scripted QMP server on a unix socket.
 * The server answers with exchanges recorded from QEMU 7.2.22 (Debian 12): greeting,
 * "\r\n" line ends, events around replies, job status sequences, errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QmpClient, qmpErrorClass } from '../../src/drivers/qemu/qmp/qmp-client.ts';
import type { QmpEvent } from '../../src/drivers/qemu/qmp/qmp-client.ts';
import type { JsonObject } from '../../src/drivers/qemu/qmp/qmp-codec.ts';
import { QmpCodec } from '../../src/drivers/qemu/qmp/qmp-codec.ts';
import {
  cont,
  migrateToFile,
  migrationUriToFile,
  queryStatus,
  quit,
  snapshotLoad,
  snapshotSave,
  waitForIncoming,
} from '../../src/drivers/qemu/qmp/qmp-commands.ts';
import { VmgateError } from '../../src/core/errors.ts';

const GREETING = '{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": "Debian 1:7.2+dfsg-7+deb12u18+b3"}, "capabilities": ["oob"]}}\r\n';
const ts = (s: number, us: number): string => `"timestamp": {"seconds": ${s}, "microseconds": ${us}}`;

/** The recorded reply lines of a command; ID stands for the request's id. */
type Script = (cmd: string, args: JsonObject | undefined, id: string, conn: FakeConn) => void | Promise<void>;

interface FakeConn {
  readonly socket: Socket;
  send(text: string): void;
}

interface FakeQmp {
  readonly path: string;
  readonly received: { execute: string; arguments?: JsonObject }[];
  connections: number;
  /** Closes every client connection (QEMU went away), keeps listening. */
  dropClients(): void;
  close(): Promise<void>;
}

async function fakeQmp(script: Script, opts: { greet?: boolean } = {}): Promise<FakeQmp> {
  const dir = mkdtempSync(join(tmpdir(), 'vmgate-qmp-'));
  const path = join(dir, 'qmp.sock');
  const sockets = new Set<Socket>();
  const received: FakeQmp['received'] = [];
  const fake: FakeQmp = {
    path,
    received,
    connections: 0,
    dropClients: () => {
      for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        });
      }),
  };
  const server: Server = createServer((socket) => {
    fake.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const conn: FakeConn = { socket, send: (t) => void (socket.destroyed || socket.write(t)) };
    if (opts.greet !== false) conn.send(GREETING);
    const codec = new QmpCodec();
    socket.on('data', (chunk: Buffer) => {
      for (const msg of codec.push(chunk)) {
        const cmd = String(msg.execute);
        const args = msg.arguments as JsonObject | undefined;
        received.push(args === undefined ? { execute: cmd } : { execute: cmd, arguments: args });
        const id = String(msg.id);
        if (cmd === 'qmp_capabilities') {
          conn.send(`{"return": {}, "id": "${id}"}\r\n`);
          continue;
        }
        void script(cmd, args, id, conn);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return fake;
}

const ok = (id: string, ret = '{}'): string => `{"return": ${ret}, "id": "${id}"}\r\n`;

test('greeting, capabilities, a command and its reply', async () => {
  const fake = await fakeQmp((cmd, _a, id, c) => {
    if (cmd === 'query-status') c.send(ok(id, '{"status": "running", "singlestep": false, "running": true}'));
  });
  const qmp = new QmpClient(fake.path);
  try {
    await qmp.connect();
    assert.deepEqual(qmp.greeting?.version, { major: 7, minor: 2, micro: 22, package: 'Debian 1:7.2+dfsg-7+deb12u18+b3' });
    assert.deepEqual(await queryStatus(qmp), { status: 'running', singlestep: false, running: true });
    assert.deepEqual(
      fake.received.map((r) => r.execute),
      ['qmp_capabilities', 'query-status'],
    );
  } finally {
    await qmp.close();
    await fake.close();
  }
});

test('events arrive before the reply and between replies; replies match ids out of order', async () => {
  let held: { id: string; c: FakeConn } | null = null;
  const fake = await fakeQmp((cmd, _a, id, c) => {
    if (cmd === 'stop') {
      held = { id, c }; // answered after the next command
    } else if (cmd === 'cont') {
      // Recorded: RESUME comes before the reply to cont.
      c.send(`{${ts(1795439071, 238438)}, "event": "RESUME"}\r\n{"return": {}, "id": "${id}"}\r\n`);
      c.send(`{${ts(1795439072, 1)}, "event": "STOP"}\r\n`);
      if (held) held.c.send(ok(held.id, '"late"'));
    }
  });
  const qmp = new QmpClient(fake.path);
  const events: QmpEvent[] = [];
  qmp.onEvent((e) => events.push(e));
  try {
    await qmp.connect();
    const stopping = qmp.execute('stop');
    await new Promise((r) => setTimeout(r, 20));
    await cont(qmp);
    assert.equal(await stopping, 'late');
    assert.deepEqual(
      events.map((e) => e.event),
      ['RESUME', 'STOP'],
    );
    assert.equal(events[0].timestamp, 1795439071238);
  } finally {
    await qmp.close();
    await fake.close();
  }
});

test('replies cut into pieces and glued together are framed right', async () => {
  const fake = await fakeQmp(async (cmd, _a, id, c) => {
    const text = `{${ts(1, 2)}, "event": "POWERDOWN"}\r\n${ok(id, '{"status": "paused", "singlestep": false, "running": false}')}`;
    for (let i = 0; i < text.length; i += 7) {
      c.send(text.slice(i, i + 7));
      await new Promise((r) => setImmediate(r));
    }
  });
  const qmp = new QmpClient(fake.path);
  const seen: string[] = [];
  qmp.onEvent((e) => seen.push(e.event));
  try {
    await qmp.connect();
    assert.equal((await queryStatus(qmp)).status, 'paused');
    assert.deepEqual(seen, ['POWERDOWN']);
  } finally {
    await qmp.close();
    await fake.close();
  }
});

test('a QMP error becomes a VmgateError naming class and description', async () => {
  const fake = await fakeQmp((cmd, _a, id, c) => {
    if (cmd === 'bogus') c.send(`{"id": "${id}", "error": {"class": "CommandNotFound", "desc": "The command bogus has not been found"}}\r\n`);
    else c.send(`{"id": "${id}", "error": {"class": "GenericError", "desc": "Migration is disabled when VirtFS export path '/x' is mounted"}}\r\n`);
  });
  const qmp = new QmpClient(fake.path);
  try {
    await qmp.connect();
    await assert.rejects(qmp.execute('bogus'), (e: unknown) => {
      assert.ok(e instanceof VmgateError);
      assert.equal(e.kind, 'unsupported');
      assert.match(e.message, /bogus.*CommandNotFound: The command bogus has not been found/);
      assert.equal(qmpErrorClass(e), 'CommandNotFound');
      return true;
    });
    await assert.rejects(qmp.execute('migrate', { uri: 'exec:cat' }), /GenericError: Migration is disabled/);
  } finally {
    await qmp.close();
    await fake.close();
  }
});

test('a command that gets no answer times out; its late reply is ignored', async () => {
  let first: { id: string; c: FakeConn } | null = null;
  const fake = await fakeQmp((cmd, _a, id, c) => {
    if (cmd === 'query-status' && !first) {
      first = { id, c };
      return;
    }
    if (first) c.send(ok(first.id, '"stale"'));
    c.send(ok(id, '"fresh"'));
  });
  const qmp = new QmpClient(fake.path);
  try {
    await qmp.connect();
    await assert.rejects(qmp.execute('query-status', undefined, { timeoutMs: 50 }), (e: unknown) => e instanceof VmgateError && e.kind === 'timed_out' && /query-status did not answer within 50 ms/.test(e.message));
    assert.equal(await qmp.execute('query-name'), 'fresh');
  } finally {
    await qmp.close();
    await fake.close();
  }
});

test('an aborted command rejects with cancelled', async () => {
  const fake = await fakeQmp(() => undefined);
  const qmp = new QmpClient(fake.path);
  try {
    await qmp.connect();
    const ac = new AbortController();
    const p = qmp.execute('query-status', undefined, { signal: ac.signal });
    ac.abort();
    await assert.rejects(p, (e: unknown) => e instanceof VmgateError && e.kind === 'cancelled');
  } finally {
    await qmp.close();
    await fake.close();
  }
});

test('QEMU going away fails pending commands, notifies, and quit counts as done', async () => {
  const fake = await fakeQmp((cmd, _a, _id, c) => {
    if (cmd === 'quit') {
      // Recorded: SHUTDOWN host-qmp-quit, then the connection closes (the reply may be lost).
      c.send(`{${ts(1795439099, 342066)}, "event": "SHUTDOWN", "data": {"guest": false, "reason": "host-qmp-quit"}}\r\n`);
      setTimeout(() => c.socket.destroy(), 10);
    }
  });
  const qmp = new QmpClient(fake.path, { reconnect: false });
  const reasons: string[] = [];
  qmp.onDisconnect((r) => reasons.push(r));
  const shutdown = new Promise<QmpEvent>((resolve) => qmp.onEvent(resolve));
  try {
    await qmp.connect();
    const pending = qmp.execute('query-status');
    await quit(qmp);
    assert.equal((await shutdown).data.reason, 'host-qmp-quit');
    await assert.rejects(pending, /closed/);
    assert.equal(reasons.length, 1);
    assert.equal(qmp.connected, false);
    await assert.rejects(qmp.execute('query-status'), /not connected/);
  } finally {
    await qmp.close();
    await fake.close();
  }
});

test('reconnects on demand after the connection dropped', async () => {
  const fake = await fakeQmp((cmd, _a, id, c) => c.send(ok(id, `"${cmd}"`)));
  const qmp = new QmpClient(fake.path);
  try {
    await qmp.connect();
    assert.equal(await qmp.execute('query-name'), 'query-name');
    const dropped = new Promise<void>((resolve) => qmp.onDisconnect(() => resolve()));
    fake.dropClients();
    await dropped;
    assert.equal(await qmp.execute('query-version'), 'query-version');
    assert.equal(fake.connections, 2);
  } finally {
    await qmp.close();
    await fake.close();
  }
});

test('no greeting (the monitor is held by another client) is a connect timeout', async () => {
  const fake = await fakeQmp(() => undefined, { greet: false });
  const qmp = new QmpClient(fake.path, { connectTimeoutMs: 100 });
  try {
    await assert.rejects(qmp.connect(), (e: unknown) => e instanceof VmgateError && e.kind === 'timed_out' && /another client/.test(e.message));
  } finally {
    await qmp.close();
    await fake.close();
  }
});

test('a missing socket is a connect error with its code', async () => {
  const qmp = new QmpClient(join(tmpdir(), 'vmgate-no-such-dir', 'qmp.sock'));
  await assert.rejects(qmp.connect(), (e: unknown) => e instanceof VmgateError && e.details?.code === 'ENOENT');
  await qmp.close();
});

// ---- jobs, recorded from snapshot-save / snapshot-load on QEMU 7.2 ---------------------------

test('snapshot-save runs as a job: created → running → concluded, then dismissed', async () => {
  const fake = await fakeQmp((cmd, args, id, c) => {
    if (cmd === 'snapshot-save') {
      const j = String(args?.['job-id']);
      c.send(
        `{${ts(1795439073, 38374)}, "event": "JOB_STATUS_CHANGE", "data": {"status": "created", "id": "${j}"}}\r\n` +
          `{${ts(1795439073, 38456)}, "event": "JOB_STATUS_CHANGE", "data": {"status": "running", "id": "${j}"}}\r\n` +
          `{${ts(1795439073, 38714)}, "event": "STOP"}\r\n`,
      );
      c.send(`{${ts(1795439073, 66568)}, "event": "RESUME"}\r\n` + ok(id));
      setTimeout(() => {
        c.send(
          `{${ts(1795439073, 66947)}, "event": "JOB_STATUS_CHANGE", "data": {"status": "waiting", "id": "${j}"}}\r\n` +
            `{${ts(1795439073, 66983)}, "event": "JOB_STATUS_CHANGE", "data": {"status": "pending", "id": "${j}"}}\r\n` +
            `{${ts(1795439073, 67003)}, "event": "JOB_STATUS_CHANGE", "data": {"status": "concluded", "id": "${j}"}}\r\n`,
        );
      }, 30);
    } else if (cmd === 'query-jobs') {
      const done = fake.received.some((r) => r.execute === 'query-jobs') && fake.received.filter((r) => r.execute === 'query-jobs').length > 1;
      c.send(ok(id, `[{"current-progress": 1, "status": "${done ? 'concluded' : 'running'}", "total-progress": 1, "type": "snapshot-save", "id": "save-1"}]`));
    } else if (cmd === 'job-dismiss') {
      c.send(`{${ts(1795439076, 644287)}, "event": "JOB_STATUS_CHANGE", "data": {"status": "null", "id": "save-1"}}\r\n` + ok(id));
    }
  });
  const qmp = new QmpClient(fake.path);
  try {
    await qmp.connect();
    await snapshotSave(qmp, { jobId: 'save-1', tag: 'snapshot-1', vmstate: 'disk0', devices: ['disk0'] }, { pollMs: 5_000 });
    assert.deepEqual(fake.received[1], { execute: 'snapshot-save', arguments: { 'job-id': 'save-1', tag: 'snapshot-1', vmstate: 'disk0', devices: ['disk0'] } });
    assert.deepEqual(
      fake.received.map((r) => r.execute),
      ['qmp_capabilities', 'snapshot-save', 'query-jobs', 'query-jobs', 'job-dismiss'],
    );
  } finally {
    await qmp.close();
    await fake.close();
  }
});

test('a job that concludes with an error throws it (snapshot-load of a missing tag)', async () => {
  const fake = await fakeQmp((cmd, args, id, c) => {
    if (cmd === 'snapshot-load') {
      const j = String(args?.['job-id']);
      c.send(`{${ts(1, 1)}, "event": "JOB_STATUS_CHANGE", "data": {"status": "created", "id": "${j}"}}\r\n` + ok(id));
      c.send(`{${ts(1, 2)}, "event": "JOB_STATUS_CHANGE", "data": {"status": "aborting", "id": "${j}"}}\r\n`);
      c.send(`{${ts(1, 3)}, "event": "JOB_STATUS_CHANGE", "data": {"status": "concluded", "id": "${j}"}}\r\n`);
    } else if (cmd === 'query-jobs') {
      c.send(ok(id, `[{"current-progress": 1, "status": "concluded", "total-progress": 1, "type": "snapshot-load", "id": "load-1", "error": "Snapshot 'nope' does not exist in one or more devices"}]`));
    } else c.send(ok(id));
  });
  const qmp = new QmpClient(fake.path);
  try {
    await qmp.connect();
    await assert.rejects(snapshotLoad(qmp, { jobId: 'load-1', tag: 'nope', vmstate: 'disk0', devices: ['disk0'] }), /job load-1\) failed: Snapshot 'nope' does not exist/);
    assert.ok(fake.received.some((r) => r.execute === 'job-dismiss'));
  } finally {
    await qmp.close();
    await fake.close();
  }
});

test('a job that never concludes times out and is cancelled', async () => {
  const fake = await fakeQmp((cmd, _a, id, c) => {
    if (cmd === 'query-jobs') c.send(ok(id, '[{"current-progress": 0, "status": "running", "total-progress": 1, "type": "snapshot-save", "id": "save-2"}]'));
    else c.send(ok(id));
  });
  const qmp = new QmpClient(fake.path);
  try {
    await qmp.connect();
    await assert.rejects(snapshotSave(qmp, { jobId: 'save-2', tag: 't', vmstate: 'disk0', devices: ['disk0'] }, { timeoutMs: 100, pollMs: 20 }), (e: unknown) => e instanceof VmgateError && e.kind === 'timed_out');
    assert.ok(fake.received.some((r) => r.execute === 'job-cancel'));
  } finally {
    await qmp.close();
    await fake.close();
  }
});

// ---- migration, recorded from `migrate exec:cat > file` on QEMU 7.2 ---------------------------

test('migrate to a file polls query-migrate until completed, reporting progress', async () => {
  let polls = 0;
  const fake = await fakeQmp((cmd, _a, id, c) => {
    if (cmd === 'query-migrate') {
      polls++;
      if (polls === 1) c.send(ok(id, '{"status": "setup"}'));
      else if (polls === 2) c.send(ok(id, '{"status": "active", "ram": {"total": 134750208, "remaining": 67375104, "transferred": 67375104}}'));
      else
        c.send(
          ok(
            id,
            '{"status": "completed", "setup-time": 1, "downtime": 3, "total-time": 25, "ram": {"total": 134750208, "postcopy-requests": 0, "dirty-sync-count": 2, "multifd-bytes": 0, "pages-per-second": 0, "downtime-bytes": 803954, "page-size": 4096, "remaining": 0, "postcopy-bytes": 0, "mbps": 308.714, "transferred": 803954, "dirty-sync-missed-zero-copy": 0, "precopy-bytes": 0, "duplicate": 32774, "dirty-pages-rate": 0, "skipped": 0, "normal-bytes": 507904, "normal": 124}}',
          ),
        );
    } else c.send(ok(id));
  });
  const qmp = new QmpClient(fake.path);
  const progress: number[] = [];
  try {
    await qmp.connect();
    await migrateToFile(qmp, "/vms/it's here/a.vmss", { pollMs: 5, onProgress: (f) => progress.push(f) });
    assert.deepEqual(fake.received[1], { execute: 'migrate', arguments: { uri: "exec:cat > '/vms/it'\\''s here/a.vmss'" } });
    assert.deepEqual(progress, [0.5]);
    assert.equal(polls, 3);
  } finally {
    await qmp.close();
    await fake.close();
  }
});

test('a failed migration throws its error description', async () => {
  const fake = await fakeQmp((cmd, _a, id, c) => {
    if (cmd === 'query-migrate') c.send(ok(id, '{"status": "failed", "error-desc": "Unable to write to command: Broken pipe"}'));
    else c.send(ok(id));
  });
  const qmp = new QmpClient(fake.path);
  try {
    await qmp.connect();
    await assert.rejects(migrateToFile(qmp, '/x.vmss', { pollMs: 5 }), /migration failed: Unable to write to command: Broken pipe/);
  } finally {
    await qmp.close();
    await fake.close();
  }
});

test('an incoming migration is done when the run state leaves inmigrate', async () => {
  let n = 0;
  const fake = await fakeQmp((cmd, _a, id, c) => {
    if (cmd === 'query-status') c.send(ok(id, ++n < 3 ? '{"status": "inmigrate", "singlestep": false, "running": false}' : '{"status": "paused", "singlestep": false, "running": false}'));
    else if (cmd === 'query-migrate') c.send(ok(id, '{"status": "active"}'));
    else c.send(ok(id));
  });
  const qmp = new QmpClient(fake.path);
  try {
    await qmp.connect();
    assert.equal((await waitForIncoming(qmp, { pollMs: 5 })).status, 'paused');
  } finally {
    await qmp.close();
    await fake.close();
  }
});

test('migration URIs quote the path for the shell QEMU runs', () => {
  assert.equal(migrationUriToFile('/a b/c.vmss'), "exec:cat > '/a b/c.vmss'");
});

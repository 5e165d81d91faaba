/**
 * The guest agent client against a scripted qemu-ga on a unix socket. Behaviour recorded
 * from qemu-ga 7.2 in the test guest: 0xFF makes the agent answer with a JSON parse error
 * (no id), guest-sync-delimited answers "\xff{"return": N}", replies echo the request id,
 * guest-shutdown sends nothing back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GuestAgentClient } from '../../src/drivers/qemu/guest-agent-client.ts';
import { QmpCodec } from '../../src/drivers/qemu/qmp/qmp-codec.ts';
import type { JsonObject } from '../../src/drivers/qemu/qmp/qmp-codec.ts';
import { VmgateError } from '../../src/core/errors.ts';

const PARSE_ERROR = '{"error": {"class": "GenericError", "desc": "JSON parse error, stray \'\\uFFFD\'"}}\n';

type Handler = (msg: JsonObject, reply: (body: string) => void, socket: Socket) => void;

async function fakeAgent(handler: Handler): Promise<{ path: string; commands: string[]; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'vmgate-qga-'));
  const path = join(dir, 'qga.sock');
  const commands: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    const codec = new QmpCodec();
    socket.on('data', (chunk: Buffer) => {
      // The agent answers each 0xFF with a parse error, as qemu-ga does.
      for (let i = 0; i < chunk.length; i++) if (chunk[i] === 0xff) socket.write(PARSE_ERROR);
      for (const msg of codec.push(chunk)) {
        const cmd = String(msg.execute);
        commands.push(cmd);
        const args = (msg.arguments ?? {}) as JsonObject;
        if (cmd === 'guest-sync-delimited') {
          socket.write(Buffer.concat([Buffer.from([0xff]), Buffer.from(`{"return": ${Number(args.id)}}\n`)]));
          continue;
        }
        const reply = (body: string): void => void socket.write(`{${body}, "id": "${String(msg.id)}"}\n`);
        handler(msg, reply, socket);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return {
    path,
    commands,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        });
      }),
  };
}

test('resyncs first, ignoring stale bytes, parse errors and replies to older syncs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vmgate-qga-'));
  const path = join(dir, 'qga.sock');
  const server = createServer((socket) => {
    // Left-overs of an earlier client: half a reply and answers to old syncs.
    socket.write('{"return": {"pid": 12');
    const codec = new QmpCodec();
    socket.on('data', (chunk: Buffer) => {
      if (chunk.includes(0xff)) socket.write(PARSE_ERROR);
      for (const msg of codec.push(chunk)) {
        if (msg.execute === 'guest-sync-delimited') {
          const id = Number((msg.arguments as JsonObject).id);
          socket.write(Buffer.from([0xff]));
          socket.write(`{"return": ${id - 1}}\n`);
          socket.write(Buffer.concat([Buffer.from([0xff]), Buffer.from(`{"return": ${id}}\n`)]));
        } else if (msg.execute === 'guest-info') {
          socket.write(`{"return": {"version": "7.2.22", "supported_command": []}, "id": "${String(msg.id)}"}\n`);
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  const agent = new GuestAgentClient(path);
  try {
    assert.equal((await agent.info()).version, '7.2.22');
    assert.equal(await agent.ping(500), false); // guest-ping is not scripted here: no answer
  } finally {
    agent.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  }
});

test('guest-exec and guest-exec-status decode base64 output and exit codes', async () => {
  const fake = await fakeAgent((msg, reply) => {
    if (msg.execute === 'guest-exec') {
      const a = msg.arguments as JsonObject;
      assert.equal(a.path, '/bin/sh');
      assert.deepEqual(a.arg, ['-c', 'cat; echo err >&2; exit 3']);
      assert.equal(Buffer.from(String(a['input-data']), 'base64').toString(), 'hello');
      assert.equal(a['capture-output'], true);
      reply('"return": {"pid": 111}');
    } else if (msg.execute === 'guest-exec-status') {
      reply(`"return": {"exitcode": 3, "out-data": "${Buffer.from('hello').toString('base64')}", "err-data": "ZXJyCg==", "exited": true}`);
    }
  });
  const agent = new GuestAgentClient(fake.path);
  try {
    const pid = await agent.exec({ path: '/bin/sh', args: ['-c', 'cat; echo err >&2; exit 3'], input: Buffer.from('hello'), captureOutput: true });
    assert.equal(pid, 111);
    const st = await agent.execStatus(pid);
    assert.deepEqual({ ...st, stdout: st.stdout.toString(), stderr: st.stderr.toString() }, { exited: true, exitCode: 3, signal: null, stdout: 'hello', stderr: 'err\n', truncated: false });
    assert.deepEqual(fake.commands, ['guest-sync-delimited', 'guest-exec', 'guest-exec-status']);
  } finally {
    agent.close();
    await fake.close();
  }
});

test('a command without an answer times out; the client resyncs before the next one', async () => {
  let first = true;
  const fake = await fakeAgent((msg, reply) => {
    if (msg.execute === 'guest-get-time' && first) {
      first = false;
      setTimeout(() => reply('"return": 1'), 120); // too late
      return;
    }
    reply('"return": 2');
  });
  const agent = new GuestAgentClient(fake.path, { commandTimeoutMs: 60 });
  try {
    await assert.rejects(agent.execute('guest-get-time'), (e: unknown) => e instanceof VmgateError && e.kind === 'timed_out');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(await agent.execute('guest-get-time'), 2);
    assert.deepEqual(fake.commands, ['guest-sync-delimited', 'guest-get-time', 'guest-sync-delimited', 'guest-get-time']);
  } finally {
    agent.close();
    await fake.close();
  }
});

test('agent errors carry class and description', async () => {
  const fake = await fakeAgent((msg, reply) => {
    reply(`"error": {"class": "GenericError", "desc": "failed to open file '/nope' (mode: 'r'): No such file or directory"}`);
  });
  const agent = new GuestAgentClient(fake.path);
  try {
    await assert.rejects(agent.fileOpen('/nope', 'r'), /guest-file-open failed: GenericError: failed to open file '\/nope'.*No such file or directory/);
  } finally {
    agent.close();
    await fake.close();
  }
});

test('guest-shutdown expects no reply; file reads decode chunks', async () => {
  const fake = await fakeAgent((msg, reply) => {
    if (msg.execute === 'guest-file-open') reply('"return": 1000');
    else if (msg.execute === 'guest-file-read') reply(`"return": {"count": 3, "buf-b64": "${Buffer.from([1, 2, 255]).toString('base64')}", "eof": true}`);
    else if (msg.execute === 'guest-file-close') reply('"return": {}');
    // guest-shutdown: nothing, as qemu-ga
  });
  const agent = new GuestAgentClient(fake.path, { commandTimeoutMs: 200 });
  try {
    const h = await agent.fileOpen('/etc/hostname', 'r');
    assert.deepEqual(await agent.fileRead(h, 4096), { data: Buffer.from([1, 2, 255]), eof: true });
    await agent.fileClose(h);
    await agent.shutdown('powerdown');
    for (let i = 0; i < 50 && fake.commands.at(-1) !== 'guest-shutdown'; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(fake.commands.at(-1), 'guest-shutdown');
  } finally {
    agent.close();
    await fake.close();
  }
});

test('nobody listening: ping is false, commands fail fast', async () => {
  const agent = new GuestAgentClient(join(tmpdir(), 'vmgate-no-such-dir', 'qga.sock'));
  assert.equal(await agent.ping(200), false);
  await assert.rejects(agent.execute('guest-ping'), /cannot connect to the guest agent socket/);
  agent.close();
});

test('an agent that reads but never answers (qemu-ga not running yet) times out the sync', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vmgate-qga-'));
  const path = join(dir, 'qga.sock');
  const server = createServer((s) => s.on('error', () => undefined).resume());
  await new Promise<void>((resolve) => server.listen(path, resolve));
  const agent = new GuestAgentClient(path, { syncTimeoutMs: 80 });
  try {
    await assert.rejects(agent.execute('guest-ping'), (e: unknown) => e instanceof VmgateError && e.reason === 'tools_not_running');
  } finally {
    agent.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  }
});

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { VmserverdClient } from '../../../src/clients/vmserverd/index.ts';
import type { ExecReply } from '../../../src/protocols/vmserverd/index.ts';
import { encodeExecFrame } from '../../../src/protocols/vmserverd/index.ts';
import { startAuthd, until, type AuthdKit } from './kit.ts';

const failure = (r: ExecReply): { code: string; message: string } => {
  assert.equal(r.ok, false, 'expected a failure reply');
  return (r as Extract<ExecReply, { ok: false }>).error;
};
const closedSoon = (c: VmserverdClient): Promise<void> => until(() => c.socket.destroyed || c.socket.readableEnded, 5000, 'the server to close');

describe('exec framing after 230', () => {
  let k: AuthdKit;
  before(async () => {
    k = await startAuthd({ maxFrameBytes: 4096, stallTimeoutMs: 500 });
  });
  after(async () => k.close());

  it('pipelined requests are answered in order', async () => {
    const c = await k.admin();
    const xs = [10, 20, 30, 40, 50];
    c.socket.write(Buffer.concat(xs.map((n) => encodeExecFrame(`<exec><op>inc</op><in><number>${n}</number></in></exec>`))));
    const got: string[] = [];
    for (let i = 0; i < xs.length; i++) {
      const r = VmserverdClient.parseReply(await c.receive());
      assert.equal(r.ok, true);
      got.push((r as Extract<ExecReply, { ok: true }>).out!.children[0]!.text);
    }
    assert.deepEqual(got, ['11', '21', '31', '41', '51']);
  });

  it('a body with multi-byte UTF-8 is counted in bytes', async () => {
    const c = await k.admin();
    const r = await c.execXml('<exec><op>inc</op><in><number>1</number><note>grüße → 日本</note></in></exec>');
    assert.equal(r.ok, true);
  });

  it('QUIT answers 221 and closes', async () => {
    const c = await k.admin();
    c.socket.write('QUIT\r\n');
    const item = await c.receive();
    assert.deepEqual(item, { kind: 'line', line: '221 Goodbye.' });
    await closedSoon(c);
  });

  it('an unknown line after login gets a 500 line and the connection goes on', async () => {
    const c = await k.admin();
    assert.match(await c.command('HELLO'), /^500 Unknown command/);
    assert.equal(await c.inc(5), 6);
  });

  it('a frame above the limit: a frame_too_large reply, then the connection closes; others go on', async () => {
    const other = await k.admin();
    const c = await k.admin();
    c.socket.write(`EXEC 5000\r\n${'x'.repeat(100)}`);
    const e = failure(VmserverdClient.parseReply(await c.receive()));
    assert.equal(e.code, 'frame_too_large');
    assert.match(e.message, /5000 bytes is larger than the limit of 4096/);
    await closedSoon(c);
    assert.equal(await other.inc(1), 2);
  });

  for (const [label, header] of [
    ['non-numeric', 'EXEC twelve'],
    ['negative', 'EXEC -5'],
    ['missing', 'EXEC'],
    ['fractional', 'EXEC 1.5'],
  ] as const) {
    it(`a ${label} length is a bad_frame reply and the connection closes`, async () => {
      const c = await k.admin();
      c.socket.write(`${header}\r\n<exec/>`);
      const e = failure(VmserverdClient.parseReply(await c.receive()));
      assert.equal(e.code, 'bad_frame');
      assert.match(e.message, /non-negative decimal number/);
      await closedSoon(c);
    });
  }

  it('a length shorter than the document: the cut document is malformed_xml', async () => {
    const c = await k.admin();
    const xml = '<exec><op>inc</op><in><number>1</number></in></exec>';
    c.socket.write(`EXEC 20\r\n${xml}\r\n`);
    const e = failure(VmserverdClient.parseReply(await c.receive()));
    assert.equal(e.code, 'malformed_xml');
    // The rest of the document arrives as a line, which is not a command.
    assert.match((await c.receive()).kind, /line/);
  });

  it('a length longer than what is sent: the stalled frame is timed out with bad_frame and closed', async () => {
    const other = await k.admin();
    const c = await k.admin();
    c.socket.write('EXEC 1000\r\n<exec><op>inc</op>');
    const e = failure(VmserverdClient.parseReply(await c.receive()));
    assert.equal(e.code, 'bad_frame');
    assert.match(e.message, /middle of a frame/);
    await closedSoon(c);
    assert.equal(await other.inc(2), 3);
  });

  it('a client that disconnects mid-frame leaves the server serving others, its session ended', async () => {
    const c = await k.admin();
    const before = (await k.t.core.identity.listUsers(k.t.admin)).length;
    c.socket.write('EXEC 500\r\n<exec><op>inc');
    c.socket.destroy();
    const other = await k.admin();
    assert.equal(await other.inc(3), 4);
    assert.equal((await k.t.core.identity.listUsers(k.t.admin)).length, before);
  });

  // Both ends live in this process: each idle connection costs two descriptors.
  const fdLimit = Number(spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).stdout.trim()) || 1024;
  const idle = Math.min(1000, Math.floor((fdLimit - 256) / 2));
  it(`${idle} connections that send nothing (1,000 when the descriptor limit allows) do not stop a logged-in client`, async () => {
    const raws = await Promise.all(Array.from({ length: idle }, () => k.raw()));
    const c = await k.admin();
    assert.equal(await c.inc(999), 1000);
    for (const r of raws) r.sock.destroy();
  });
});

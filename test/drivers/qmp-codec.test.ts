import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QmpCodec, encodeQmpMessage } from '../../src/drivers/qemu/qmp/qmp-codec.ts';

// Lines as QEMU 7.2 writes them (recorded), "\r\n"-terminated.
const GREETING = '{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": "Debian 1:7.2+dfsg-7+deb12u18+b3"}, "capabilities": ["oob"]}}\r\n';
const RESUME = '{"timestamp": {"seconds": 1795439071, "microseconds": 238438}, "event": "RESUME"}\r\n';
const REPLY = '{"return": {}, "id": "c1"}\r\n';

test('one message per line, several in one chunk', () => {
  const c = new QmpCodec();
  const msgs = c.push(Buffer.from(GREETING + RESUME + REPLY));
  assert.equal(msgs.length, 3);
  assert.deepEqual(msgs[2], { return: {}, id: 'c1' });
  assert.equal(msgs[1].event, 'RESUME');
  assert.equal(c.buffered, 0);
});

test('a message split over many chunks, down to single bytes', () => {
  const c = new QmpCodec();
  const bytes = Buffer.from(RESUME + REPLY);
  const out = [];
  for (let i = 0; i < bytes.length; i++) out.push(...c.push(bytes.subarray(i, i + 1)));
  assert.equal(out.length, 2);
  assert.deepEqual(out[1], { return: {}, id: 'c1' });
});

test('a multi-byte UTF-8 character split between chunks survives', () => {
  const c = new QmpCodec();
  const line = Buffer.from('{"return": "grüße ✓"}\n');
  const cut = line.indexOf(Buffer.from('✓')) + 1; // inside the 3-byte character
  assert.deepEqual(c.push(line.subarray(0, cut)), []);
  assert.deepEqual(c.push(line.subarray(cut)), [{ return: 'grüße ✓' }]);
});

test('the 0xFF sentinel drops a partial line (guest-sync-delimited)', () => {
  const c = new QmpCodec();
  assert.deepEqual(c.push(Buffer.from('{"return": {"half')), []);
  const out = c.push(Buffer.concat([Buffer.from([0xff]), Buffer.from('{"return": 42}\n')]));
  assert.deepEqual(out, [{ return: 42 }]);
});

test('lines that are not JSON objects are reported and skipped', () => {
  const bad: string[] = [];
  const c = new QmpCodec((line) => bad.push(line));
  const out = c.push(Buffer.from('garbage\n[1,2]\n\n{"return": 1}\n'));
  assert.deepEqual(out, [{ return: 1 }]);
  assert.deepEqual(bad, ['garbage', '[1,2]']);
});

test('an overlong line is dropped, the stream goes on', () => {
  const bad: string[] = [];
  const c = new QmpCodec((line) => bad.push(line), 16);
  c.push(Buffer.from('{"return": "0123456789abcdef'));
  assert.equal(bad.length, 1);
  assert.deepEqual(c.push(Buffer.from('\n{"return": 2}\n')), [{ return: 2 }]);
});

test('encode writes compact JSON and a newline', () => {
  assert.equal(encodeQmpMessage({ execute: 'query-status', id: 'vmgate-1' }).toString(), '{"execute":"query-status","id":"vmgate-1"}\n');
});

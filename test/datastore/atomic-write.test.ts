import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../src/datastore/index.ts';

describe('writeFileAtomic', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'vmgate-atomic-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('creates and replaces files, returning the bytes written', async () => {
    const p = join(dir, 'a.vmx');
    assert.equal(await writeFileAtomic(p, 'first\n'), 6);
    assert.equal(readFileSync(p, 'utf8'), 'first\n');
    assert.equal(await writeFileAtomic(p, Buffer.from('second ✓')), 10);
    assert.equal(readFileSync(p, 'utf8'), 'second ✓');
    assert.deepEqual(readdirSync(dir), ['a.vmx']); // no temp files left
  });

  it('writes chunks from a generator and reports progress', async () => {
    const p = join(dir, 'chunks.bin');
    const seen: number[] = [];
    async function* chunks(): AsyncGenerator<Uint8Array | string> {
      yield 'abc';
      yield new Uint8Array([100, 101]);
      yield 'f';
    }
    await writeFileAtomic(p, chunks(), { onProgress: (n) => seen.push(n) });
    assert.equal(readFileSync(p, 'utf8'), 'abcdef');
    assert.deepEqual(seen, [3, 5, 6]);
  });

  it('keeps the permission bits of the file it replaces', async () => {
    const p = join(dir, 'mode.txt');
    writeFileSync(p, 'x');
    chmodSync(p, 0o640);
    await writeFileAtomic(p, 'y');
    assert.equal(statSync(p).mode & 0o777, 0o640);
    await writeFileAtomic(p, 'z', { mode: 0o600 });
    assert.equal(statSync(p).mode & 0o777, 0o600);
  });

  it('leaves the target intact when the write fails midway', async () => {
    const p = join(dir, 'intact.vmx');
    writeFileSync(p, 'original content\n');
    async function* failing(): AsyncGenerator<string> {
      yield 'partial new content that must never be seen';
      throw new Error('disk went away');
    }
    await assert.rejects(writeFileAtomic(p, failing()), /disk went away/);
    assert.equal(readFileSync(p, 'utf8'), 'original content\n');
    assert.deepEqual(
      readdirSync(dir).filter((n) => n.includes('intact')),
      ['intact.vmx'],
    );
  });

  it('leaves the target intact when aborted', async () => {
    const p = join(dir, 'aborted.vmx');
    writeFileSync(p, 'original');
    const ac = new AbortController();
    async function* slow(): AsyncGenerator<string> {
      yield 'one';
      ac.abort();
      yield 'two';
    }
    await assert.rejects(writeFileAtomic(p, slow(), { signal: ac.signal }), { name: 'AbortError' });
    assert.equal(readFileSync(p, 'utf8'), 'original');
    assert.deepEqual(
      readdirSync(dir).filter((n) => n.includes('aborted')),
      ['aborted.vmx'],
    );
  });

  it('fails without creating anything when the parent is a file', async () => {
    const file = join(dir, 'plain-file');
    writeFileSync(file, 'i am a file');
    await assert.rejects(writeFileAtomic(join(file, 'child.vmx'), 'x'), { code: 'ENOTDIR' });
    assert.equal(readFileSync(file, 'utf8'), 'i am a file');
  });

  it('fails when the target is a directory and leaves no temp file', async () => {
    const target = join(dir, 'a-folder');
    mkdirSync(join(target, 'inside'), { recursive: true });
    const before = readdirSync(dir).sort();
    await assert.rejects(writeFileAtomic(target, 'x'), (e: NodeJS.ErrnoException) =>
      ['EISDIR', 'ENOTEMPTY', 'EEXIST'].includes(String(e.code)),
    );
    assert.ok(existsSync(join(target, 'inside')));
    assert.deepEqual(readdirSync(dir).sort(), before);
  });
});

/**
 * `vmgate datastore add|rm|ls|upload|download` and `vmgate host info` as a user types them,
 * against a real server over HTTPS (the CLI runs as a child process).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cliFixture, parseTable, type CliFixture } from './cli-fixture.ts';

describe('vmgate datastore add|rm|ls|upload|download, host info', () => {
  let f: CliFixture;
  let work: string;

  before(async () => {
    f = await cliFixture();
    work = await mkdtemp(join(tmpdir(), 'vmgate-cli-ds-'));
  });
  after(async () => {
    await f.close();
    await rm(work, { recursive: true, force: true });
  });

  it('add a directory, upload into it, list, download, remove the file, remove the datastore', async () => {
    const dir = join(work, 'media');
    await mkdir(dir);
    const added = await f.ok(['datastore', 'add', 'media', dir]);
    assert.match(added.stdout, new RegExp(`^added datastore media \\(datastore-\\d+\\) at ${dir}\\n$`));

    const local = join(work, 'guest.iso');
    const data = randomBytes(2 * 1024 * 1024 + 5);
    await writeFile(local, data);
    const up = await f.ok(['datastore', 'upload', local, 'media:iso/']);
    assert.equal(up.stdout, `uploaded ${local} to [media] iso/guest.iso (2.0 MiB)\n`);
    assert.deepEqual(await readFile(join(dir, 'iso', 'guest.iso')), data, 'the bytes are on the datastore');

    const top = parseTable((await f.ok(['datastore', 'ls', 'media'])).stdout);
    assert.deepEqual(top.map((r) => [r.NAME, r.TYPE]), [['iso/', 'directory']]);
    const inIso = parseTable((await f.ok(['datastore', 'ls', '[media] iso'])).stdout);
    assert.deepEqual(inIso.map((r) => [r.NAME, r.TYPE, r.SIZE]), [['guest.iso', 'file', '2.0 MiB']]);

    const outDir = join(work, 'out');
    await mkdir(outDir);
    const down = await f.ok(['datastore', 'download', 'media:iso/guest.iso', outDir]);
    assert.equal(down.stdout, `downloaded [media] iso/guest.iso to ${join(outDir, 'guest.iso')} (2.0 MiB)\n`);
    assert.deepEqual(await readFile(join(outDir, 'guest.iso')), data);

    assert.equal((await f.ok(['datastore', 'rm', 'media:iso/guest.iso'])).stdout, 'removed [media] iso/guest.iso\n');
    assert.equal(existsSync(join(dir, 'iso', 'guest.iso')), false);
    const missing = await f.ok(['datastore', 'download', 'media:iso/guest.iso', outDir + '/again.iso'], { code: 1 });
    assert.match(missing.stderr, /^vmgate: NOT_FOUND: the download was refused: HTTP 404: \[media\] iso\/guest\.iso does not exist\n$/);

    assert.equal((await f.ok(['datastore', 'rm', 'media'])).stdout, 'removed datastore media from the inventory (its files stay)\n');
    assert.equal(existsSync(join(dir, 'iso')), true);
    const names = (JSON.parse((await f.ok(['datastore', 'list', '--json'])).stdout) as { name: string }[]).map((d) => d.name);
    assert.ok(!names.includes('media'));
  });

  it('clear errors: a relative path, a file that is not there, a path escaping the datastore, a bad operand', async () => {
    const rel = await f.ok(['datastore', 'add', 'rel', 'some/dir'], { code: 1 });
    assert.match(rel.stderr, /^vmgate: INVALID_ARGUMENT: datastore path 'some\/dir' is not absolute/);
    const noLocal = await f.ok(['datastore', 'upload', join(work, 'nope.iso'), 'LocalDS_1:'], { code: 2 });
    assert.match(noLocal.stderr, /cannot read '.*nope\.iso'/);
    const escape = await f.ok(['datastore', 'ls', 'LocalDS_1:../LocalDS_0'], { code: 2 });
    assert.match(escape.stderr, /\[LocalDS_1\] \.\.\/LocalDS_0: a datastore path may not contain '\.' or '\.\.' segments/);
    const bad = await f.ok(['datastore', 'download', 'justaname'], { code: 2 });
    assert.match(bad.stderr, /'justaname' is not a datastore file: write DATASTORE:PATH/);
  });

  it('host info: driver, capacity, usage and datastores (no accelerator on the simulator)', async () => {
    const info = JSON.parse((await f.ok(['host', 'info', 'DC0_H0', '--json'])).stdout) as Record<string, unknown>;
    assert.equal(info.name, 'DC0_H0');
    assert.equal(info.driver, 'sim');
    assert.equal(info.accelerator, undefined);
    assert.equal(info.vm_count, 3);
    const text = (await f.ok(['host', 'info', 'DC0_H0'])).stdout;
    assert.match(text, /^driver:\s+sim$/m);
    assert.match(text, /^vms:\s+3$/m);
  });
});

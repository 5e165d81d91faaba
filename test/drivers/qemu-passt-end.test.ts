/**
 * `endPassts`, what the QEMU driver runs before it reports a stop done and before it starts
 * a run: the VM's passt processes of an earlier run, found only through their pid files
 * (`n<i>.pid` beside the sockets, as after a control-plane restart, when no child handle is
 * left), are waited for, then ended with SIGTERM, then SIGKILL; a pid file whose process is
 * not passt on that socket (the pid was reused) leaves that process alone. Real processes
 * stand in for passt: node with passt's `--socket <path>` in its command line.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { endPassts, passtPidFile } from '../../src/drivers/qemu/passt.ts';
import { isProcessAlive } from '../../src/drivers/qemu/qemu-process.ts';

/** A process with `--socket <socket>` in its argv; `ignoreTerm`: it survives SIGTERM. */
async function fakePasst(socket: string, ignoreTerm = false): Promise<ChildProcess> {
  const script = `${ignoreTerm ? "process.on('SIGTERM', () => undefined);" : ''} console.log('up'); setInterval(() => undefined, 1000);`;
  const child = spawn(process.execPath, ['-e', script, '--', '--socket', socket], { stdio: ['ignore', 'pipe', 'inherit'] });
  // Ready once it printed (its SIGTERM handler is in place by then).
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.stdout!.once('data', () => resolve());
  });
  children.push(child);
  return child;
}

const children: ChildProcess[] = [];
let dir = '';

describe('QEMU driver: endPassts ends the passt processes of an earlier run through their pid files', () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vmgate-passt-end-'));
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('the pid file of n0.sock is n0.pid beside it', () => {
    assert.equal(passtPidFile('/tmp/vmgate-1234/n0.sock'), '/tmp/vmgate-1234/n0.pid');
    assert.equal(passtPidFile('/data/ds/web01/n3.sock'), '/data/ds/web01/n3.pid');
  });

  it('nothing to do: no folder, no pid files, or a pid file of a process that is gone (removed)', async () => {
    assert.deepEqual(await endPassts(join(dir, 'missing')), []);
    const gone = spawn(process.execPath, ['-e', '0']);
    const pid = gone.pid!;
    await new Promise((r) => gone.once('exit', r));
    await writeFile(join(dir, 'n0.pid'), `${pid}\n`);
    await writeFile(join(dir, 'qemu.pid'), '1\n');
    assert.deepEqual(await endPassts(dir), []);
    assert.deepEqual((await readdir(dir)).sort(), ['qemu.pid'], 'n0.pid is removed; other files stay');
    await rm(join(dir, 'qemu.pid'));
  });

  it('a passt that ends by itself while it waits is not signalled', async () => {
    const p = await fakePasst(join(dir, 'n0.sock'));
    await writeFile(join(dir, 'n0.pid'), `${p.pid}\n`);
    const ended = endPassts(dir, { graceMs: 120_000, termMs: 1_000, killMs: 1_000 });
    // It ends on its own (as passt does once its QEMU is gone); endPassts only waited.
    p.kill('SIGINT');
    assert.deepEqual(await ended, []);
    assert.equal(await isProcessAlive(p.pid!), false);
    assert.deepEqual(await readdir(dir), []);
  });

  it('passt processes that do not end get SIGTERM, and SIGKILL when they ignore it; each NIC’s pid file counts', async () => {
    const polite = await fakePasst(join(dir, 'n0.sock'));
    const stubborn = await fakePasst(join(dir, 'n1.sock'), true);
    await writeFile(join(dir, 'n0.pid'), `${polite.pid}\n`);
    await writeFile(join(dir, 'n1.pid'), `${stubborn.pid}\n`);
    const exits = [polite, stubborn].map((c) => new Promise<NodeJS.Signals | null>((r) => c.once('exit', (_code, sig) => r(sig))));
    assert.deepEqual((await endPassts(dir, { graceMs: 200, termMs: 500, killMs: 30_000 })).sort(), [polite.pid, stubborn.pid].sort());
    assert.deepEqual(await Promise.all(exits), ['SIGTERM', 'SIGKILL']);
    assert.deepEqual(await readdir(dir), []);
  });

  it('a pid file whose process is not passt on that socket (a reused pid) leaves the process alone', async () => {
    const other = await fakePasst(join(dir, 'elsewhere', 'n0.sock'));
    await writeFile(join(dir, 'n0.pid'), `${other.pid}\n`);
    assert.deepEqual(await endPassts(dir, { graceMs: 200, termMs: 200, killMs: 200 }), []);
    assert.equal(await isProcessAlive(other.pid!), true);
    assert.deepEqual(await readdir(dir), []);
    other.kill('SIGKILL');
  });
});

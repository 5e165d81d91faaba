import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { X509Certificate } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { VmserverdClient, VmserverdConnectionError, VmserverdError } from '../../../src/clients/vmserverd/index.ts';
import { ADMIN, startAuthd, type AuthdKit } from '../../faces/vmserverd/kit.ts';

const ROOT = new URL('../../../', import.meta.url).pathname;

function cli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(process.execPath, [join(ROOT, 'bin/vmgate.mjs'), ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } }, (e, stdout, stderr) => res({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stdout, stderr }));
  });
}

describe('vmserverd client and vmgate exec', () => {
  let k: AuthdKit;
  let dir: string;
  let caFile: string;
  before(async () => {
    k = await startAuthd();
    dir = await mkdtemp(join(tmpdir(), 'vmgate-exec-cli-'));
    caFile = join(dir, 'server.crt');
    await writeFile(caFile, k.ca);
  });
  after(async () => {
    await k.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('connect: a wrong CA fails the handshake; a pinned fingerprint works, a wrong one is refused', async () => {
    await assert.rejects(VmserverdClient.connect({ host: '127.0.0.1', port: k.port }), (e: unknown) => e instanceof VmserverdConnectionError && /TLS handshake failed/.test(e.message));
    const fp = new X509Certificate(k.ca).fingerprint256;
    const c = await VmserverdClient.connect({ host: '127.0.0.1', port: k.port, fingerprint: fp });
    await c.login(ADMIN.user, ADMIN.password);
    assert.equal(await c.inc(1), 2);
    c.close();
    await assert.rejects(VmserverdClient.connect({ host: '127.0.0.1', port: k.port, fingerprint: fp.replace(/^../, '00') }), /is not the expected/);
  });

  it('login failure carries the 530 line; exec failure carries the code', async () => {
    const c = await k.client();
    await assert.rejects(c.login(ADMIN.user, 'wrong'), (e: unknown) => e instanceof VmserverdConnectionError && e.line === '530 Login incorrect.');
    await c.login(ADMIN.user, ADMIN.password);
    await assert.rejects(c.div(1, 0), (e: unknown) => e instanceof VmserverdError && e.code === 'bad_argument' && e.message === 'division by zero');
    assert.deepEqual({ ...(await c.execValue('inc', '<number>9</number>') as object) }, { number: '10' });
    await c.quit();
    assert.equal(c.socket.destroyed || c.socket.readableEnded, true);
  });

  it('typed helpers: files, snapshots, a guest program', async () => {
    const c = await k.admin();
    await c.makeDir('[ds0] h/i', { parents: true });
    await c.createFile('[ds0] h/i/f.txt', '  spaced\n');
    assert.equal(await c.readFile('[ds0] h/i/f.txt'), '  spaced\n');
    assert.equal(await c.fileExists('[ds0] h/i/f.txt'), true);
    assert.deepEqual((await c.listDir('[ds0] h/i')).map((e) => [e.name, e.type, e.size]), [['f.txt', 'file', 9]]);
    assert.equal((await c.copyFile('[ds0] h/i/f.txt', '[ds0] h/g.txt')).bytes, 9);
    await c.moveFile('[ds0] h/g.txt', '[ds0] h/i/g.txt');
    await c.removeFile('[ds0] h/i/g.txt');
    await c.removeDir('[ds0] h', { recursive: true });
    assert.equal(await c.fileExists('[ds0] h'), false);
    const vm = await k.t.core.vms.create(k.t.admin, { name: 'helper', placement: { hostId: k.t.hosts[0]!.id } });
    const vmx = await k.t.core.vms.vmxPath(vm);
    const s1 = await c.createSnapshot(vmx, 'one', { description: 'first' });
    assert.deepEqual(await c.listSnapshots(vmx), [{ id: s1, name: 'one', parent: '', description: 'first', current: true }]);
    await c.revertToSnapshot(vmx);
    await c.removeSnapshot(vmx, 'one');
    assert.deepEqual(await c.listSnapshots(vmx), []);
    await c.power('VM_PowerOn', vmx);
    await c.exec('VM_WaitForToolsInGuest', { vmx, timeoutSeconds: 30 });
    const r = await c.runProgramInGuest(vmx, { user: 'user', password: 'vmware' }, '/bin/sh', ['-c', 'echo "  $USER"']);
    assert.deepEqual({ exitCode: r.exitCode, stdout: r.stdout }, { exitCode: 0, stdout: '  user\n' });
    await c.power('VM_PowerOff', vmx, { hard: true });
  });

  it('requests from several clients at once are each answered', async () => {
    const clients = await Promise.all(Array.from({ length: 10 }, () => k.admin()));
    const got = await Promise.all(clients.map((c, i) => Promise.all([c.inc(i), c.dec(i), c.inc(i * 10)])));
    assert.deepEqual(got, Array.from({ length: 10 }, (_, i) => [i + 1, i - 1, i * 10 + 1]));
  });

  it('vmgate exec inc --in prints <out>; --json its values; a failure is vmgate: CODE: message, exit 1; a wrong password exits 3', async () => {
    const base = ['--server', 'https://127.0.0.1:1', '--authd-port', String(k.port), '--ca', caFile];
    const env = { VMGATE_PASSWORD: ADMIN.password, VMGATE_CONFIG_DIR: dir, HOME: dir };
    const a = await cli(['exec', 'inc', '--in', '<number>42</number>', ...base], env);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(a.stdout, '<out><number>43</number></out>\n');
    const b = await cli(['exec', 'VMServerd_IsAdminUser', '--json', ...base], env);
    assert.equal(b.code, 0, b.stderr);
    assert.deepEqual(JSON.parse(b.stdout), { isAdmin: '1' });
    const c = await cli(['exec', 'div', '--in', '<dividend>1</dividend><divisor>0</divisor>', ...base], env);
    assert.equal(c.code, 1);
    assert.equal(c.stderr, 'vmgate: BAD_ARGUMENT: division by zero\n');
    const d = await cli(['exec', 'inc', '--in', '<number>1</number>', ...base], { ...env, VMGATE_PASSWORD: 'wrong' });
    assert.equal(d.code, 3);
    assert.equal(d.stderr, 'vmgate: UNAUTHENTICATED: 530 Login incorrect.\n');
  });
});

/**
 * A fresh data directory with `--driver qemu`: the first start makes a datacenter, a host
 * for this machine and a local datastore, and says so (and which accelerator guests get)
 * in the banner; /healthz and host info tell the accelerator too. `--demo --driver qemu`
 * builds QEMU hosts whose VMs are off and boot the test guest's ISO.
 */
import assert from 'node:assert/strict';
import { availableParallelism, hostname, tmpdir, totalmem } from 'node:os';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SYSTEM_CALLER } from '../../src/core/index.ts';
import { resolveServeConfig } from '../../src/server/config.ts';
import { startServer } from '../../src/server/serve.ts';
import { hostNameOf } from '../../src/server/first-start.ts';
import { spawnServer } from '../support/spawn-server.ts';

function getJson(port: number, path: string, ca: string, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
  return new Promise((res, rej) => {
    const req = request({ host: '127.0.0.1', port, path, ca, headers, servername: 'localhost' }, (r) => {
      let s = '';
      r.on('data', (d) => (s += d));
      r.on('end', () => res({ status: r.statusCode!, body: JSON.parse(s) }));
    });
    req.on('error', rej);
    req.end();
  });
}

describe('first start with --driver qemu (a real process)', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vmgate-qemu-first-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('creates Datacenter, this machine as a host and datastore1, prints them and the accelerator; a restart adds nothing', async () => {
    const env = { VMGATE_ADMIN_PASSWORD: 'admin-password-1' };
    const s = await spawnServer(dir, ['--driver', 'qemu', '--qemu-accel', 'tcg'], env);
    const host = hostNameOf(hostname());
    const cpus = availableParallelism();
    const memMiB = Math.floor(totalmem() / (1024 * 1024));
    const out = s.stdout();
    assert.ok(out.includes(`  First start: created datacenter 'Datacenter', host '${host}' (this machine: ${cpus} CPUs, ${(memMiB / 1024).toFixed(1)} GiB)\n`), out);
    assert.ok(out.includes(`  and datastore 'datastore1' at ${join(dir, 'datastores', 'datastore1')}. Add more: vmgate datastore add NAME /absolute/path\n`), out);
    assert.match(out, /^ {2}QEMU accelerator {9}tcg \(chosen with --qemu-accel tcg\)$/m);
    assert.ok((await stat(join(dir, 'datastores', 'datastore1'))).isDirectory());

    const ca = await readFile(join(dir, 'tls', 'server.crt'), 'utf8');
    const health = (await getJson(s.ports.https, '/healthz', ca)).body as Record<string, unknown>;
    assert.equal(health.driver, 'qemu');
    assert.equal(health.accelerator, 'tcg');
    assert.equal(health.acceleratorReason, 'chosen with --qemu-accel tcg');

    const auth = { authorization: `Basic ${Buffer.from('administrator:admin-password-1').toString('base64')}` };
    const hosts = (await getJson(s.ports.https, '/api/vmgate/hosts', ca, auth)).body as Record<string, unknown>[];
    assert.equal(hosts.length, 1);
    assert.deepEqual(hosts[0], {
      host: 'host-1',
      name: host,
      driver: 'qemu',
      cpu_count: cpus,
      memory_mib: memMiB,
      used_cpu: 0,
      used_memory_mib: 0,
      vm_count: 0,
      datastores: ['datastore-1'],
      accelerator: 'tcg',
      accelerator_reason: 'chosen with --qemu-accel tcg',
    });
    s.child.kill('SIGTERM');
    assert.equal(await s.exited, 0);

    const again = await spawnServer(dir, ['--driver', 'qemu', '--qemu-accel', 'tcg'], env);
    assert.doesNotMatch(again.stdout(), /First start: created/);
    const hosts2 = (await getJson(again.ports.https, '/api/vmgate/hosts', ca, auth)).body as unknown[];
    assert.equal(hosts2.length, 1);
    again.child.kill('SIGTERM');
    assert.equal(await again.exited, 0);
  });
});

describe('--demo --driver qemu', () => {
  let dir: string;
  let guestDir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vmgate-qemu-demo-'));
    guestDir = await mkdtemp(join(tmpdir(), 'vmgate-qemu-demo-guest-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
    await rm(guestDir, { recursive: true, force: true });
  });

  it('builds QEMU hosts whose VMs are powered off and boot the test guest ISO (copied to the Library datastore)', async () => {
    await mkdir(guestDir, { recursive: true });
    await writeFile(join(guestDir, 'test-guest.iso'), 'not really an ISO');
    const config = resolveServeConfig({ dataDir: dir, httpsPort: 0, authdPort: 0, host: '127.0.0.1', demo: true, demoHosts: 1, demoVms: 2, driver: 'qemu', qemuAccel: 'tcg', logLevel: 'warn' }, {});
    const s = await startServer(config, { env: { VMGATE_ADMIN_PASSWORD: 'admin-password-1', VMGATE_DEMO_PASSWORD: 'demo-password-1', VMGATE_TEST_GUEST_DIR: guestDir } });
    try {
      const c = SYSTEM_CALLER;
      const hosts = await s.core.inventory.listHosts(c);
      assert.deepEqual(hosts.map((h) => [h.name, h.driver]).sort(), [['DC0_C0_H0', 'qemu'], ['DC0_H0', 'qemu']]);
      assert.equal(s.localInventory, null, 'the demo is the inventory');
      const vms = await s.core.vms.list(c);
      assert.equal(vms.length, 2 * 2 + 3 + 5);
      const iso = join(dir, 'datastores', 'Library', 'iso', 'test-guest.iso');
      assert.equal(await readFile(iso, 'utf8'), 'not really an ISO');
      for (const vm of vms) {
        assert.equal(vm.driver, 'qemu', vm.name);
        assert.equal(vm.powerState, 'poweredOff', vm.name);
      }
      const onHosts = vms.filter((v) => v.hostId !== null);
      assert.ok(onHosts.every((v) => v.hardware.cdroms.length === 1 && v.hardware.cdroms[0]!.isoFile === iso && v.hardware.cdroms[0]!.connected), 'host VMs and desktops boot the ISO');
      assert.ok(onHosts.every((v) => v.hardware.disks.every((d) => d.fileName.endsWith('.qcow2'))));
    } finally {
      await s.close(1000);
    }
  });
});

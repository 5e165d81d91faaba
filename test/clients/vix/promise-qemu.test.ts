/**
 * The VIX promise API's scenario on QEMU (TCG, booting the test guest's ISO), against a
 * real vmgate in this process (the promise API never blocks the event loop): the same
 * scenario as on the sim (./scenario.ts). Locally it skips when QEMU or the test guest is
 * missing; in CI it fails. One QEMU guest at a time (acquireQemuTestLock).
 */
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VapiClient } from '../../../src/clients/vapi/index.ts';
import { SYSTEM_CALLER } from '../../../src/core/index.ts';
import { skippable } from '../../support/ci.ts';
import { acquireQemuTestLock, killQemuUnder, qemuTestGuest, qemuTestSkip, testGuestIso } from '../../support/qemu-guest.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../support/test-server.ts';
import { promiseScenario } from './scenario.ts';

const onQemu = skippable(qemuTestSkip({ iso: true }));
onQemu.describe('the VIX promise API scenario on QEMU (TCG, the test guest ISO)', { timeout: 1_800_000 }, () => {
  let release: (() => void) | null = null;
  let server: TestServer | null = null;
  let v: VapiClient;
  let vm = '';
  let vmx = '';
  let dir = '';
  onQemu.before(async () => {
    release = await acquireQemuTestLock();
    server = await startTestServer({ driver: 'qemu', demo: false, qemuAccel: 'tcg' });
    dir = await mkdtemp(join(tmpdir(), 'vix-qemu-'));
    const core = server.server.core;
    const dc = await core.inventory.createDatacenter(SYSTEM_CALLER, 'vix-dc');
    const ds = await core.inventory.createDatastore(SYSTEM_CALLER, { name: 'vix-ds', datacenterId: dc.id });
    const host = await core.inventory.createHost(SYSTEM_CALLER, { name: 'qemu-host', datacenterId: dc.id, driver: 'qemu', cpuCount: 2, memoryMiB: 2048, datastoreIds: [ds.id] });
    await mkdir(join(ds.path, 'iso'), { recursive: true });
    await copyFile(testGuestIso(qemuTestGuest().guest), join(ds.path, 'iso', 'test-guest.iso'));
    v = new VapiClient({ server: server.baseUrl, ca: server.ca, timeoutMs: 300_000 });
    await v.login('administrator', ADMIN_PASSWORD);
    vm = await v.vm.create({
      name: 'vix-qemu',
      guest_OS: 'OTHER_LINUX_64',
      placement: { host: host.id, datastore: ds.id },
      cpu: { count: 1 },
      memory: { size_MiB: 256 },
      disks: [{ new_vmdk: { capacity: 64 * 1024 * 1024 } }],
      cdroms: [{ type: 'IDE', backing: { type: 'ISO_FILE', iso_file: '[vix-ds] iso/test-guest.iso' }, start_connected: true }],
    });
    vmx = await core.vms.vmxPath(await core.vms.get(SYSTEM_CALLER, vm));
  });
  onQemu.after(async () => {
    try {
      v?.close();
      if (server) {
        await server.close();
        killQemuUnder(server.dataDir);
      }
      if (dir) await rm(dir, { recursive: true, force: true });
    } finally {
      release?.();
    }
  });

  onQemu.it('open, power on, tools, log in, run, copy 5 MiB each way, snapshot, revert, suspend, resume, power off', { timeout: 1_500_000 }, async (t) => {
    const t0 = Date.now();
    let last = t0;
    await promiseScenario({
      port: server!.server.ports.authd!,
      ca: server!.ca,
      vmx,
      dir,
      power: async () => (await v.power.get(vm)).state,
      toolsTimeoutMs: 600_000,
      user: 'administrator',
      password: ADMIN_PASSWORD,
      step: (name) => {
        t.diagnostic(`${name}: ${Date.now() - last} ms`);
        last = Date.now();
      },
    });
  });
});

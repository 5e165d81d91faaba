/**
 * A real vmgate over the QEMU driver for tests that boot the test guest: the QEMU test lock
 * taken, a server in this process with a datacenter, a datastore and a QEMU host on it, and
 * a VM booting the test guest's kernel made in one call. `close()` kills whatever QEMU is
 * left under the data directory, stops the server, removes the directory and releases the
 * lock, whatever failed. `{ driver: 'sim' }` in the overrides builds the same inventory on
 * the simulator (no lock, no QEMU), for tests that run one scenario on both drivers.
 *
 * ```ts
 * const { describe, it, before, after } = skippable(qemuTestSkip());
 * let bed: QemuTestBed;
 * before(async () => (bed = await startQemuTestBed('hw')));
 * after(async () => bed?.close());
 * // … const vm = await bed.createGuestVm({ name: 'g1' });
 * ```
 */
import { SYSTEM_CALLER } from '../../src/core/index.ts';
import type { ServeConfig } from '../../src/server/config.ts';
import { acquireQemuTestLock, killQemuUnder, qemuTestGuest } from './qemu-guest.ts';
import type { QemuTestGuest } from './qemu-guest.ts';
import { startTestServer } from './test-server.ts';
import type { TestServer } from './test-server.ts';

type CreateSpec = Parameters<TestServer['server']['core']['vms']['create']>[1];

export interface QemuTestBed {
  readonly s: TestServer;
  readonly guest: QemuTestGuest;
  readonly datacenterId: string;
  /** The datastore (`<prefix>-ds`) the host sees. */
  readonly datastore: { readonly id: string; readonly name: string; readonly path: string };
  /** The host (`qemu-host` or `sim-host`, 2 CPUs, 2 GiB). */
  readonly hostId: string;
  /** A VM on the QEMU host and the datastore that boots the test guest's kernel (1 CPU, 256 MiB, a 64 MiB disk, no NIC unless given). */
  createGuestVm(spec: Partial<CreateSpec> & { readonly name: string }): Promise<string>;
  close(): Promise<void>;
}

export async function startQemuTestBed(prefix: string, overrides: Partial<Record<keyof ServeConfig, unknown>> = {}): Promise<QemuTestBed> {
  const driver = overrides.driver === 'sim' ? 'sim' : 'qemu';
  const release = driver === 'qemu' ? await acquireQemuTestLock() : () => undefined;
  let s: TestServer | undefined;
  try {
    s = await startTestServer({ driver: 'qemu', demo: false, qemuAccel: 'tcg', ...overrides });
    const core = s.server.core;
    const dc = await core.inventory.createDatacenter(SYSTEM_CALLER, `${prefix}-dc`);
    const ds = await core.inventory.createDatastore(SYSTEM_CALLER, { name: `${prefix}-ds`, datacenterId: dc.id });
    const host = await core.inventory.createHost(SYSTEM_CALLER, { name: `${driver}-host`, datacenterId: dc.id, driver, cpuCount: 2, memoryMiB: 2048, datastoreIds: [ds.id] });
    const { guest } = qemuTestGuest();
    const server = s;
    return {
      s: server,
      guest,
      datacenterId: dc.id,
      datastore: { id: ds.id, name: ds.name, path: ds.path },
      hostId: host.id,
      async createGuestVm(spec) {
        const vm = await core.vms.create(SYSTEM_CALLER, {
          guestOs: 'otherlinux-64',
          cpuCount: 1,
          memoryMiB: 256,
          disks: [{ capacityMiB: 64 }],
          nics: [],
          kernelBoot: { kernel: guest.kernel, initrd: guest.initrd, cmdline: guest.cmdline },
          placement: { hostId: host.id, datastoreId: ds.id },
          ...spec,
        });
        return vm.id;
      },
      async close() {
        killQemuUnder(server.dataDir);
        try {
          await server.close();
        } finally {
          release();
        }
      },
    };
  } catch (e) {
    if (s) {
      killQemuUnder(s.dataDir);
      await s.close().catch(() => undefined);
    }
    release();
    throw e;
  }
}

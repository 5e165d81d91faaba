/**
 * A real vmgate (HTTPS, vSphere API face) over the QEMU driver with a real guest (TCG, the
 * test guest by kernel boot, 256 MiB), when things happen behind its back:
 *
 * (a) QEMU is killed with SIGKILL: the VM turns POWERED_OFF promptly and its events say why;
 * (b) vmgate stops while the guest runs and starts again on the same data directory: the
 *     guest outlived it, the VM is still POWERED_ON, tools come back, guest programs run,
 *     and tasks from before the restart are still there with their results; its NIC's
 *     passt outlived it too, and a power off through the restarted vmgate ends it (even
 *     hung) before it reports the VM off; the power-on after it gets a passt of its own.
 *
 * One guest at a time (acquireQemuTestLock); skips locally without QEMU or the test guest,
 * fails in CI.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { VapiClient } from '../../src/clients/vapi/index.ts';
import type { VmGuestCredentials } from '../../src/clients/vapi/index.ts';
import { SYSTEM_CALLER } from '../../src/core/index.ts';
import { acquireQemuTestLock, killQemuUnder, qemuTestGuest, qemuTestSkip } from '../support/qemu-guest.ts';
import { skippable } from '../support/ci.ts';
import { ADMIN_PASSWORD, startTestServer } from '../support/test-server.ts';
import type { TestServer } from '../support/test-server.ts';
import { until } from '../support/until.ts';

const ROOT: VmGuestCredentials = { interactive_session: false, type: 'USERNAME_PASSWORD', user_name: 'root', password: 'vmware' };
const QEMU_SERVER = { driver: 'qemu', demo: false, qemuAccel: 'tcg' } as const;
const TOOLS_DEADLINE_MS = 300_000;

/** Alive and not a zombie (QEMU is this process's child: the first server started it). */
function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return false;
  }
}

// Without QEMU (locally only) every test is registered as skipped, so the summary counts them.
const { after, before, describe, it } = skippable(qemuTestSkip());

describe('QEMU guests under a real vmgate: kill -9 and control-plane restarts', { timeout: 1_200_000 }, () => {
  let s: TestServer;
  let dataDir: string;
  let client: VapiClient;
  let vm: string;
  let vmDir: string;
  let release: (() => void) | undefined;

  const connect = async (server: TestServer): Promise<VapiClient> => {
    const c = new VapiClient({ server: server.baseUrl, flavour: 'rest', ca: server.ca, timeoutMs: 300_000 });
    await c.login('administrator@vsphere.local', ADMIN_PASSWORD);
    return c;
  };
  const toolsReady = (why: string) =>
    until(`guest tools ${why} (guest.power.get operations_ready)`, TOOLS_DEADLINE_MS, async () => ((await client.guest.power.get(vm)).operations_ready ? true : undefined), 500);
  const qemuPid = (): number => Number(readFileSync(join(vmDir, 'qemu.pid'), 'utf8').trim());

  before(async () => {
    release = await acquireQemuTestLock();
    s = await startTestServer(QEMU_SERVER);
    dataDir = s.dataDir;
    const core = s.server.core;
    const dc = await core.inventory.createDatacenter(SYSTEM_CALLER, 'resilience-dc');
    const ds = await core.inventory.createDatastore(SYSTEM_CALLER, { name: 'resilience-ds', datacenterId: dc.id });
    const host = await core.inventory.createHost(SYSTEM_CALLER, { name: 'qemu-host', datacenterId: dc.id, driver: 'qemu', cpuCount: 2, memoryMiB: 2048, datastoreIds: [ds.id] });
    const { guest } = qemuTestGuest();
    const created = await core.vms.create(SYSTEM_CALLER, {
      name: 'resilient',
      guestOs: 'otherlinux-64',
      cpuCount: 1,
      memoryMiB: 256,
      disks: [{ capacityMiB: 64 }],
      nics: [{ model: 'virtio', connected: true }],
      kernelBoot: { kernel: guest.kernel, initrd: guest.initrd, cmdline: guest.cmdline },
      placement: { hostId: host.id, datastoreId: ds.id },
    });
    vm = created.id;
    vmDir = join(ds.path, ...posix.dirname(created.vmxRel).split('/'));
    client = await connect(s);
  });

  after(async () => {
    client?.close();
    if (dataDir) killQemuUnder(dataDir);
    await s?.server.close(1000).catch(() => undefined);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    release?.();
  });

  it('kill -9 of QEMU behind vmgate’s back: POWERED_OFF promptly, and the events say why', async (t) => {
    const t0 = Date.now();
    await client.power.start(vm);
    await toolsReady('after power on');
    t.diagnostic(`power on → tools ready: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const pid = qemuPid();
    assert.ok(processAlive(pid));

    const t1 = Date.now();
    process.kill(pid, 'SIGKILL');
    await until('the VM to be POWERED_OFF after kill -9 of its QEMU', 20_000, async () => ((await client.power.get(vm)).state === 'POWERED_OFF' ? true : undefined), 100);
    t.diagnostic(`kill -9 → POWERED_OFF through the vAPI: ${Date.now() - t1} ms`);
    assert.equal((await client.guest.power.get(vm)).operations_ready, false);
    assert.deepEqual(await client.power.get(vm), { state: 'POWERED_OFF', clean_power_off: false }, 'killed, not shut down');

    const events = await client.vmgate.events.list({ object: vm, limit: 20 });
    const off = events.find((e) => e.type === 'vm.poweredOff');
    assert.ok(off, `a vm.poweredOff event among ${JSON.stringify(events.map((e) => e.type))}`);
    assert.match(off.message, /QEMU process exited/);
    assert.match(off.message, /SIGKILL/);
    t.diagnostic(`event: ${off.message}`);
    assert.equal(existsSync(join(vmDir, 'qemu.pid')), false, 'the stale pidfile is removed');
  });

  it('vmgate restarts while the guest runs: still POWERED_ON, tools back, guest run works, tasks kept', async (t) => {
    await client.power.start(vm);
    await toolsReady('after power on');
    const pid = qemuPid();

    // A task before the restart: a guest program run as a task, finished with its output.
    const taskId = await client.vmgate.guest.run(vm, ROOT, { path: '/bin/sh', arguments: ['-c', 'echo before the restart'] }, { task: true });
    const done = await client.tasks.wait(taskId, undefined, { intervalMs: 200, timeoutMs: 120_000 });
    assert.equal(done.status, 'SUCCEEDED');
    // A marker in the guest's memory (its root file system is the initramfs).
    assert.equal((await client.vmgate.guest.run(vm, ROOT, { path: '/bin/sh', arguments: ['-c', 'echo kept > /root/marker'] })).exit_code, 0);

    // Stop the control plane; the guest lives on.
    client.close();
    const t0 = Date.now();
    await s.server.close(5000);
    assert.ok(processAlive(pid), 'QEMU outlives the control plane');

    // Start again on the same data directory.
    s = await startTestServer(QEMU_SERVER, {}, { dataDir });
    client = await connect(s);
    t.diagnostic(`restart: ${Date.now() - t0} ms`);
    assert.equal((await client.power.get(vm)).state, 'POWERED_ON');
    assert.equal(qemuPid(), pid, 'the same QEMU process');
    await toolsReady('after the restart');
    t.diagnostic(`restart → tools ready: ${Date.now() - t0} ms`);

    const r = await client.vmgate.guest.run(vm, ROOT, { path: '/bin/sh', arguments: ['-c', 'cat /root/marker; echo after the restart'] });
    assert.equal(r.exit_code, 0, r.stderr);
    assert.equal(r.stdout, 'kept\nafter the restart\n');

    const kept = await client.tasks.get(taskId);
    assert.equal(kept.status, 'SUCCEEDED', 'the task from before the restart is still there, finished');
    assert.deepEqual(kept.result, done.result, 'with its result');
    assert.match(JSON.stringify(kept.result), /before the restart/);
    const listed = await client.tasks.list({ filter_spec: { tasks: [taskId] } });
    assert.ok(Object.keys(listed).includes(taskId) || JSON.stringify(listed).includes(taskId), 'tasks.list shows it');

    // The NIC's passt outlived the control plane too. Make it hang (stopped): the power off
    // through the restarted vmgate, which never had it as a child, still ends it first, and a
    // power-on right after it gets a passt of its own on the same socket.
    const socket = passtSocketOf(pid);
    const [passt] = passtsOn(socket);
    assert.ok(passt !== undefined, `a passt listens on ${socket}`);
    process.kill(passt, 'SIGSTOP');
    try {
      await client.power.stop(vm);
      assert.deepEqual(await client.power.get(vm), { state: 'POWERED_OFF', clean_power_off: true }, 'stopped through the API');
      assert.equal(processAlive(passt), false, 'the hung passt of the run from before the restart is gone once the stop is reported');
    } finally {
      try {
        process.kill(passt, 'SIGKILL');
      } catch {
        // gone, as it should be
      }
    }
    await until(`QEMU (pid ${pid}) to exit after power off`, 15_000, async () => (processAlive(pid) ? undefined : true), 100);
    await client.power.start(vm);
    assert.equal((await client.power.get(vm)).state, 'POWERED_ON');
    const fresh = passtsOn(socket);
    assert.equal(fresh.length, 1, 'one passt on the socket');
    assert.notEqual(fresh[0], passt);
    await client.power.stop(vm);
    assert.deepEqual(passtsOn(socket), [], 'and it is gone once the stop is reported');
  });
});

/** The socket QEMU's nat NIC connects to (its `-netdev stream,…,addr.path=<socket>`). */
function passtSocketOf(qemuPid: number): string {
  const argv = readFileSync(`/proc/${qemuPid}/cmdline`, 'utf8').split('\0');
  const netdev = argv.find((a) => a.startsWith('stream,') && a.includes('addr.path='));
  assert.ok(netdev, `QEMU ${qemuPid} has a stream netdev: ${argv.join(' ')}`);
  return /addr\.path=([^,]+)/.exec(netdev)![1]!;
}

/** Live processes started with `--socket <socket>` (passt). */
function passtsOn(socket: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // gone meanwhile
    }
    const i = argv.indexOf('--socket');
    if (i >= 0 && argv[i + 1] === socket && processAlive(Number(name))) pids.push(Number(name));
  }
  return pids;
}

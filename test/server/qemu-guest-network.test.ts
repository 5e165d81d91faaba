/**
 * What a guest on the default `nat` network can reach, on a real vmgate over the QEMU
 * driver (TCG, the test guest by kernel boot, one NIC on 'VM Network' → nat through
 * passt): not the host's loopback. From inside the guest, with busybox `nc` run through
 * the guest run operation, vmgate's plain HTTP port and another VM's VNC console (both on
 * the host's 127.0.0.1) are unreachable at the guest's gateway and at slirp's old host
 * alias 10.0.2.2, while the same `nc` does connect to a listener inside the guest. The
 * guest's IP address from the guest agent is in guest identity, the same one the guest's
 * own `ip` shows; the NIC's MAC is the one in the `.vmx`.
 *
 * One guest at a time (acquireQemuTestLock); skips locally without QEMU or the test guest,
 * fails in CI.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { join, posix } from 'node:path';
import { VapiClient } from '../../src/clients/vapi/index.ts';
import type { VmGuestCredentials } from '../../src/clients/vapi/index.ts';
import { SYSTEM_CALLER } from '../../src/core/index.ts';
import { skippable } from '../support/ci.ts';
import { acquireQemuTestLock, killQemuUnder, qemuTestGuest, qemuTestSkip } from '../support/qemu-guest.ts';
import { ADMIN_PASSWORD, startTestServer } from '../support/test-server.ts';
import type { TestServer } from '../support/test-server.ts';
import { until } from '../support/until.ts';

const ROOT: VmGuestCredentials = { interactive_session: false, type: 'USERNAME_PASSWORD', user_name: 'root', password: 'vmware' };
const DEADLINE_MS = 300_000;
const { after, before, describe, it } = skippable(qemuTestSkip());

/** Resolves when something accepts a TCP connection on the host's 127.0.0.1:port. */
function hostReaches(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

describe('QEMU nat network: the guest cannot reach the host’s loopback services', { timeout: 900_000 }, () => {
  let s: TestServer;
  let client: VapiClient;
  let release: (() => void) | undefined;
  let vm: string;
  let vmxPath: string;
  let httpPort: number;
  let simVncPort: number;

  before(async () => {
    release = await acquireQemuTestLock();
    s = await startTestServer({ driver: 'qemu', demo: false, qemuAccel: 'tcg', httpPort: 0 });
    httpPort = s.server.ports.http!;
    const core = s.server.core;
    const c = SYSTEM_CALLER;
    const dc = await core.inventory.createDatacenter(c, 'net-dc');
    const ds = await core.inventory.createDatastore(c, { name: 'net-ds', datacenterId: dc.id });
    const qemuHost = await core.inventory.createHost(c, { name: 'qemu-host', datacenterId: dc.id, driver: 'qemu', cpuCount: 2, memoryMiB: 2048, datastoreIds: [ds.id] });
    const simHost = await core.inventory.createHost(c, { name: 'sim-host', datacenterId: dc.id, driver: 'sim', cpuCount: 2, memoryMiB: 2048, datastoreIds: [ds.id] });
    const { guest } = qemuTestGuest();
    const created = await core.vms.create(c, {
      name: 'netguest',
      guestOs: 'otherlinux-64',
      cpuCount: 1,
      memoryMiB: 256,
      disks: [{ capacityMiB: 64 }],
      nics: [{ model: 'virtio', macAddress: '00:50:56:3a:4b:5c', connected: true }],
      kernelBoot: { kernel: guest.kernel, initrd: guest.initrd, cmdline: guest.cmdline },
      placement: { hostId: qemuHost.id, datastoreId: ds.id },
    });
    vm = created.id;
    vmxPath = join(ds.path, ...posix.dirname(created.vmxRel).split('/'), posix.basename(created.vmxRel));
    // Another VM, with a console on the host's loopback.
    const other = await core.vms.create(c, { name: 'neighbour', guestOs: 'otherlinux-64', cpuCount: 1, memoryMiB: 256, placement: { hostId: simHost.id, datastoreId: ds.id } });
    await core.power.runAndWait(c, other.id, 'powerOn');
    simVncPort = (await core.consoles.open(c, other.id)).endpoint.port;
    client = new VapiClient({ server: s.baseUrl, flavour: 'rest', ca: s.ca, timeoutMs: 300_000 });
    await client.login('administrator@vsphere.local', ADMIN_PASSWORD);
  });

  after(async () => {
    client?.close();
    if (s) killQemuUnder(s.dataDir);
    await s?.server.close(1000).catch(() => undefined);
    if (s) await rm(s.dataDir, { recursive: true, force: true });
    release?.();
  });

  it('from inside the guest, vmgate’s HTTP port and a VNC console on the host’s 127.0.0.1 are unreachable; the guest’s IP is reported', async (t) => {
    // The .vmx keeps the NIC on the nat network with its MAC.
    const vmx = readFileSync(vmxPath, 'utf8');
    assert.match(vmx, /^ethernet0\.networkName = "VM Network"$/m);
    assert.match(vmx, /^ethernet0\.generatedAddress = "00:50:56:3a:4b:5c"$/m);
    assert.match(vmx, /^ethernet0\.virtualDev = "virtio"$/m);
    // Both services do listen on the host's loopback.
    assert.equal(await hostReaches(httpPort), true, 'vmgate’s HTTP port answers on 127.0.0.1');
    assert.equal(await hostReaches(simVncPort), true, 'the other VM’s console answers on 127.0.0.1');

    await client.power.start(vm);
    const sh = async (script: string) => client.vmgate.guest.run(vm, ROOT, { path: '/bin/sh', arguments: ['-c', script], timeout_seconds: 60 });
    await until('guest tools', DEADLINE_MS, async () => ((await client.guest.power.get(vm)).operations_ready ? true : undefined));
    const ip = await until('an IPv4 address in guest identity', DEADLINE_MS, async () => (await client.guest.identity.get(vm)).ip_address);
    t.diagnostic(`guest address ${ip}`);
    assert.match(ip, /^\d{1,3}(\.\d{1,3}){3}$/);
    assert.notEqual(ip, '10.0.2.15', 'not slirp’s address');
    const own = await sh("ip -4 -o addr show dev eth0 | sed -n 's/.* inet \\([0-9.]*\\)\\/.*/\\1/p'");
    assert.equal(own.stdout.trim(), ip, 'the agent reports the address the guest has');
    const mac = await sh('cat /sys/class/net/eth0/address');
    assert.equal(mac.stdout.trim(), '00:50:56:3a:4b:5c');
    const prefix = Number((await sh("ip -4 -o addr show dev eth0 | sed -n 's/.* inet [0-9.]*\\/\\([0-9]*\\).*/\\1/p'")).stdout.trim());
    assert.ok(prefix > 0 && prefix <= 32, `prefix ${prefix}`);
    const ifaces = await client.guest.networking.interfaces.list(vm);
    assert.deepEqual(
      ifaces.map((i) => [i.mac_address, i.nic, i.ip?.ip_addresses.filter((a) => !a.ip_address.includes(':'))]),
      [['00:50:56:3a:4b:5c', '4000', [{ ip_address: ip, prefix_length: prefix, state: 'PREFERRED' }]]],
    );

    // nc works in this guest: it reaches a listener inside the guest itself.
    const control = await sh("(echo pong | nc -l -p 7777 >/dev/null &) ; sleep 1; echo ping | nc -w 3 127.0.0.1 7777");
    assert.deepEqual([control.exit_code, control.stdout], [0, 'pong\n'], `stderr: ${control.stderr}`);

    const gw = (await sh("ip route | sed -n 's/^default via \\([0-9.]*\\).*/\\1/p'")).stdout.trim();
    assert.match(gw, /^\d{1,3}(\.\d{1,3}){3}$/, 'the guest has a default gateway');
    for (const target of [gw, '10.0.2.2']) {
      for (const [what, port] of [['vmgate’s HTTP port', httpPort], ['the other VM’s VNC console', simVncPort]] as const) {
        const r = await sh(`echo | nc -w 3 ${target} ${port}; echo "exit=$?"`);
        assert.match(r.stdout, /exit=1\n$/, `${what} at ${target}:${port} from inside the guest: ${r.stdout} ${r.stderr}`);
        assert.doesNotMatch(r.stdout, /RFB 003|HTTP\/1\.1/, `${what} answered the guest`);
      }
    }
  });
});

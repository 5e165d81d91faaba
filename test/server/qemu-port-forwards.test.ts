/**
 * Port forwards on a real vmgate over the QEMU driver (TCG, the test guest by kernel
 * boot, one NIC on 'VM Network' → nat through passt): while the VM runs, passt listens on
 * each forward's host address and port — 127.0.0.1 unless 0.0.0.0 was asked for (seen from
 * 127.0.0.2, another address of this host) — and a connection there reaches a listener in
 * the guest (busybox `nc`, started with the guest run operation): both directions carry
 * data. Nothing listens before power-on or after power-off; a host port something else
 * listens on is refused; a change while the VM runs is pending until the next power-on.
 * Power off then power on at once, with passt ending at once, late (stopped, then continued
 * after 3 s) or never (stopped for good): the stop is reported only once the port is free,
 * and the next run's passt has the forward; likewise a power-on right after the guest shut
 * itself down while its passt hangs.
 *
 * One guest at a time (acquireQemuTestLock); skips locally without QEMU or the test guest,
 * fails in CI.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import type { Server } from 'node:net';
import { VapiClient, VapiError } from '../../src/clients/vapi/index.ts';
import type { VmGuestCredentials } from '../../src/clients/vapi/index.ts';
import { SYSTEM_CALLER } from '../../src/core/index.ts';
import { skippable } from '../support/ci.ts';
import { qemuTestSkip } from '../support/qemu-guest.ts';
import { startQemuTestBed } from '../support/qemu-server.ts';
import type { QemuTestBed } from '../support/qemu-server.ts';
import { ADMIN_PASSWORD } from '../support/test-server.ts';
import type { TestServer } from '../support/test-server.ts';
import { until } from '../support/until.ts';

const DEADLINE_MS = 300_000;
const ROOT: VmGuestCredentials = { interactive_session: false, type: 'USERNAME_PASSWORD', user_name: 'root', password: 'vmware' };
const { after, before, describe, it } = skippable(qemuTestSkip());

/** Whether something on the host accepts a TCP connection at host:port ('accepted'), or the error's code. */
function accepts(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve('accepted');
    });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(`error ${e.code ?? e.message}`));
  });
}

/**
 * Connects to host:port, sends `line` and ends its side, and resolves with everything read
 * until the other side closes (or what was read when `ms` ran out, marked as such).
 */
function exchange(host: string, port: number, line: string, ms = 20_000): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    let got = '';
    const timer = setTimeout(() => {
      s.destroy();
      resolve(`no close within ${ms} ms after ${JSON.stringify(got)}`);
    }, ms);
    s.on('data', (d: Buffer) => {
      got += d.toString();
    });
    s.once('connect', () => s.end(line));
    s.once('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
    s.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(`error ${e.code ?? e.message}`);
    });
  });
}

/** A port nothing listens on now (the kernel's pick). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function refused(p: Promise<unknown>): Promise<[string, string]> {
  try {
    await p;
  } catch (e) {
    if (e instanceof VapiError) return [e.errorType, e.messages.map((m) => m.default_message).join(' / ')];
    throw e;
  }
  assert.fail('expected an error');
}

describe('QEMU port forwards: passt listens where the forwards say and carries traffic to the guest', { timeout: 900_000 }, () => {
  let bed: QemuTestBed | undefined;
  let s: TestServer;
  let client: VapiClient;
  let vm: string;
  let squatter: Server | undefined;
  let kept = 0;
  const stopped = new Set<number>();

  before(async () => {
    bed = await startQemuTestBed('pf');
    s = bed.s;
    vm = await bed.createGuestVm({ name: 'pfguest', nics: [{ model: 'virtio', connected: true }] });
    client = new VapiClient({ server: s.baseUrl, flavour: 'rest', ca: s.ca, timeoutMs: 300_000 });
    await client.login('administrator@vsphere.local', ADMIN_PASSWORD);
  });

  after(async () => {
    // A passt the last test stopped and the driver did not end (it would hold its port forever).
    for (const pid of stopped) signalIfAlive(pid, 'SIGKILL');
    squatter?.close();
    client?.close();
    await bed?.close();
  });

  it('passt listens where asked (127.0.0.1 unless 0.0.0.0 was asked for) while the VM runs and reaches a listener in the guest; a taken port is refused; changes while it runs are pending', async () => {
    const [local, everywhere, taken, later] = [await freePort(), await freePort(), await freePort(), await freePort()];
    // Something else on the host listens on `taken`.
    squatter = createServer();
    await new Promise<void>((r) => squatter!.listen(taken, '127.0.0.1', r));
    assert.deepEqual(await refused(client.vmgate.portForwards.create(vm, { host_port: taken, guest_port: 7777 })), ['RESOURCE_BUSY', `tcp 127.0.0.1:${taken} is already in use on this host: pick another host port`]);

    assert.deepEqual(await client.vmgate.portForwards.create(vm, { host_port: local, guest_port: 7777 }), { port_forward: `tcp-${local}`, pending_until_power_on: false });
    assert.deepEqual(await client.vmgate.portForwards.create(vm, { host_port: everywhere, guest_port: 7778, host_address: '0.0.0.0' }), { port_forward: `tcp-${everywhere}`, pending_until_power_on: false });
    // Powered off: nothing listens yet.
    assert.equal(await accepts('127.0.0.1', local), 'error ECONNREFUSED');

    await client.power.start(vm);
    await until('guest tools', DEADLINE_MS, async () => ((await client.guest.power.get(vm)).operations_ready ? true : undefined));
    // passt took the forwards: 127.0.0.1 only for the first, every address for the second
    // (127.0.0.2 is another address of this host).
    assert.equal(await accepts('127.0.0.1', local), 'accepted');
    assert.equal(await accepts('127.0.0.2', local), 'error ECONNREFUSED');
    assert.equal(await accepts('127.0.0.1', everywhere), 'accepted');
    assert.equal(await accepts('127.0.0.2', everywhere), 'accepted');

    // A listener in the guest answers through each forward, and gets what the host sent.
    const sh = async (script: string) => client.vmgate.guest.run(vm, ROOT, { path: '/bin/sh', arguments: ['-c', script], timeout_seconds: 60 });
    const listen = await sh(
      // nc's input stays open 5 s after the greeting, so it takes what the host sends before it closes.
      '(while true; do (echo "guest 7777 here"; sleep 5) | nc -l -p 7777 >>/tmp/got-7777; done) >/dev/null 2>&1 </dev/null &' +
        ' (while true; do (echo "guest 7778 here"; sleep 5) | nc -l -p 7778 >>/tmp/got-7778; done) >/dev/null 2>&1 </dev/null &' +
        ' sleep 1; netstat -tln',
    );
    assert.match(listen.stdout, /:7777 .*LISTEN/);
    assert.match(listen.stdout, /:7778 .*LISTEN/);
    assert.equal(await exchange('127.0.0.1', local, 'hello 7777 from the host\n'), 'guest 7777 here\n');
    assert.equal(await exchange('127.0.0.2', everywhere, 'hello 7778 from the host\n'), 'guest 7778 here\n');
    assert.equal((await sh('cat /tmp/got-7777 /tmp/got-7778')).stdout, 'hello 7777 from the host\nhello 7778 from the host\n');
    // A port a running VM's passt holds is refused for another forward by the model already.
    assert.equal((await refused(client.vmgate.portForwards.create(vm, { host_port: local, guest_port: 22 })))[0], 'ALREADY_EXISTS');

    // While it runs, changes wait for the next power-on.
    assert.deepEqual(await client.vmgate.portForwards.create(vm, { host_port: later, guest_port: 7777 }), { port_forward: `tcp-${later}`, pending_until_power_on: true });
    assert.equal(await accepts('127.0.0.1', later), 'error ECONNREFUSED');
    assert.deepEqual(await client.vmgate.portForwards.delete(vm, `tcp-${everywhere}`), { port_forward: `tcp-${everywhere}`, pending_until_power_on: true });
    assert.equal(await accepts('127.0.0.1', everywhere), 'accepted', 'the running network keeps what it started with');

    await client.power.stop(vm);
    // passt ends with its QEMU (a moment after it: passt sees QEMU's socket close).
    await until('passt to end with its QEMU', 30_000, async () => ((await accepts('127.0.0.1', local)) === 'error ECONNREFUSED' ? true : undefined));
    kept = local;
  });

  it('a revert to a memory snapshot starts QEMU with the forwards', async () => {
    assert.ok(kept > 0, 'the first test left a forward');
    const core = s.server.core;
    await client.power.start(vm);
    await until('guest tools', DEADLINE_MS, async () => ((await client.guest.power.get(vm)).operations_ready ? true : undefined));
    assert.equal(await accepts('127.0.0.1', kept), 'accepted');
    const made = await core.tasks.wait(SYSTEM_CALLER, (await core.snapshots.create(SYSTEM_CALLER, vm, { name: 'running', includeMemory: true })).id);
    assert.equal(made.state, 'success', JSON.stringify(made.error));
    await client.power.stop(vm);
    await until('passt to end with its QEMU', 30_000, async () => ((await accepts('127.0.0.1', kept)) === 'error ECONNREFUSED' ? true : undefined));
    // The revert starts QEMU (the VM was off): passt must listen again.
    const reverted = await core.tasks.wait(SYSTEM_CALLER, (await core.snapshots.revert(SYSTEM_CALLER, vm)).id);
    assert.equal(reverted.state, 'success', JSON.stringify(reverted.error));
    assert.equal((await client.power.get(vm)).state, 'POWERED_ON');
    assert.equal(await accepts('127.0.0.1', kept), 'accepted');
    await client.power.stop(vm);
  });

  it('power off then power on at once, several times, while passt lags behind its QEMU or hangs: the stop ends it, and each run the forward reaches a listener in the guest', async () => {
    const port = await freePort();
    assert.deepEqual(await client.vmgate.portForwards.create(vm, { host_port: port, guest_port: 7790 }), { port_forward: `tcp-${port}`, pending_until_power_on: false });
    const sh = async (script: string) => client.vmgate.guest.run(vm, ROOT, { path: '/bin/sh', arguments: ['-c', script], timeout_seconds: 60 });
    // How each run's passt ends after its QEMU: at once; 3 s late (it was not scheduled: stopped,
    // then continued); never (it hangs: stopped for good, so only SIGKILL ends it); at once
    // again (the run after the hung one has its forward too).
    const lags = ['none', 'late', 'hung', 'none'] as const;
    for (const [i, lag] of lags.entries()) {
      const run = i + 1;
      await client.power.start(vm);
      assert.equal((await client.power.get(vm)).state, 'POWERED_ON', `run ${run}`);
      await until(`guest tools (run ${run})`, DEADLINE_MS, async () => ((await client.guest.power.get(vm)).operations_ready ? true : undefined));
      const listen = await sh(`rm -f /tmp/got-7790; (while true; do (echo "guest run ${run} here"; sleep 5) | nc -l -p 7790 >>/tmp/got-7790; done) >/dev/null 2>&1 </dev/null & sleep 1; netstat -tln`);
      assert.match(listen.stdout, /:7790 .*LISTEN/, `run ${run}`);
      assert.equal(await exchange('127.0.0.1', port, `hello run ${run}\n`), `guest run ${run} here\n`, `run ${run}`);
      assert.equal((await sh('cat /tmp/got-7790')).stdout, `hello run ${run}\n`, `run ${run}`);
      const passt = passtWithForward(`127.0.0.1/${port}:7790`);
      assert.equal(passt.length, 1, `run ${run}: one passt holds the forward`);
      const pid = passt[0]!;
      if (lag !== 'none') {
        stopped.add(pid);
        process.kill(pid, 'SIGSTOP');
        if (lag === 'late') setTimeout(() => signalIfAlive(pid, 'SIGCONT'), 3_000).unref();
      }
      await client.power.stop(vm);
      // The stop is reported once that passt let go of the port: nothing listens there now.
      assert.equal(await accepts('127.0.0.1', port), 'error ECONNREFUSED', `run ${run}`);
      assert.deepEqual(passtWithForward(`127.0.0.1/${port}:7790`), [], `run ${run}`);
      assert.equal((await client.power.get(vm)).state, 'POWERED_OFF', `run ${run}`);
    }

    // The guest shuts itself down while its passt hangs: the power-on right after it ends that
    // passt before it starts the new one, which gets the forward.
    await client.power.start(vm);
    await until('guest tools (run 5)', DEADLINE_MS, async () => ((await client.guest.power.get(vm)).operations_ready ? true : undefined));
    const [hung] = passtWithForward(`127.0.0.1/${port}:7790`);
    assert.ok(hung !== undefined, 'run 5: a passt holds the forward');
    stopped.add(hung);
    process.kill(hung, 'SIGSTOP');
    await client.guest.power.shutdown(vm);
    await until('the guest to power off by itself', DEADLINE_MS, async () => ((await client.power.get(vm)).state === 'POWERED_OFF' ? true : undefined));
    await client.power.start(vm);
    assert.deepEqual(passtWithForward(`127.0.0.1/${port}:7790`).filter((pid) => pid === hung), [], 'run 5: the hung passt is gone');
    await until('guest tools (run 5, again)', DEADLINE_MS, async () => ((await client.guest.power.get(vm)).operations_ready ? true : undefined));
    await sh('rm -f /tmp/got-7790; (while true; do (echo "guest run 5 here"; sleep 5) | nc -l -p 7790 >>/tmp/got-7790; done) >/dev/null 2>&1 </dev/null & sleep 1');
    assert.equal(await exchange('127.0.0.1', port, 'hello run 5\n'), 'guest run 5 here\n');
    await client.power.stop(vm);
  });
});

/** Pids of the live processes (passt) whose command line holds the forward `spec` (`127.0.0.1/<port>:<guest port>`). */
function passtWithForward(spec: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let argv: string[];
    let state: string;
    try {
      argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    } catch {
      continue; // gone meanwhile
    }
    if (state !== 'Z' && argv.includes('--socket') && argv.includes(spec)) pids.push(Number(name));
  }
  return pids;
}

function signalIfAlive(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone
  }
}

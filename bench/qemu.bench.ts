/**
 * Real guests under QEMU (the test guest of scripts/build-test-guest.sh by kernel boot,
 * 1 vCPU, 256 MiB, TCG unless BENCH_QEMU_ACCEL=kvm), through vmgate in this process (core +
 * the QEMU driver + SQLite) beside QEMU and its agent driven by hand:
 *
 * - power on → tools ready: core power on + wait for tools, beside a plain
 *   `qemu-system-x86_64` command line (same machine type, accelerator, memory, CPUs, kernel,
 *   disk, NIC and agent channel; none of vmgate's QMP, VGA, USB tablet or VNC) whose agent
 *   is pinged until it answers. Boots alternate between the two (BENCH_QEMU_BOOTS each).
 * - guest exec round trip of `true`: core.guest.runProgram (login check, `su`, the
 *   wrapper script, a task, an event) beside bare guest-exec + guest-exec-status polling
 *   (the same back-off) on the plain guest (BENCH_QEMU_EXECS each).
 * - suspend and resume (to tools ready) through core (BENCH_QEMU_SUSPENDS times).
 *
 * One guest runs at a time (the QEMU test lock is held, so tests booting guests wait).
 * Skips with a message when QEMU or the test guest is missing.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Core, SYSTEM_CALLER } from '../src/core/index.ts';
import type { GuestCredentials } from '../src/core/ports/driver.ts';
import { GuestAgentClient } from '../src/drivers/qemu/guest-agent-client.ts';
import { createQemuDriver } from '../src/drivers/qemu/qemu-driver.ts';
import { createSimDriver } from '../src/drivers/sim/sim-driver.ts';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import { acquireQemuTestLock, killQemuUnder, qemuTestGuest } from '../test/support/qemu-guest.ts';
import type { QemuTestGuest } from '../test/support/qemu-guest.ts';
import { percentile, report } from './lib.ts';
import type { Measure } from './lib.ts';
import { datastoreFiles } from '../src/datastore/index.ts';

const BOOTS = Number(process.env.BENCH_QEMU_BOOTS ?? 3);
const EXECS = Number(process.env.BENCH_QEMU_EXECS ?? 20);
const SUSPENDS = Number(process.env.BENCH_QEMU_SUSPENDS ?? 3);
const ACCEL = process.env.BENCH_QEMU_ACCEL === 'kvm' ? 'kvm' : 'tcg';
const MEMORY_MIB = 256;
const TOOLS_TIMEOUT_MS = 300_000;
const ROOT: GuestCredentials = { username: 'root', password: 'vmware' };
const silent = { info: () => undefined, warn: () => undefined };

const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;
const sleep = (n: number): Promise<void> => new Promise((r) => setTimeout(r, n));

function series(label: string, latenciesMs: readonly number[]): Measure {
  return { label, ops: latenciesMs.length, seconds: latenciesMs.reduce((a, b) => a + b, 0) / 1000, latenciesMs };
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function line(label: string, xs: readonly number[]): void {
  console.log(`  ${label.padEnd(52)} mean ${mean(xs).toFixed(0).padStart(6)} ms  p50 ${percentile(xs, 50).toFixed(0)} ms  p99 ${percentile(xs, 99).toFixed(0)} ms  (n=${xs.length})`);
}

/** The same guest by hand: a plain command line and its agent socket. */
class PlainGuest {
  private child: ChildProcess | null = null;
  readonly agentSocket: string;
  constructor(
    private readonly dir: string,
    private readonly guest: QemuTestGuest,
    private readonly disk: string,
  ) {
    this.agentSocket = join(dir, 'qga.sock');
  }

  argv(): string[] {
    return [
      '-name', 'guest=bench-plain', '-no-user-config', '-nodefaults',
      '-machine', `q35,accel=${ACCEL}`, ...(ACCEL === 'kvm' ? ['-cpu', 'host'] : []),
      '-smp', 'cpus=1', '-m', `${MEMORY_MIB}M`, '-display', 'none',
      '-kernel', this.guest.kernel, '-initrd', this.guest.initrd, '-append', this.guest.cmdline,
      '-chardev', `socket,id=qga0,path=${this.agentSocket},server=on,wait=off`,
      '-device', 'virtio-serial-pci,id=vser0',
      '-device', 'virtserialport,bus=vser0.0,chardev=qga0,name=org.qemu.guest_agent.0',
      '-serial', `file:${join(this.dir, 'serial.log')}`,
      '-blockdev', JSON.stringify({ driver: 'qcow2', 'node-name': 'disk0', file: { driver: 'file', filename: this.disk } }),
      '-device', 'virtio-scsi-pci,id=scsi0', '-device', 'scsi-hd,bus=scsi0.0,drive=disk0',
      '-netdev', 'user,id=net0', '-device', 'virtio-net-pci,netdev=net0',
    ];
  }

  /** Starts QEMU and resolves with a connected agent once it answers guest-ping. */
  async boot(binary: string): Promise<GuestAgentClient> {
    let exited: string | null = null;
    let stderr = '';
    const child = spawn(binary, this.argv(), { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    child.on('exit', (code, signal) => (exited = signal ?? `exit code ${code}`));
    const agent = new GuestAgentClient(this.agentSocket, { connectTimeoutMs: 1_000, syncTimeoutMs: 1_000 });
    const deadline = Date.now() + TOOLS_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (exited !== null) throw new Error(`plain QEMU ended (${exited}): ${stderr.trim()}`);
      if (await agent.ping(1_000)) return agent;
      await sleep(100);
    }
    agent.close();
    throw new Error(`the plain guest's agent did not answer within ${TOOLS_TIMEOUT_MS / 1000} s`);
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await gone;
  }
}

/** guest-exec of `true` and guest-exec-status until it exited, polled as the driver polls. */
async function rawExec(agent: GuestAgentClient): Promise<void> {
  const pid = await agent.exec({ path: '/bin/true', captureOutput: true });
  let interval = 10;
  for (;;) {
    const st = await agent.execStatus(pid);
    if (st.exited) {
      if (st.exitCode !== 0) throw new Error(`true exited ${st.exitCode}`);
      return;
    }
    await sleep(interval);
    interval = Math.min(interval * 2, 250);
  }
}

export async function benchQemu(): Promise<void> {
  console.log('\n## QEMU driver: real guests (power on → tools, guest exec, suspend/resume)');
  const { guest, missing } = qemuTestGuest();
  if (missing !== null) {
    console.log(`  skipped: ${missing}`);
    return;
  }
  const version = spawnSync(guest.qemuBinary, ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0];
  console.log(`  ${version}; accelerator ${ACCEL}; guest ${guest.dir} (kernel boot), 1 vCPU, ${MEMORY_MIB} MiB`);

  const release = await acquireQemuTestLock();
  const dir = await mkdtemp(join(tmpdir(), 'vmgate-bench-qemu-'));
  const store = await openSqliteStore({ path: join(dir, 'vmgate.db') });
  const qemu = createQemuDriver({ accel: ACCEL, qemuBinary: guest.qemuBinary, qemuImg: guest.qemuImg, log: silent });
  const core = new Core({ store, files: datastoreFiles, drivers: new Map([['sim', createSimDriver({ speed: 1000 })], ['qemu', qemu]]), config: { datastoreRoot: join(dir, 'ds'), defaultDriver: 'qemu' } });
  await core.start();
  const c = SYSTEM_CALLER;
  const plainDir = join(dir, 'plain');
  await mkdir(plainDir);
  const plainDisk = join(plainDir, 'disk0.qcow2');
  spawnSync(guest.qemuImg, ['create', '-q', '-f', 'qcow2', plainDisk, '64M'], { stdio: 'inherit' });
  const plain = new PlainGuest(plainDir, guest, plainDisk);
  let vmId = '';
  try {
    const dc = await core.inventory.createDatacenter(c, 'bench-dc');
    const ds = await core.inventory.createDatastore(c, { name: 'bench-ds', datacenterId: dc.id });
    const host = await core.inventory.createHost(c, { name: 'bench-qemu', datacenterId: dc.id, driver: 'qemu', cpuCount: 2, memoryMiB: 4096, datastoreIds: [ds.id] });
    vmId = (
      await core.vms.create(c, {
        name: 'bench-guest',
        guestOs: 'otherlinux-64',
        cpuCount: 1,
        memoryMiB: MEMORY_MIB,
        disks: [{ capacityMiB: 64 }],
        nics: [{ model: 'virtio', connected: true }],
        kernelBoot: { kernel: guest.kernel, initrd: guest.initrd, cmdline: guest.cmdline },
        placement: { hostId: host.id, datastoreId: ds.id },
      })
    ).id;
    const powerOnToTools = async (): Promise<void> => {
      await core.tasks.result(c, await core.power.run(c, vmId, 'powerOn'));
      await core.tasks.result(c, await core.power.waitForTools(c, vmId, TOOLS_TIMEOUT_MS));
    };
    const powerOff = async (): Promise<void> => {
      await core.tasks.result(c, await core.power.run(c, vmId, 'powerOff', { hard: true }));
    };

    // 1. Power on → tools ready, alternating vmgate and the plain command line.
    const vmgateBoots: number[] = [];
    const plainBoots: number[] = [];
    for (let i = 0; i < BOOTS; i++) {
      let t0 = process.hrtime.bigint();
      await powerOnToTools();
      vmgateBoots.push(ms(t0));
      await powerOff();
      t0 = process.hrtime.bigint();
      const agent = await plain.boot(guest.qemuBinary);
      plainBoots.push(ms(t0));
      agent.close();
      await plain.stop();
    }
    report('QEMU: power on → tools ready (kernel boot)', series('vmgate: core power on + wait for tools', vmgateBoots), series('plain qemu-system-x86_64, agent guest-ping', plainBoots), 'ratio < 1: vmgate is slower by 1/ratio');
    line('vmgate power on → tools ready', vmgateBoots);
    line('plain QEMU start → agent answers', plainBoots);

    // 2. Guest exec round trips: raw agent on the plain guest, then through core.
    const rawLat: number[] = [];
    const agent = await plain.boot(guest.qemuBinary);
    try {
      await rawExec(agent); // warm-up
      for (let i = 0; i < EXECS; i++) {
        const t0 = process.hrtime.bigint();
        await rawExec(agent);
        rawLat.push(ms(t0));
      }
    } finally {
      agent.close();
      await plain.stop();
    }
    await powerOnToTools();
    const coreLat: number[] = [];
    const runTrue = async (): Promise<void> => {
      const r = await core.tasks.result<{ exitCode: number }>(c, await core.guest.runProgram(c, vmId, ROOT, { path: '/bin/true', args: [], captureOutput: true }));
      if (r.exitCode !== 0) throw new Error(`true exited ${r.exitCode}`);
    };
    await runTrue(); // warm-up (the login check is remembered for 5 minutes)
    for (let i = 0; i < EXECS; i++) {
      const t0 = process.hrtime.bigint();
      await runTrue();
      coreLat.push(ms(t0));
    }
    report(`QEMU: guest exec of \`true\`, round trip (n=${EXECS})`, series('vmgate: core.guest.runProgram as root', coreLat), series('qemu-ga guest-exec + guest-exec-status', rawLat), 'per-call overhead: login cache, su + wrapper, task, event');
    line('core.guest.runProgram', coreLat);
    line('raw guest-exec + guest-exec-status', rawLat);

    // 3. Suspend and resume (to tools ready) through core.
    const suspends: number[] = [];
    const resumes: number[] = [];
    const resumesToTools: number[] = [];
    for (let i = 0; i < SUSPENDS; i++) {
      let t0 = process.hrtime.bigint();
      await core.tasks.result(c, await core.power.run(c, vmId, 'suspend'));
      suspends.push(ms(t0));
      t0 = process.hrtime.bigint();
      await core.tasks.result(c, await core.power.run(c, vmId, 'powerOn'));
      resumes.push(ms(t0));
      await core.tasks.result(c, await core.power.waitForTools(c, vmId, TOOLS_TIMEOUT_MS));
      resumesToTools.push(ms(t0));
    }
    console.log(`\n## QEMU: suspend to a .vmss file and resume, ${MEMORY_MIB} MiB guest`);
    line('suspend (stop, migrate to file, quit)', suspends);
    line('resume (start -incoming, load, cont)', resumes);
    line('resume → tools ready', resumesToTools);
    await powerOff();
  } finally {
    await plain.stop().catch(() => undefined);
    const id = vmId;
    if (id && (await core.vms.get(c, id)).powerState !== 'poweredOff') {
      await core.power.runAndWait(c, id, 'powerOff', { hard: true }).catch(() => undefined);
    }
    await core.close(1000);
    await store.close();
    killQemuUnder(dir);
    await rm(dir, { recursive: true, force: true });
    release();
  }
}

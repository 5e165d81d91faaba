/**
 * The `nat` network of a QEMU guest: one passt process per NIC (https://passt.top),
 * started before QEMU, which connects to it with `-netdev stream` over a unix socket.
 *
 * passt runs with `--no-map-gw`: without it, connections from the guest to its default
 * gateway's address reach the host's loopback (as slirp's 10.0.2.2 does), where VNC
 * consoles and vmgate's plain HTTP port listen. With it, the gateway is the real one and
 * the host's loopback is out of the guest's reach. The VM's port forwards (`portForwards`)
 * go to the passt of its first nat NIC as `-t`/`-u` options (`<host address>/<host
 * port>:<guest port>`); nothing else is forwarded into the guest.
 * `--one-off` makes passt end when its QEMU disconnects; like QEMU it runs detached, so it
 * outlives a control-plane restart. Its messages go to `passt.log` in the VM's folder.
 *
 * passt ends a moment after its QEMU, and until then it holds the forwards' host ports. So
 * the driver writes each passt's pid next to its socket (`n<i>.pid`, written by the driver
 * when it spawns passt: passt's own `--pid` file appears only after the socket does) and,
 * before it reports a stop done or starts a run, waits for the VM's passt processes of an
 * earlier run to be gone ({@link endPassts}): a control plane restarted in between finds
 * them through those files.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PortForward } from '../../core/model/index.ts';
import type { DriverVm } from '../../core/ports/driver.ts';
import { exists, logTail, sleep } from './fs-helpers.ts';
import { qemuError } from './qemu-error.ts';
import { isProcessAlive, processArgv, readPidFile, waitForProcessExit } from './qemu-process.ts';

export interface PasstProcess {
  readonly socket: string;
  /** Ends it (when QEMU did not start: otherwise it ends with QEMU). */
  stop(): void;
}

const READY_TIMEOUT_MS = 10_000;

/** The file holding the pid of the passt on `socket` (`…/n0.sock` → `…/n0.pid`). */
export function passtPidFile(socket: string): string {
  return socket.replace(/\.sock$/, '') + '.pid';
}

/** How long {@link endPassts} lets a passt end by itself, then after SIGTERM, then after SIGKILL. */
export interface EndPasstsTimeouts {
  readonly graceMs: number;
  readonly termMs: number;
  readonly killMs: number;
}

const END_TIMEOUTS: EndPasstsTimeouts = { graceMs: 5_000, termMs: 2_000, killMs: 2_000 };

/**
 * Waits until no passt of an earlier run of the VM whose sockets live in `socketDir` is
 * left (each found through its `n<i>.pid` file and checked to be passt on that socket, so
 * a reused pid is left alone): it gets `graceMs` to end by itself (with `--one-off` it ends
 * once its QEMU is gone), then SIGTERM, then SIGKILL. Removes the pid files. Resolves with
 * the pids it had to signal (empty when every passt ended by itself).
 */
export async function endPassts(socketDir: string, timeouts: EndPasstsTimeouts = END_TIMEOUTS): Promise<number[]> {
  let names: string[];
  try {
    names = await readdir(socketDir);
  } catch {
    return [];
  }
  const signalled: number[] = [];
  await Promise.all(
    names
      .filter((n) => /^n\d+\.pid$/.test(n))
      .map(async (name) => {
        const file = join(socketDir, name);
        const pid = await readPidFile(file);
        if (pid !== null && (await isPasstOn(pid, join(socketDir, name.replace(/\.pid$/, '.sock'))))) {
          if (!(await waitForProcessExit(pid, timeouts.graceMs, 50))) {
            signalled.push(pid);
            signal(pid, 'SIGTERM');
            if (!(await waitForProcessExit(pid, timeouts.termMs, 50))) {
              signal(pid, 'SIGKILL');
              await waitForProcessExit(pid, timeouts.killMs, 50);
            }
          }
        }
        await rm(file, { force: true });
      }),
  );
  return signalled;
}

/** True when `pid` is a live process started with `--socket <socket>` (passt of that socket). */
async function isPasstOn(pid: number, socket: string): Promise<boolean> {
  if (!(await isProcessAlive(pid))) return false;
  const argv = await processArgv(pid);
  if (argv.length === 0) return true; // no /proc: trust the pid file
  const i = argv.indexOf('--socket');
  return i >= 0 && argv[i + 1] === socket;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** Starts passt for each socket (NIC index → socket path); resolves once every socket exists. */
export async function startPassts(binary: string, vm: DriverVm, sockets: ReadonlyMap<number, string>): Promise<PasstProcess[]> {
  const started: PasstProcess[] = [];
  try {
    for (const socket of sockets.values()) started.push(await startPasst(binary, vm, socket, started.length === 0 ? (vm.portForwards ?? []) : []));
    return started;
  } catch (e) {
    for (const p of started) p.stop();
    throw e;
  }
}

/** passt's options for the forwards: `-t 127.0.0.1/2222:22`, `-u 0.0.0.0/5353:53`. */
export function passtForwardArgs(forwards: readonly PortForward[]): string[] {
  return forwards.flatMap((f) => [f.protocol === 'udp' ? '-u' : '-t', `${f.hostAddress}/${f.hostPort}:${f.guestPort}`]);
}

async function startPasst(binary: string, vm: DriverVm, socket: string, forwards: readonly PortForward[]): Promise<PasstProcess> {
  await Promise.all([rm(socket, { force: true }), rm(passtPidFile(socket), { force: true })]);
  const log = join(vm.dir, 'passt.log');
  const fd = openSync(log, 'a', 0o600);
  let child: ChildProcess;
  try {
    // --runas as ourselves: started by root, passt would become nobody before it binds the
    // socket, and nobody cannot write the VM's folder (it still sandboxes itself).
    const runas = typeof process.getuid === 'function' ? ['--runas', `${process.getuid()}:${process.getgid!()}`] : [];
    child = spawn(binary, ['--foreground', '--one-off', '--quiet', '--no-map-gw', ...runas, ...passtForwardArgs(forwards), '--socket', socket], { detached: true, stdio: ['ignore', fd, fd], cwd: vm.dir });
  } finally {
    closeSync(fd);
  }
  child.unref();
  if (child.pid !== undefined) {
    try {
      await writeFile(passtPidFile(socket), `${child.pid}\n`, { mode: 0o600 });
    } catch (e) {
      child.kill('SIGTERM');
      throw qemuError('internal', `cannot write the pid file of passt for ${vm.name}: ${(e as Error).message}`, { cause: e });
    }
  }
  let failure: Error | null = null;
  let exited = false;
  child.once('error', (e: NodeJS.ErrnoException) => {
    failure =
      e.code === 'ENOENT'
        ? qemuError('unsupported', `${vm.name} has a NIC on a nat network, which needs passt, and '${binary}' is not installed (Debian/Ubuntu: apt install passt); or put the NIC on the 'isolated' network`, { cause: e })
        : qemuError('internal', `cannot start ${binary} for ${vm.name}: ${e.message}`, { cause: e });
  });
  child.once('exit', () => (exited = true));
  const stop = (): void => {
    if (!exited) child.kill('SIGTERM');
  };
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (failure) throw failure;
    if (exited) throw qemuError('internal', `passt for ${vm.name} ended before it listened on ${socket}: ${await logTail(log)}`);
    if (await exists(socket)) return { socket, stop };
    if (Date.now() > deadline) {
      stop();
      throw qemuError('timed_out', `passt for ${vm.name} did not listen on ${socket} within ${READY_TIMEOUT_MS / 1000} s: ${await logTail(log)}`);
    }
    await sleep(20);
  }
}

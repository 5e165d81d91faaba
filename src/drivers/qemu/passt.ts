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
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { PortForward } from '../../core/model/index.ts';
import type { DriverVm } from '../../core/ports/driver.ts';
import { exists, logTail, sleep } from './fs-helpers.ts';
import { qemuError } from './qemu-error.ts';

export interface PasstProcess {
  readonly socket: string;
  /** Ends it (when QEMU did not start: otherwise it ends with QEMU). */
  stop(): void;
}

const READY_TIMEOUT_MS = 10_000;

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
  await rm(socket, { force: true });
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

/**
 * Does KVM really work here? /dev/kvm can exist while a nested guest hangs in early boot,
 * so the proof is a small Linux guest (kernel + initrd with qemu-ga, as
 * scripts/build-test-guest.sh builds) that reaches its guest agent under KVM within a
 * deadline. Without such a guest nothing proves KVM, and the answer is TCG.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GuestAgentClient } from './guest-agent-client.ts';
import type { QemuAccel } from './command-line.ts';

export interface ProbeGuest {
  readonly kernel: string;
  readonly initrd: string;
  readonly cmdline?: string;
}

export interface AccelDecision {
  readonly accel: QemuAccel;
  readonly reason: string;
}

export interface KvmProbeOptions {
  readonly qemuBinary: string;
  readonly probeGuest: ProbeGuest | null;
  /** Default 20 s. */
  readonly deadlineMs?: number;
}

export async function probeKvm(opts: KvmProbeOptions): Promise<AccelDecision> {
  try {
    await access('/dev/kvm', constants.R_OK | constants.W_OK);
  } catch {
    return { accel: 'tcg', reason: '/dev/kvm is missing or not accessible' };
  }
  const guest = opts.probeGuest;
  if (!guest) return { accel: 'tcg', reason: 'no probe guest to prove KVM works (build one with scripts/build-test-guest.sh)' };
  try {
    await access(guest.kernel, constants.R_OK);
    await access(guest.initrd, constants.R_OK);
  } catch {
    return { accel: 'tcg', reason: `probe guest ${guest.kernel} / ${guest.initrd} not readable` };
  }
  const deadlineMs = opts.deadlineMs ?? 20_000;
  const dir = await mkdtemp(join(tmpdir(), 'vmgate-kvm-probe-'));
  const agentSocket = join(dir, 'qga.sock');
  const argv = [
    '-no-user-config', '-nodefaults', '-display', 'none',
    '-machine', 'q35,accel=kvm', '-cpu', 'host', '-m', '256M', '-smp', '1',
    '-kernel', guest.kernel, '-initrd', guest.initrd, '-append', guest.cmdline ?? 'console=ttyS0 quiet',
    '-chardev', `socket,id=qga0,path=${agentSocket},server=on,wait=off`,
    '-device', 'virtio-serial-pci,id=vser0',
    '-device', 'virtserialport,bus=vser0.0,chardev=qga0,name=org.qemu.guest_agent.0',
  ];
  const started = Date.now();
  const child = spawn(opts.qemuBinary, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let exited: string | null = null;
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
  });
  child.on('exit', (code, signal) => {
    exited = signal ? `signal ${signal}` : `exit code ${code}`;
  });
  child.on('error', (e) => {
    exited = e.message;
  });
  const agent = new GuestAgentClient(agentSocket, { connectTimeoutMs: 1_000, syncTimeoutMs: 1_000 });
  try {
    while (Date.now() - started < deadlineMs) {
      if (exited !== null) return { accel: 'tcg', reason: `KVM probe QEMU ended (${exited}): ${stderr.trim().split('\n').pop() ?? ''}` };
      if (await agent.ping(1_000)) return { accel: 'kvm', reason: `a KVM guest reached its agent in ${((Date.now() - started) / 1000).toFixed(1)} s` };
      await new Promise((r) => setTimeout(r, 250));
    }
    return { accel: 'tcg', reason: `a KVM guest did not reach its agent within ${deadlineMs / 1000} s` };
  } finally {
    agent.close();
    if (exited === null) {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
    await rm(dir, { recursive: true, force: true });
  }
}

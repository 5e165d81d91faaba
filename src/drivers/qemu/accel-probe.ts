/**
 * Does KVM really work here? /dev/kvm can exist while QEMU cannot use it (nested
 * virtualization that refuses the host CPU's MSRs, a guest that hangs), so the proof is
 * to run code under KVM, with the CPU model vmgate's guests get (`-cpu host`): a 64 KiB
 * firmware image made on the fly, whose reset vector (real mode, F000:FFF0) writes a random
 * byte to the `isa-debug-exit` port. QEMU then exits with `(byte << 1) | 1`; that exit code,
 * within the deadline, proves KVM ran the code. Nothing from the checkout is needed.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { randomInt } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { QemuAccel } from './command-line.ts';

export interface AccelDecision {
  readonly accel: QemuAccel;
  readonly reason: string;
}

export interface KvmProbeOptions {
  readonly qemuBinary: string;
  /** Default 10 s. */
  readonly deadlineMs?: number;
}

/** Where the probe's firmware image writes its byte (QEMU's isa-debug-exit device). */
const DEBUG_EXIT_PORT = 0xf4;
const IMAGE_SIZE = 64 * 1024;

/**
 * A 64 KiB firmware image: `hlt` everywhere, and at the reset vector (offset 0xFFF0, i.e.
 * F000:FFF0) `mov al, value; out 0xf4, al; hlt; jmp $-1`. `value` is 1–127.
 */
export function probeImage(value: number): Buffer {
  if (!Number.isInteger(value) || value < 1 || value > 127) throw new RangeError(`probe value ${value} is not 1–127`);
  const image = Buffer.alloc(IMAGE_SIZE, 0xf4);
  Buffer.from([0xb0, value, 0xe6, DEBUG_EXIT_PORT, 0xf4, 0xeb, 0xfd]).copy(image, 0xfff0);
  return image;
}

/** The exit code of a QEMU whose guest wrote `value` to isa-debug-exit. */
export function probeExitCode(value: number): number {
  return (value << 1) | 1;
}

export interface ProbeRun {
  readonly ok: boolean;
  /** What happened, for the decision's reason. */
  readonly detail: string;
  readonly ms: number;
}

/** Boots the probe image under `accel` and checks the exit code. */
export async function runProbe(qemuBinary: string, accel: QemuAccel, deadlineMs: number): Promise<ProbeRun> {
  const dir = await mkdtemp(join(tmpdir(), 'vmgate-kvm-probe-'));
  const value = randomInt(1, 128);
  const image = join(dir, 'probe.bin');
  await writeFile(image, probeImage(value), { mode: 0o600 });
  const argv = [
    '-no-user-config', '-nodefaults', '-display', 'none', '-serial', 'none', '-monitor', 'none',
    '-machine', `q35,accel=${accel}`, ...(accel === 'kvm' ? ['-cpu', 'host'] : []), '-m', '16', '-smp', '1',
    '-bios', image,
    '-device', `isa-debug-exit,iobase=0x${DEBUG_EXIT_PORT.toString(16)},iosize=0x04`,
  ];
  const started = Date.now();
  try {
    return await new Promise<ProbeRun>((resolve) => {
      const child = spawn(qemuBinary, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => {
        stderr = (stderr + d.toString()).slice(-2000);
      });
      const lastLine = () => stderr.trim().split('\n').filter((l) => !/warning:/.test(l)).pop() ?? '';
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve({ ok: false, detail: `the probe did not finish within ${deadlineMs / 1000} s`, ms: Date.now() - started });
      }, deadlineMs);
      child.once('error', (e) => {
        clearTimeout(timer);
        resolve({ ok: false, detail: `QEMU could not be started (${e.message})`, ms: Date.now() - started });
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        const ms = Date.now() - started;
        if (code === probeExitCode(value)) resolve({ ok: true, detail: `the probe ran in ${(ms / 1000).toFixed(1)} s`, ms });
        else if (signal !== 'SIGKILL' || Date.now() - started < deadlineMs) resolve({ ok: false, detail: `QEMU ended (${signal ? `signal ${signal}` : `exit code ${code}`})${lastLine() ? `: ${lastLine()}` : ''}`, ms });
      });
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function probeKvm(opts: KvmProbeOptions): Promise<AccelDecision> {
  try {
    await access('/dev/kvm', constants.R_OK | constants.W_OK);
  } catch {
    return { accel: 'tcg', reason: '/dev/kvm is missing or not accessible to vmgate' };
  }
  const run = await runProbe(opts.qemuBinary, 'kvm', opts.deadlineMs ?? 10_000);
  if (run.ok) return { accel: 'kvm', reason: `KVM works: code ran under KVM with -cpu host (${run.detail})` };
  return { accel: 'tcg', reason: `KVM does not work here: ${run.detail}` };
}

/**
 * What the parts of the QEMU driver share: its resolved options, the QEMU processes it
 * watches, the per-VM chain that keeps starts and stops of one VM apart, the event
 * listeners and the accelerator decision. One object, handed to every part.
 */
import type { DriverEvent, DriverVm } from '../../core/ports/driver.ts';
import { probeKvm } from './accel-probe.ts';
import type { AccelDecision } from './accel-probe.ts';
import type { QemuInstance } from './qemu-instance.ts';
import { qemuRuntimePaths } from './runtime-paths.ts';
import type { QemuRuntimePaths } from './runtime-paths.ts';

/** Logger shape (pino and core's Logger fit). */
export interface QemuDriverLogger {
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
}

export interface QemuDriverOptions {
  /** 'auto' proves KVM with a probe (accel-probe.ts) before using it, else TCG. */
  readonly accel: 'auto' | 'kvm' | 'tcg';
  /** Default 'qemu-system-x86_64' (from PATH). */
  readonly qemuBinary?: string;
  /** Default 'qemu-img'. */
  readonly qemuImg?: string;
  /** passt, for NICs on a nat network. Default 'passt' (from PATH). */
  readonly passtBinary?: string;
  /** Timeout of one guest agent command. Default 15 s. */
  readonly guestAgentTimeoutMs?: number;
  /** How long the KVM probe of accel 'auto' may take. Default 10 s. */
  readonly probeDeadlineMs?: number;
  /** Short directory for sockets of VMs whose folder path is too long. Default /tmp. */
  readonly runtimeDir?: string;
  /** UEFI firmware for firmware 'efi' (Debian's ovmf package by default). */
  readonly ovmf?: { readonly code: string; readonly vars: string };
  /** Address the VNC consoles listen on (the server's --console-address). Default 127.0.0.1. */
  readonly consoleHost?: string;
  /** How long QEMU may take to open its monitor. Default 30 s. */
  readonly startTimeoutMs?: number;
  /** Soft power-off grace when the caller gives none. Default 60 s. */
  readonly softPowerOffTimeoutMs?: number;
  readonly log?: QemuDriverLogger;
}

const stderrLogger: QemuDriverLogger = {
  info: (obj, msg) => console.error(`[driver.qemu] ${typeof obj === 'string' ? obj : `${msg ?? ''} ${JSON.stringify(obj)}`}`),
  warn: (obj, msg) => console.error(`[driver.qemu] warning: ${typeof obj === 'string' ? obj : `${msg ?? ''} ${JSON.stringify(obj)}`}`),
};

export class QemuDriverState {
  readonly qemuBinary: string;
  readonly qemuImgBinary: string;
  readonly passtBinary: string;
  readonly agentTimeoutMs: number;
  readonly runtimeDir: string;
  readonly consoleHost: string;
  readonly startTimeoutMs: number;
  readonly softPowerOffTimeoutMs: number;
  readonly log: QemuDriverLogger;
  readonly ovmf: { readonly code: string; readonly vars: string };

  readonly listeners = new Set<(event: DriverEvent) => void>();
  /** The QEMU processes this driver watches, by VM id. */
  readonly instances = new Map<string, QemuInstance>();
  /** Attaches in progress, shared by concurrent callers. */
  readonly attaching = new Map<string, Promise<QemuInstance | null>>();
  closed = false;

  /** Per-VM chain: operations that start or stop QEMU never overlap for one VM. */
  private readonly vmChains = new Map<string, Promise<unknown>>();
  private accelDecision: Promise<AccelDecision> | null = null;

  constructor(private readonly opts: QemuDriverOptions) {
    this.qemuBinary = opts.qemuBinary ?? 'qemu-system-x86_64';
    this.qemuImgBinary = opts.qemuImg ?? 'qemu-img';
    this.passtBinary = opts.passtBinary ?? 'passt';
    this.agentTimeoutMs = opts.guestAgentTimeoutMs ?? 15_000;
    this.runtimeDir = opts.runtimeDir ?? '/tmp';
    this.consoleHost = opts.consoleHost ?? '127.0.0.1';
    this.startTimeoutMs = opts.startTimeoutMs ?? 30_000;
    this.softPowerOffTimeoutMs = opts.softPowerOffTimeoutMs ?? 60_000;
    this.log = opts.log ?? stderrLogger;
    this.ovmf = opts.ovmf ?? { code: '/usr/share/OVMF/OVMF_CODE_4M.fd', vars: '/usr/share/OVMF/OVMF_VARS_4M.fd' };
  }

  emit(event: DriverEvent): void {
    for (const l of [...this.listeners]) {
      try {
        l(event);
      } catch {
        // a listener's failure is its own
      }
    }
  }

  /** Options of a qemu-img run. */
  img(signal?: AbortSignal): { binary: string; signal?: AbortSignal } {
    return { binary: this.qemuImgBinary, signal };
  }

  paths(vm: DriverVm): QemuRuntimePaths {
    return qemuRuntimePaths(vm, this.runtimeDir);
  }

  /** Runs `fn` after every earlier serial operation of the VM has ended. */
  serial<T>(vmId: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.vmChains.get(vmId) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.vmChains.set(vmId, tail);
    void tail.then(() => {
      if (this.vmChains.get(vmId) === tail) this.vmChains.delete(vmId);
    });
    return run;
  }

  /** KVM or TCG, decided once (for accel 'auto' the probe of accel-probe.ts decides). */
  resolveAccel(): Promise<AccelDecision> {
    this.accelDecision ??= (async (): Promise<AccelDecision> => {
      let d: AccelDecision;
      if (this.opts.accel === 'kvm') d = { accel: 'kvm', reason: 'chosen with --qemu-accel kvm (not probed)' };
      else if (this.opts.accel === 'tcg') d = { accel: 'tcg', reason: 'chosen with --qemu-accel tcg' };
      else d = await probeKvm({ qemuBinary: this.qemuBinary, ...(this.opts.probeDeadlineMs === undefined ? {} : { deadlineMs: this.opts.probeDeadlineMs }) });
      this.log.info({ accel: d.accel, reason: d.reason }, `QEMU accelerator: ${d.accel} (${d.reason})`);
      return d;
    })();
    return this.accelDecision;
  }
}

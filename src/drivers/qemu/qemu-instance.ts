/**
 * One QEMU process the driver watches: started by this driver (then it is our child and
 * its exit status is known) or found running after a control-plane restart (then the
 * pidfile and the QMP connection tell when it ends). It owns the QMP and guest agent
 * connections, tells the driver when the guest does something by itself (shuts down, is
 * reset, its agent comes up) and never kills the guest when it lets go.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import type { DriverEvent, DriverVm } from '../../core/ports/driver.ts';
import { GuestAgentClient } from './guest-agent-client.ts';
import { QmpClient } from './qmp/qmp-client.ts';
import type { QmpEvent } from './qmp/qmp-client.ts';
import { queryStatus, setVncPassword } from './qmp/qmp-commands.ts';
import { isProcessAlive } from './qemu-process.ts';
import { QemuGuestState } from './qemu-guest-state.ts';
import type { QemuRuntimePaths } from './runtime-paths.ts';

export interface QemuExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly reason: string;
  /** 'info' only for a clean stop: the guest shut down, or QEMU quit over QMP. */
  readonly severity: 'info' | 'warning' | 'error';
}

export interface QemuInstanceOptions {
  readonly vm: DriverVm;
  readonly paths: QemuRuntimePaths;
  readonly pid: number;
  /** Set when this driver started the process. */
  readonly child: ChildProcess | null;
  readonly vncPort: number | null;
  readonly emit: (event: DriverEvent) => void;
  /** Called once when the process is gone or the driver let go. */
  readonly onGone: () => void;
  readonly agentTimeoutMs: number;
  /** Interval of the "is the agent still there" check while tools run. Default 15 s. */
  readonly toolsCheckMs?: number;
}

export class QemuInstance {
  readonly vm: DriverVm;
  readonly paths: QemuRuntimePaths;
  readonly pid: number;
  readonly vncPort: number | null;
  readonly qmp: QmpClient;
  readonly agent: GuestAgentClient;
  /** Caches of guest operations (logins, started programs) that live as long as the process. */
  readonly guest = new QemuGuestState();
  /** The driver is stopping the process: its exit is no news. */
  expectedExit = false;
  /** The driver reset the guest: the RESET event is no news. */
  private expectReset: (() => void) | null = null;
  readonly exited: Promise<QemuExit>;
  /** Set when the QEMU binary could not be started at all. */
  startError: Error | null = null;

  private tools = false;
  private lastShutdown: { guest: boolean; reason: string } | null = null;
  private exitInfo: QemuExit | null = null;
  private resolveExited!: (e: QemuExit) => void;
  private readonly stopWatching = new AbortController();
  private released = false;
  private readonly child: ChildProcess | null;
  private readonly emit: (event: DriverEvent) => void;
  private readonly onGone: () => void;
  private readonly toolsCheckMs: number;

  constructor(opts: QemuInstanceOptions) {
    this.vm = opts.vm;
    this.paths = opts.paths;
    this.pid = opts.pid;
    this.vncPort = opts.vncPort;
    this.child = opts.child;
    this.emit = opts.emit;
    this.onGone = opts.onGone;
    this.toolsCheckMs = opts.toolsCheckMs ?? 15_000;
    this.qmp = new QmpClient(opts.paths.qmpSocket, { connectTimeoutMs: 5_000, commandTimeoutMs: 30_000 });
    this.agent = new GuestAgentClient(opts.paths.agentSocket, { commandTimeoutMs: opts.agentTimeoutMs });
    this.exited = new Promise((resolve) => {
      this.resolveExited = resolve;
    });
    if (this.child) {
      this.child.on('exit', (code, signal) => this.finish(code, signal));
    }
  }

  get alive(): boolean {
    return this.exitInfo === null;
  }

  get toolsRunning(): boolean {
    return this.tools;
  }

  /** Listens to QMP, watches the process and the agent. Call once QMP is connected. */
  watch(): void {
    const signal = this.stopWatching.signal;
    const offEvent = this.qmp.onEvent((ev) => this.onQmpEvent(ev));
    const offClose = this.qmp.onDisconnect(() => void this.onQmpDisconnect());
    signal.addEventListener('abort', () => {
      offEvent();
      offClose();
    });
    if (!this.child) void this.pollProcess(signal);
    void this.watchTools(signal);
  }

  /** Tools came up / went away: remember and tell (once per change). */
  setTools(running: boolean, reason: string): void {
    if (this.tools === running || !this.alive) return;
    this.tools = running;
    if (!this.released) this.emit({ vmId: this.vm.id, toolsState: running ? 'running' : 'unknown', reason, severity: 'info' });
  }

  /** Forget tools without telling (the driver reset or restored the guest itself). */
  clearTools(): void {
    this.tools = false;
  }

  /** Polls the agent until it answers or `timeoutMs` passes. */
  async waitForTools(timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.alive && !signal?.aborted) {
      if (this.tools) return true;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      if (await this.agent.ping(Math.min(2_000, Math.max(200, left)))) {
        this.setTools(true, 'the guest agent answers');
        return true;
      }
      await sleep(Math.min(500, Math.max(0, deadline - Date.now())), signal);
    }
    return this.tools;
  }

  /**
   * The driver is about to reset the guest: its RESET event is expected, not news.
   * `wait` resolves true once it came, false after `timeoutMs`.
   */
  nextReset(): { wait(timeoutMs: number): Promise<boolean> } {
    let seen = false;
    const came = new Promise<void>((resolve) => {
      this.expectReset = () => {
        seen = true;
        resolve();
      };
    });
    return {
      wait: async (timeoutMs) => {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([came, this.exited, new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
        clearTimeout(timer);
        if (!seen) this.expectReset = null;
        return seen;
      },
    };
  }

  /** Stops watching and closes the connections; the process keeps running. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    this.stopWatching.abort();
    this.agent.close();
    await this.qmp.close();
    this.onGone();
  }

  /** The binary could not be started at all: remember why; the process never existed. */
  failStart(error: Error): void {
    this.startError = error;
    this.expectedExit = true;
    this.finish(null, null);
  }

  /** SIGKILL, for when quit did not work. */
  kill(): void {
    if (this.pid <= 1 || !this.alive) return;
    try {
      if (this.child && this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
      else process.kill(this.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }

  /** Resolves true when the process ended within `timeoutMs`. */
  async waitForExit(timeoutMs: number): Promise<boolean> {
    if (!this.alive) return true;
    let timer: NodeJS.Timeout | undefined;
    const r = await Promise.race([this.exited.then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)))]);
    clearTimeout(timer);
    return r;
  }

  private onQmpEvent(ev: QmpEvent): void {
    switch (ev.event) {
      case 'SHUTDOWN':
        this.lastShutdown = { guest: ev.data.guest === true, reason: String(ev.data.reason ?? '') };
        break;
      case 'VNC_INITIALIZED':
        // A client got past VNC authentication: the one-time password is spent. Replace it
        // with one nobody knows (expire_password 'now' would still pass within this second).
        void setVncPassword(this.qmp, randomBytes(6).toString('base64')).catch(() => undefined);
        break;
      case 'RESET':
        if (this.expectReset) {
          this.tools = false;
          this.expectReset();
          this.expectReset = null;
        } else {
          this.setTools(false, ev.data.guest === true ? 'the guest rebooted' : 'the VM was reset');
        }
        break;
      default:
        break;
    }
  }

  private async onQmpDisconnect(): Promise<void> {
    if (this.child) return; // the child's exit event tells
    await this.confirmExit();
  }

  private async pollProcess(signal: AbortSignal): Promise<void> {
    while (!signal.aborted && this.alive) {
      await sleep(2_000, signal);
      if (!signal.aborted && !(await isProcessAlive(this.pid))) this.finish(null, null);
    }
  }

  private async confirmExit(): Promise<void> {
    for (let i = 0; i < 100 && this.alive && !this.released; i++) {
      if (!(await isProcessAlive(this.pid))) {
        this.finish(null, null);
        return;
      }
      await sleep(100);
    }
  }

  private async watchTools(signal: AbortSignal): Promise<void> {
    let misses = 0;
    while (!signal.aborted && this.alive) {
      if (!this.tools) {
        if (await this.agent.ping(2_000)) {
          misses = 0;
          this.setTools(true, 'the guest agent answers');
        } else {
          await sleep(1_000, signal);
        }
        continue;
      }
      await sleep(this.toolsCheckMs, signal);
      if (signal.aborted || !this.tools) continue;
      if (await this.agent.ping(5_000)) {
        misses = 0;
        continue;
      }
      // A paused guest cannot answer; that is not the agent's fault.
      const st = await queryStatus(this.qmp, { timeoutMs: 5_000 }).catch(() => null);
      if (st?.status === 'running' && ++misses >= 2) this.setTools(false, 'the guest agent stopped answering');
    }
  }

  private finish(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.exitInfo) return;
    const info = describeExit(code, signal, this.lastShutdown);
    this.exitInfo = info;
    this.stopWatching.abort();
    this.agent.close();
    void this.qmp.close();
    this.tools = false;
    // After release() the files may already belong to a newer process of this VM.
    if (!this.released) this.cleanup();
    this.resolveExited(info);
    if (!this.released) {
      this.released = true;
      this.onGone();
      if (!this.expectedExit) this.emit({ vmId: this.vm.id, powerState: 'poweredOff', reason: info.reason, severity: info.severity, clean: info.severity === 'info' });
    }
  }

  /**
   * Removes the run's files before the exit is reported (synchronously: four unlinks), so
   * that whoever hears "powered off" finds no stale pidfile or socket, and a newer process
   * of this VM cannot have written them yet.
   */
  private cleanup(): void {
    // QEMU removes its pidfile on a clean exit, not when killed.
    for (const f of [this.paths.runtimeRecord, this.paths.pidFile, this.paths.qmpSocket, this.paths.agentSocket]) {
      try {
        rmSync(f, { force: true });
      } catch {
        // Best effort: a file that cannot be removed is replaced by the next start.
      }
    }
  }
}

export function describeExit(code: number | null, signal: NodeJS.Signals | null, shutdown: { guest: boolean; reason: string } | null): QemuExit {
  if (shutdown?.guest) return { code, signal, reason: 'guest shut down', severity: 'info' };
  const how = signal ? `signal ${signal}` : code !== null ? `exit code ${code}` : null;
  if (shutdown?.reason === 'host-signal') return { code, signal, reason: `QEMU process exited after a signal${how ? ` (${how})` : ''}`, severity: 'warning' };
  if (shutdown?.reason === 'host-qmp-quit') return { code, signal, reason: 'QEMU process exited (quit over QMP)', severity: 'info' };
  if (how === null) return { code, signal, reason: 'QEMU process exited', severity: 'warning' };
  return { code, signal, reason: `QEMU process exited (${how})`, severity: signal || code !== 0 ? 'error' : 'warning' };
}

/** Resolves after `ms`, or at once when `signal` aborts (watchers must not outlive close()). */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

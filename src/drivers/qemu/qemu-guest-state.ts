import type { GuestProcessInfo, GuestProcessResult } from '../../core/ports/driver.ts';

/** A program started through the driver, and how it ended once known. */
export interface TrackedProcess {
  readonly info: GuestProcessInfo;
  result: GuestProcessResult | null;
  /** The one poll loop waiting for its end (shared by every waiter). */
  waiting: Promise<GuestProcessResult> | null;
}

const MAX_TRACKED = 1000;

/**
 * What the driver remembers about one running guest: verified logins (for `authTtlMs`),
 * permission checks of files being transferred in chunks, programs it started. Dropped
 * with the QEMU process.
 */
export class QemuGuestState {
  private readonly logins = new Map<string, number>();
  private readonly access = new Map<string, number>();
  readonly processes = new Map<number, TrackedProcess>();

  constructor(
    private readonly authTtlMs = 5 * 60_000,
    private readonly accessTtlMs = 30_000,
  ) {}

  isLoggedIn(key: string): boolean {
    const until = this.logins.get(key);
    if (until === undefined) return false;
    if (until < Date.now()) {
      this.logins.delete(key);
      return false;
    }
    return true;
  }

  rememberLogin(key: string): void {
    this.logins.set(key, Date.now() + this.authTtlMs);
  }

  hasAccess(key: string): boolean {
    const until = this.access.get(key);
    return until !== undefined && until >= Date.now();
  }

  rememberAccess(key: string): void {
    if (this.access.size > 1000) this.access.clear();
    this.access.set(key, Date.now() + this.accessTtlMs);
  }

  forgetAccess(): void {
    this.access.clear();
  }

  track(info: GuestProcessInfo): TrackedProcess {
    if (this.processes.size >= MAX_TRACKED) {
      for (const [pid, p] of this.processes) {
        if (p.result) {
          this.processes.delete(pid);
          break;
        }
      }
    }
    const t: TrackedProcess = { info, result: null, waiting: null };
    this.processes.set(info.pid, t);
    return t;
  }
}

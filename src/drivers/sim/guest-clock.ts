import { performance } from 'node:perf_hooks';

interface Timer {
  readonly deadline: number;
  readonly fire: () => void;
  handle: NodeJS.Timeout | null;
}

/** Why a guest sleep ended early: the guest was halted or the process was killed. */
export class GuestHalted extends Error {
  constructor() {
    super('the guest was halted');
    this.name = 'GuestHalted';
  }
}

/**
 * Guest time: milliseconds that pass like real time while the guest runs and stand still
 * while it is paused or suspended. Guest timers (sleeping processes, tools start-up)
 * follow it, so a `sleep 30` started before a suspend is still running after the resume.
 */
export class GuestClock {
  #base = performance.now();
  #frozenAt: number | null = null;
  #frozenTotal = 0;
  #disposed = false;
  readonly #timers = new Set<Timer>();

  /** Guest milliseconds since the clock was made. */
  now(): number {
    return (this.#frozenAt ?? performance.now()) - this.#base - this.#frozenTotal;
  }

  get frozen(): boolean {
    return this.#frozenAt !== null;
  }

  freeze(): void {
    if (this.#frozenAt !== null || this.#disposed) return;
    this.#frozenAt = performance.now();
    for (const t of this.#timers) this.#disarm(t);
  }

  thaw(): void {
    if (this.#frozenAt === null || this.#disposed) return;
    this.#frozenTotal += performance.now() - this.#frozenAt;
    this.#frozenAt = null;
    for (const t of this.#timers) this.#arm(t);
  }

  /** Runs `fn` after `ms` of guest time; returns a function that cancels it. */
  schedule(ms: number, fn: () => void): () => void {
    if (this.#disposed) return () => undefined;
    const t: Timer = {
      deadline: this.now() + Math.max(0, ms),
      fire: () => {
        this.#timers.delete(t);
        fn();
      },
      handle: null,
    };
    this.#timers.add(t);
    if (this.#frozenAt === null) this.#arm(t);
    return () => {
      this.#disarm(t);
      this.#timers.delete(t);
    };
  }

  /** Waits `ms` of guest time; rejects with `signal.reason` on abort, GuestHalted on dispose. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (this.#disposed) return Promise.reject(new GuestHalted());
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        cancel();
        this.#haltWaiters.delete(onHalt);
        reject(signal?.reason);
      };
      const onHalt = (): void => {
        signal?.removeEventListener('abort', onAbort);
        reject(new GuestHalted());
      };
      const cancel = this.schedule(ms, () => {
        signal?.removeEventListener('abort', onAbort);
        this.#haltWaiters.delete(onHalt);
        resolve();
      });
      this.#haltWaiters.add(onHalt);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  readonly #haltWaiters = new Set<() => void>();

  /** Stops every timer for good; pending sleeps reject with GuestHalted. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const t of this.#timers) this.#disarm(t);
    this.#timers.clear();
    const waiters = [...this.#haltWaiters];
    this.#haltWaiters.clear();
    for (const w of waiters) w();
  }

  #arm(t: Timer): void {
    this.#disarm(t);
    t.handle = setTimeout(t.fire, Math.max(0, t.deadline - this.now()));
  }

  #disarm(t: Timer): void {
    if (t.handle !== null) clearTimeout(t.handle);
    t.handle = null;
  }
}

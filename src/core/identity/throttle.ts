import { unauthenticated } from '../errors.ts';

interface SourceState {
  failures: number;
  lastFailureMs: number;
  inFlight: number;
}

export interface ThrottleSettings {
  readonly windowMs: number;
  readonly delayAfterFailures: number;
  readonly delayMs: number;
  readonly delayMaxMs: number;
  readonly inFlightPerSource: number;
}

const MAX_SOURCES = 10_000;

/**
 * Per source address, in memory: logins in progress (bounded) and recent failures (against
 * any account, known or not), which slow that address's next attempts down progressively.
 * Nothing here locks an account: that is the per-(account, source) LoginFailure in the store.
 */
export class SourceThrottle {
  private readonly sources = new Map<string, SourceState>();

  constructor(private readonly settings: () => ThrottleSettings) {}

  /** Admits one login attempt from `source`; call the returned function when it is over. */
  enter(source: string): () => void {
    const s = this.state(source);
    if (s.inFlight >= Math.max(1, this.settings().inFlightPerSource)) {
      throw unauthenticated(`too many logins in progress from ${source}: try again later`, { module: 'core.identity', reason: 'login_throttled' });
    }
    s.inFlight++;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      s.inFlight--;
      this.forgetIfIdle(source, s);
    };
  }

  /** How long an attempt from `source` waits before its password is checked. */
  delayMs(source: string, nowMs: number): number {
    const { windowMs, delayAfterFailures, delayMs, delayMaxMs } = this.settings();
    const s = this.sources.get(source);
    if (!s || delayMs <= 0 || nowMs - s.lastFailureMs >= windowMs) return 0;
    const over = s.failures - delayAfterFailures;
    if (over < 0) return 0;
    return Math.min(delayMaxMs, delayMs * 2 ** Math.min(over, 30));
  }

  failed(source: string, nowMs: number): void {
    const s = this.state(source);
    s.failures = nowMs - s.lastFailureMs >= this.settings().windowMs ? 1 : s.failures + 1;
    s.lastFailureMs = nowMs;
    // Most recently failing last: the oldest idle sources are dropped first.
    this.sources.delete(source);
    this.sources.set(source, s);
  }

  /** Recent failures from `source` (0 once the window has passed). */
  failures(source: string, nowMs: number): number {
    const s = this.sources.get(source);
    return s && nowMs - s.lastFailureMs < this.settings().windowMs ? s.failures : 0;
  }

  private state(source: string): SourceState {
    let s = this.sources.get(source);
    if (!s) {
      if (this.sources.size >= MAX_SOURCES) this.evict();
      s = { failures: 0, lastFailureMs: -Infinity, inFlight: 0 };
      this.sources.set(source, s);
    }
    return s;
  }

  private forgetIfIdle(source: string, s: SourceState): void {
    if (s.inFlight === 0 && s.failures === 0) this.sources.delete(source);
  }

  private evict(): void {
    for (const [k, s] of this.sources) {
      if (s.inFlight === 0) this.sources.delete(k);
      if (this.sources.size < MAX_SOURCES * 0.9) return;
    }
  }
}

/** '::ffff:127.0.0.2' → '127.0.0.2'; empty or missing → 'local' (the server's own tools). */
export function normaliseSource(source: string | undefined): string {
  if (!source) return 'local';
  const s = source.trim().toLowerCase();
  if (s.startsWith('::ffff:') && s.includes('.')) return s.slice(7);
  return s.slice(0, 64) || 'local';
}

/** Serialises work per key: the attempts of one (account, source) run one after another. */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = prev.then(() => mine);
    this.tails.set(key, tail);
    await prev;
    try {
      return await fn();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

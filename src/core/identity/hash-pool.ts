import { unauthenticated } from '../errors.ts';

export interface HashPoolLimits {
  /** Jobs running at once. */
  readonly concurrency: number;
  /** Jobs one source may have running at once (below `concurrency`: the rest is for others). */
  readonly runningPerSource: number;
  /** Jobs (queued and running) one source may have. */
  readonly perSource: number;
  /** Jobs queued in all. */
  readonly total: number;
}

/**
 * Password hashing off the request path's shared resources: scrypt runs on libuv's thread
 * pool (never the event loop), at most `concurrency` at a time, so that the pool's other
 * threads stay free for file I/O and memory stays bounded (16 MiB per scrypt). One source
 * runs at most `runningPerSource` of them, and a source over its limit is refused at once.
 *
 * Fairness: each source's jobs wait in a queue of their own (in order), and a free slot goes
 * to the waiting source served longest ago (or never): a source that has just had a hash,
 * queued or not, goes behind every other waiting source. So a flood from one address waits
 * behind itself: however many of its hashes are queued, another address's login waits for
 * at most the hashes already running.
 */
export class HashPool {
  private running = 0;
  private queued = 0;
  /** Per source, its waiting jobs in order. */
  private readonly queues = new Map<string, (() => void)[]>();
  private readonly held = new Map<string, number>();
  private readonly runningBy = new Map<string, number>();
  /** Per source holding jobs: when it was last given a slot (a tick of `served`). */
  private readonly lastServed = new Map<string, number>();
  private served = 0;

  constructor(private readonly limits: () => HashPoolLimits) {}

  /** Runs `job` when a slot is free; throws unauthenticated (login_throttled) when the source or the pool is full. */
  async run<T>(source: string, job: () => Promise<T>): Promise<T> {
    const { perSource, total } = this.limits();
    const mine = this.held.get(source) ?? 0;
    if (mine >= Math.max(1, perSource) || this.queued >= total) {
      throw unauthenticated(`too many logins in progress from ${source}: try again later`, { module: 'core.identity', reason: 'login_throttled' });
    }
    this.held.set(source, mine + 1);
    try {
      // A job of its own already waiting goes first (a source's jobs keep their order).
      if (!this.queues.has(source) && this.canStart(source)) this.started(source);
      else {
        this.queued++;
        await new Promise<void>((start) => {
          const q = this.queues.get(source);
          if (q) q.push(start);
          else this.queues.set(source, [start]);
        });
      }
      try {
        return await job();
      } finally {
        this.finished(source);
      }
    } finally {
      bump(this.held, source, -1);
      if (!this.held.has(source)) this.lastServed.delete(source);
    }
  }

  private canStart(source: string): boolean {
    const { concurrency, runningPerSource } = this.limits();
    return this.running < Math.max(1, concurrency) && (this.runningBy.get(source) ?? 0) < Math.max(1, runningPerSource);
  }

  private started(source: string): void {
    this.running++;
    bump(this.runningBy, source, 1);
    this.lastServed.set(source, ++this.served);
  }

  /** Frees the slot and, while slots are free, starts the next job of the waiting source served longest ago. */
  private finished(source: string): void {
    this.running--;
    bump(this.runningBy, source, -1);
    for (;;) {
      let next: string | undefined;
      let nextServed = Infinity;
      for (const s of this.queues.keys()) {
        const at = this.lastServed.get(s) ?? 0;
        if (at < nextServed && this.canStart(s)) {
          next = s;
          nextServed = at;
        }
      }
      if (next === undefined) return;
      const q = this.queues.get(next)!;
      const start = q.shift()!;
      if (q.length === 0) this.queues.delete(next);
      this.queued--;
      this.started(next);
      start();
    }
  }

  /** For tests and the bench: jobs running and waiting. */
  get load(): { running: number; queued: number } {
    return { running: this.running, queued: this.queued };
  }
}

function bump(m: Map<string, number>, key: string, by: number): void {
  const v = (m.get(key) ?? 0) + by;
  if (v <= 0) m.delete(key);
  else m.set(key, v);
}

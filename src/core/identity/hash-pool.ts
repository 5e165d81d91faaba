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
 * runs at most `runningPerSource` of them, waiting jobs are taken round-robin across
 * sources, and a source over its limit is refused at once: a flood from one address waits
 * behind itself, not in front of everyone else.
 */
export class HashPool {
  private running = 0;
  private queued = 0;
  /** Per source, its waiting jobs in order; the Map's order is the round-robin order. */
  private readonly queues = new Map<string, (() => void)[]>();
  private readonly held = new Map<string, number>();
  private readonly runningBy = new Map<string, number>();

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
      if (this.canStart(source)) this.started(source);
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
    }
  }

  private canStart(source: string): boolean {
    const { concurrency, runningPerSource } = this.limits();
    return this.running < Math.max(1, concurrency) && (this.runningBy.get(source) ?? 0) < Math.max(1, runningPerSource);
  }

  private started(source: string): void {
    this.running++;
    bump(this.runningBy, source, 1);
  }

  /** Frees the slot and starts waiting jobs, one per source in turn, while slots are free. */
  private finished(source: string): void {
    this.running--;
    bump(this.runningBy, source, -1);
    let progress = true;
    while (progress) {
      progress = false;
      for (const [s, q] of this.queues) {
        if (!this.canStart(s)) continue;
        const start = q.shift()!;
        this.queues.delete(s);
        if (q.length) this.queues.set(s, q); // to the back of the line
        this.queued--;
        this.started(s);
        start();
        progress = true;
        break;
      }
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

import { unauthenticated } from '../errors.ts';

export interface HashPoolLimits {
  /** Jobs running at once. */
  readonly concurrency: number;
  /** Jobs (queued and running) one source may have. */
  readonly perSource: number;
  /** Jobs queued in all. */
  readonly total: number;
}

/**
 * Password hashing off the request path's shared resources: scrypt runs on libuv's thread
 * pool (never the event loop), at most `concurrency` at a time, so that the pool's other
 * threads stay free for file I/O and memory stays bounded (16 MiB per scrypt). Waiting jobs
 * are taken round-robin across sources, and a source over its limit is refused at once, so a
 * flood from one address waits behind itself, not in front of everyone else.
 */
export class HashPool {
  private running = 0;
  private queued = 0;
  /** Per source, its waiting jobs in order; the Map's order is the round-robin order. */
  private readonly queues = new Map<string, (() => void)[]>();
  private readonly held = new Map<string, number>();

  constructor(private readonly limits: () => HashPoolLimits) {}

  /** Runs `job` when a slot is free; throws unauthenticated (login_throttled) when the source or the pool is full. */
  async run<T>(source: string, job: () => Promise<T>): Promise<T> {
    const { concurrency, perSource, total } = this.limits();
    const mine = this.held.get(source) ?? 0;
    if (mine >= Math.max(1, perSource) || this.queued >= total) {
      throw unauthenticated(`too many logins in progress from ${source}: try again later`, { module: 'core.identity', reason: 'login_throttled' });
    }
    this.held.set(source, mine + 1);
    try {
      if (this.running >= Math.max(1, concurrency)) {
        this.queued++;
        await new Promise<void>((start) => {
          const q = this.queues.get(source);
          if (q) q.push(start);
          else this.queues.set(source, [start]);
        });
      } else {
        this.running++;
      }
      try {
        return await job();
      } finally {
        this.next();
      }
    } finally {
      const left = (this.held.get(source) ?? 1) - 1;
      if (left === 0) this.held.delete(source);
      else this.held.set(source, left);
    }
  }

  /** Hands the finished job's slot to the next source in turn. */
  private next(): void {
    const first = this.queues.entries().next();
    if (first.done) {
      this.running--;
      return;
    }
    const [source, q] = first.value;
    const start = q.shift()!;
    this.queues.delete(source);
    if (q.length) this.queues.set(source, q); // to the back of the line
    this.queued--;
    start(); // the slot passes on: running stays the same
  }

  /** For tests and the bench: jobs running and waiting. */
  get load(): { running: number; queued: number } {
    return { running: this.running, queued: this.queued };
  }
}

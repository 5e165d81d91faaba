import type { Logger } from '../../core/index.ts';
import type { RdvJob } from '../../protocols/rdv/contract.ts';
import { soapAction } from '../../protocols/rdv/contract.ts';
import { encodeJobUpdated } from '../../protocols/rdv/envelope.ts';

/** Where JobUpdated goes: the configured addresses, and the prefixes a ReplyTo address must start with. */
export interface CallbackConfig {
  /** Callback addresses every job is reported to. */
  readonly urls: readonly string[];
  /** URL prefixes a WS-Addressing ReplyTo address must start with to be used (empty: ReplyTo is ignored). */
  readonly allow: readonly string[];
}

/**
 * Whether a ReplyTo address is on the allow-list: an http(s) URL without credentials whose
 * origin (scheme, host, port) is a prefix's and whose path starts with the prefix's path.
 * Compared parsed, not as text (`http://good.example` must not allow `http://good.example.evil.test`).
 */
export function callbackAllowed(url: string, allow: readonly string[]): boolean {
  if (url.length > 2048 || !URL.canParse(url)) return false;
  const u = new URL(url);
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.username !== '' || u.password !== '') return false;
  return allow.some((p) => {
    if (!URL.canParse(p)) return false;
    const a = new URL(p);
    return a.origin === u.origin && u.pathname.startsWith(a.pathname);
  });
}

const RETRY_DELAYS_MS = [200, 500, 1000, 2000, 4000];
const POST_TIMEOUT_MS = 5000;
const MAX_QUEUE = 100;

/**
 * Sends JobUpdated as SOAP 1.1 POSTs: per job and address one queue, in order; a failed
 * POST is retried with back-off (then dropped, logged); nothing here ever waits in the
 * job's path. Progress updates that pile up behind a slow address are coalesced (the
 * final one is always kept).
 */
export class CallbackSender {
  private readonly queues = new Map<string, { items: { job: RdvJob; final: boolean }[]; busy: boolean }>();
  private stopped = false;
  private readonly abort = new AbortController();

  constructor(
    private readonly log: Logger,
    private readonly config: CallbackConfig,
  ) {}

  /** The addresses a job reports to: the configured ones, plus an allowed ReplyTo. */
  targets(replyTo: string | null): string[] {
    const out = [...this.config.urls];
    if (replyTo && callbackAllowed(replyTo, this.config.allow) && !out.includes(replyTo)) out.push(replyTo);
    return out;
  }

  send(jobId: string, urls: readonly string[], job: RdvJob, final: boolean): void {
    if (this.stopped) return;
    for (const url of urls) {
      const key = `${jobId} ${url}`;
      let q = this.queues.get(key);
      if (!q) this.queues.set(key, (q = { items: [], busy: false }));
      // Coalesce: a waiting progress update is replaced by the newer one.
      const last = q.items[q.items.length - 1];
      if (last && !last.final) q.items.pop();
      if (q.items.length < MAX_QUEUE) q.items.push({ job, final });
      if (!q.busy) void this.drain(key, url, q);
    }
  }

  /** Stops sending: queued updates are dropped, POSTs in flight are aborted. */
  stop(): void {
    this.stopped = true;
    this.abort.abort();
  }

  private async drain(key: string, url: string, q: { items: { job: RdvJob; final: boolean }[]; busy: boolean }): Promise<void> {
    q.busy = true;
    try {
      for (let item = q.items.shift(); item && !this.stopped; item = q.items.shift()) await this.post(url, item.job);
    } finally {
      q.busy = false;
      if (q.items.length === 0) this.queues.delete(key);
    }
  }

  private async post(url: string, job: RdvJob): Promise<void> {
    const body = encodeJobUpdated(job);
    for (let attempt = 0; ; attempt++) {
      try {
        const r = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${soapAction('JobUpdated')}"` },
          body,
          signal: AbortSignal.any([AbortSignal.timeout(POST_TIMEOUT_MS), this.abort.signal]),
        });
        await r.arrayBuffer().catch(() => undefined);
        if (r.ok) return;
        throw new Error(`HTTP ${r.status}`);
      } catch (e) {
        const delay = RETRY_DELAYS_MS[attempt];
        if (delay === undefined || this.stopped) {
          this.log.warn({ err: e, url, job: job.ID }, 'RDV JobUpdated could not be delivered');
          return;
        }
        await new Promise((res) => setTimeout(res, delay).unref());
      }
    }
  }
}

/**
 * The guest file transfer URLs that vm.guest.filesystem.create hands out and
 * `/guestFile/<token>` serves (transfer-route.ts). A token lives in memory, per Core, and
 * binds everything the later GET or PUT needs: who asked, which VM, the guest login, the
 * path and (uploads) the size and overwrite flag. It dies after TRANSFER_TTL_MS or after
 * one successful request; a failed request leaves it usable until then (as vSphere's
 * URL "becomes invalid once a successful request is sent").
 */
import { randomBytes } from 'node:crypto';
import type { Caller, CoreApi } from '../../../core/index.ts';
import { resourceExhausted } from '../../../core/errors.ts';
import type { GuestLogin } from './guest-credentials.ts';

/** 5 minutes (vSphere allows 10; the shorter window limits what a leaked URL gives away). */
export const TRANSFER_TTL_MS = 5 * 60_000;
const MAX_LIVE = 10_000;

export interface GuestTransfer {
  readonly direction: 'download' | 'upload';
  readonly caller: Caller;
  /** The VM's id (resolved when the URL was made). */
  readonly vmId: string;
  readonly login: GuestLogin;
  readonly path: string;
  /** Upload: the declared size, the body must be exactly this long. Download: the size when the URL was made. */
  readonly size: number;
  /** Upload: replace an existing file. */
  readonly overwrite: boolean;
  readonly expiresAt: number;
}

/** A request's hold on a transfer; call exactly one of them when the request ends. */
export interface TransferClaim {
  readonly transfer: GuestTransfer;
  /** It worked: the URL is spent. */
  succeeded(): void;
  /** It did not: the URL may be used again until it expires. */
  failed(): void;
}

export class GuestTransferTokens {
  readonly #live = new Map<string, { transfer: GuestTransfer; busy: boolean }>();

  constructor(private readonly now: () => number) {}

  /** A new URL token (43 url-safe characters, 256 random bits). */
  issue(t: Omit<GuestTransfer, 'expiresAt'>): string {
    this.#prune();
    if (this.#live.size >= MAX_LIVE) throw resourceExhausted(`there are ${MAX_LIVE} unused guest file transfer URLs: use or let some expire first`, { module: 'face.vapi' });
    const token = randomBytes(32).toString('base64url');
    this.#live.set(token, { transfer: { ...t, expiresAt: this.now() + TRANSFER_TTL_MS }, busy: false });
    return token;
  }

  /** Takes a transfer for one request: 'unknown' (never issued, spent or expired) or 'busy' (another request holds it). */
  claim(token: string): TransferClaim | 'unknown' | 'busy' {
    this.#prune();
    const e = this.#live.get(token);
    if (!e) return 'unknown';
    if (e.busy) return 'busy';
    e.busy = true;
    let done = false;
    return {
      transfer: e.transfer,
      succeeded: () => {
        if (done) return;
        done = true;
        this.#live.delete(token);
      },
      failed: () => {
        if (done) return;
        done = true;
        e.busy = false;
      },
    };
  }

  get size(): number {
    return this.#live.size;
  }

  #prune(): void {
    const now = this.now();
    for (const [k, e] of this.#live) if (!e.busy && e.transfer.expiresAt <= now) this.#live.delete(k);
  }
}

const PER_CORE = new WeakMap<CoreApi, GuestTransferTokens>();

/** The transfer tokens of one vmgate (one Core), timed by core's clock. */
export function guestTransferTokens(core: CoreApi): GuestTransferTokens {
  let t = PER_CORE.get(core);
  if (!t) {
    t = new GuestTransferTokens(() => core.now().getTime());
    PER_CORE.set(core, t);
  }
  return t;
}

import { randomBytes, randomUUID } from 'node:crypto';

/**
 * Broker sessions as the View client sees them: one cookie, `JSESSIONID`. Before login
 * it names a small pre-login state (the locale, the disclaimer accepted, an expired
 * password's account) the face keeps in memory, bounded; after
 * login it is core's session token, so core judges idle and absolute expiry and a
 * server restart keeps logged-in clients logged in.
 */

export const SESSION_COOKIE = 'JSESSIONID';
export const LOCATION_COOKIE = 'com.vmware.vdi.broker.location.id';
const PRE_PREFIX = 'p.';

export interface PreLogin {
  locale: string | null;
  /** The disclaimer screen was accepted in this session (it comes before the password). */
  disclaimerAccepted: boolean;
  /** The account whose right password has expired: the windows-password-expired screen changes it (never a name the client sends then). */
  expired: { readonly userName: string; readonly domain: string } | null;
  readonly createdAt: number;
}

export class PreLoginStore {
  readonly #entries = new Map<string, PreLogin>();

  constructor(
    private readonly now: () => number,
    private readonly max = 10000,
    private readonly ttlMs = 15 * 60 * 1000,
  ) {}

  get(id: string): PreLogin | undefined {
    const e = this.#entries.get(id);
    if (e && this.now() - e.createdAt > this.ttlMs) {
      this.#entries.delete(id);
      return undefined;
    }
    return e;
  }

  /** A new pre-login session; the oldest goes when the store is full. */
  create(): { id: string; entry: PreLogin } {
    while (this.#entries.size >= this.max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
    const id = PRE_PREFIX + randomBytes(18).toString('base64url');
    const entry: PreLogin = { locale: null, disclaimerAccepted: false, expired: null, createdAt: this.now() };
    this.#entries.set(id, entry);
    return { id, entry };
  }

  delete(id: string): void {
    this.#entries.delete(id);
  }

  get size(): number {
    return this.#entries.size;
  }
}

export function isPreLoginId(v: string): boolean {
  return v.startsWith(PRE_PREFIX);
}

/** The value of cookie `name` in a Cookie header (the last one wins), if any. */
export function readCookie(header: string | string[] | undefined, name: string): string | null {
  const text = Array.isArray(header) ? header.join('; ') : (header ?? '');
  let found: string | null = null;
  for (const part of text.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    if (part.slice(0, i).trim() === name) found = part.slice(i + 1).trim().replace(/^"(.*)"$/, '$1');
  }
  return found !== null && /^[A-Za-z0-9._~-]{1,256}$/.test(found) ? found : null;
}

/** A Set-Cookie value: HttpOnly, SameSite=Strict, Secure on HTTPS; maxAge 0 clears it. */
export function setCookie(name: string, value: string, opts: { secure: boolean; maxAge?: number }): string {
  return `${name}=${value}; Path=/broker; HttpOnly; SameSite=Strict${opts.secure ? '; Secure' : ''}${opts.maxAge !== undefined ? `; Max-Age=${opts.maxAge}` : ''}`;
}

export function newLocationId(): string {
  return randomUUID();
}

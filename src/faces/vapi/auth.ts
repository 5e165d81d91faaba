import type { Caller, CoreApi } from '../../core/index.ts';
import { unauthenticated } from '../../core/errors.ts';
import type { SecurityContext } from '../../protocols/vapi/codec/index.ts';

export interface Authenticated {
  readonly caller: Caller;
  readonly token: string | null;
}

const SCHEME_NAMES: Readonly<Record<string, string>> = {
  saml_bearer: 'com.vmware.vapi.std.security.saml_bearer_token',
  saml_hok: 'com.vmware.vapi.std.security.saml_hok_token',
  oauth: 'com.vmware.vapi.std.security.oauth',
};

/**
 * Resolves a security context to a caller. session_id → the session; user_pass → the
 * account (no session is created: that is session.create's job). SAML and OAuth are not
 * supported here and say so by name. `source` is the client's address: lockouts and login
 * throttling are keyed to it.
 */
export async function authenticate(core: CoreApi, sec: SecurityContext, source?: string): Promise<Authenticated> {
  switch (sec.scheme) {
    case 'session_id': {
      const { caller } = await core.identity.authenticate(sec.sessionId);
      return { caller, token: sec.sessionId };
    }
    case 'user_pass':
      return { caller: await core.identity.verifyCredentials(sec.userName, sec.password, source), token: null };
    case 'none':
      throw unauthenticated('this operation needs authentication: log in with com.vmware.cis.session.create and send the session id', { module: 'face.vapi' });
    case 'unsupported':
      throw unauthenticated(`security scheme '${sec.schemeId}' is not supported: ${sec.problem}`, { module: 'face.vapi' });
    default:
      throw unauthenticated(`security scheme ${SCHEME_NAMES[sec.scheme] ?? sec.scheme} is not supported by vmgate; use com.vmware.vapi.std.security.user_pass or session_id`, { module: 'face.vapi' });
  }
}

/** The cookie a browser session rides in (`POST /api/session` with {@link WEB_HEADER} sets it). */
export const SESSION_COOKIE = 'vmgate-session';
/**
 * The header that makes a request a web page's own: only with it is {@link SESSION_COOKIE}
 * read. A page of another site cannot add a custom header to a request without a CORS
 * preflight, which vmgate never grants, so a cookie alone (a cross-site form, an image,
 * a link) authenticates nothing: that is the CSRF protection.
 */
export const WEB_HEADER = 'x-vmgate-web';

type Headers = Readonly<Record<string, string | string[] | undefined>>;

/** Whether the request says it comes from vmgate's web app (`X-Vmgate-Web: 1`). */
export function isWebRequest(headers: Headers): boolean {
  return headers[WEB_HEADER] === '1';
}

/** `Set-Cookie` for a new browser session: never readable by scripts, never sent cross-site, HTTPS only. */
export function sessionCookie(token: string): string {
  return `${SESSION_COOKIE}=${token}; HttpOnly; Secure; SameSite=Strict; Path=/`;
}

/** `Set-Cookie` that removes the browser session's cookie (logout). */
export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE}=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0`;
}

/** The session token in the request's `vmgate-session` cookie (the first one: a browser sends the most specific path first), or null. */
export function sessionCookieOf(headers: Headers): string | null {
  const raw = headers.cookie;
  if (typeof raw !== 'string') return null;
  let found: string | null = null;
  for (const part of raw.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    if (part.slice(0, i).trim() !== SESSION_COOKIE) continue;
    const value = part.slice(i + 1).trim();
    if (value !== '') found ??= value;
  }
  return found;
}

/**
 * REST: `vmware-api-session-id`, else HTTP Basic (per request, or for POST /api/session),
 * else the `vmgate-session` cookie, but only on a request with `X-Vmgate-Web: 1` (without
 * it the cookie is ignored).
 */
export function restSecurity(headers: Headers): SecurityContext {
  const sid = headers['vmware-api-session-id'];
  if (typeof sid === 'string' && sid.length > 0) return { scheme: 'session_id', sessionId: sid, source: 'header' };
  const auth = headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(auth);
    if (m) {
      const text = Buffer.from(m[1]!, 'base64').toString('utf8');
      const i = text.indexOf(':');
      if (i > 0) return { scheme: 'user_pass', userName: text.slice(0, i), password: text.slice(i + 1) };
      return { scheme: 'unsupported', schemeId: 'Basic', problem: 'the Basic credentials are not user:password' };
    }
    const scheme = auth.split(/\s+/)[0] ?? '';
    if (/^(SIGN|SAML|Bearer)$/i.test(scheme)) return { scheme: 'unsupported', schemeId: scheme, problem: 'use Basic or a session id' };
  }
  if (isWebRequest(headers)) {
    const cookie = sessionCookieOf(headers);
    if (cookie !== null) return { scheme: 'session_id', sessionId: cookie, source: 'cookie' };
  }
  return { scheme: 'none' };
}

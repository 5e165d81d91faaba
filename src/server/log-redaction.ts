/**
 * What the request log may not hold. A guest transfer URL (`/guestFile/<token>`) and a
 * console proxy URL (`/console/vnc/<ticket>`) are bearer credentials, so the token is replaced by `[redacted]` before a URL is logged;
 * so are query parameters that carry credentials. Session ids travel in headers, which
 * pino's `redact` paths cover (src/server/serve.ts).
 */

/** Path prefixes whose next segment is a credential. */
const TOKEN_PATHS = /(\/guestFile\/|\/console\/vnc\/)[^/?#]+/gi;
const TOKEN_QUERY = /([?&](?:token|ticket|session_?id|vmware-api-session-id|password)=)[^&#]*/gi;

export function redactUrl(url: string): string {
  return url.replace(TOKEN_PATHS, '$1[redacted]').replace(TOKEN_QUERY, '$1[redacted]');
}

interface LoggedRequest {
  readonly method?: string;
  readonly url?: string;
  readonly host?: string;
  readonly ip?: string;
  readonly socket?: { readonly remotePort?: number };
}

/**
 * pino serializers for the server's logger; fastify uses them instead of its own (same
 * fields as fastify's `req`, with the URL redacted).
 */
export const LOG_SERIALIZERS = {
  req(req: LoggedRequest): Record<string, unknown> {
    return { method: req.method, url: typeof req.url === 'string' ? redactUrl(req.url) : req.url, host: req.host, remoteAddress: req.ip, remotePort: req.socket?.remotePort };
  },
};

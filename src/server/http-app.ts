import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { Core, Logger } from '../core/index.ts';
import type { HttpMount } from '../faces/face.ts';
import { TLS_PROFILE } from './tls.ts';
import { VERSION } from './version.ts';

export interface HttpAppOptions {
  readonly core: Core;
  readonly log: Logger & { child?: unknown };
  /** The HTTP parts of the running faces: each prefix a plugin of its own. */
  readonly mounts: readonly HttpMount[];
  readonly https?: { key: string; cert: string };
  readonly bodyLimit: number;
  readonly startedAt: number;
  readonly driver: string;
  /** QEMU's accelerator and why (null when QEMU is not enabled): shown by /healthz. */
  readonly accelerator?: { readonly name: string; readonly reason: string } | null;
}

/** The Content-Security-Policy of an HTML page (the web UI): its own origin only, never framed. */
export const PAGE_CSP = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
/** The Content-Security-Policy of everything else (JSON, XML, files): nothing to load, never framed. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'";

/**
 * The security headers every response of the HTTP listeners carries, whichever face or
 * route answers (404s and errors too):
 *
 * | header | value | why |
 * |---|---|---|
 * | Strict-Transport-Security | `max-age=31536000` (HTTPS only) | browsers stay on HTTPS |
 * | X-Content-Type-Options | `nosniff` | a JSON or file body is never run as a script or page |
 * | X-Frame-Options | `DENY` | no framing (clickjacking); CSP `frame-ancestors 'none'` says it too |
 * | Content-Security-Policy | {@link PAGE_CSP} on `text/html`, {@link API_CSP} otherwise | unless the face set its own |
 * | Referrer-Policy | `no-referrer` | transfer URLs carry a token in the path |
 * | Cache-Control | `no-store` | session ids (session create) and tokens (transfer URLs) are never cached; a face may set its own for cacheable static files |
 */
export function applySecurityHeaders(reply: FastifyReply, https: boolean): void {
  if (https) void reply.header('strict-transport-security', 'max-age=31536000');
  void reply.header('x-content-type-options', 'nosniff');
  void reply.header('x-frame-options', 'DENY');
  void reply.header('referrer-policy', 'no-referrer');
  if (!reply.hasHeader('content-security-policy')) {
    const type = String(reply.getHeader('content-type') ?? '');
    void reply.header('content-security-policy', /^text\/html\b/i.test(type) ? PAGE_CSP : API_CSP);
  }
  if (!reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store');
}

/** One fastify app: /healthz, the security headers, and each face's mount as an encapsulated plugin under its prefix. */
export async function buildHttpApp(opts: HttpAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...(opts.https ? { https: { key: opts.https.key, cert: opts.https.cert, ...TLS_PROFILE } } : {}),
    bodyLimit: opts.bodyLimit,
    loggerInstance: opts.log as never,
    trustProxy: false,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: true } },
  }) as unknown as FastifyInstance;

  // Before the faces are registered, so that every face's scope inherits it.
  const https = opts.https !== undefined;
  app.addHook('onSend', async (_req, reply, payload) => {
    applySecurityHeaders(reply, https);
    // Stopping (the listener no longer accepts): the connection closes after this reply instead of idling in keep-alive.
    if (!app.server.listening) void reply.header('connection', 'close');
    return payload;
  });

  app.get('/healthz', async () => ({
    status: 'ok',
    version: VERSION,
    driver: opts.driver,
    drivers: opts.core.driverKinds(),
    ...(opts.accelerator ? { accelerator: opts.accelerator.name, acceleratorReason: opts.accelerator.reason } : {}),
    uptimeSeconds: Math.round((Date.now() - opts.startedAt) / 1000),
    runningTasks: opts.core.tasks.runningCount(),
  }));

  // Paths no face owns, and errors of routes outside the faces (faces set their own; these are inherited otherwise).
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send({ error: 'not_found', message: `no route for ${req.method} ${req.url.split('?')[0]}` });
  });
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, _req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    void reply.code(status).send({ error: status === 500 ? 'internal' : (err.code ?? 'bad_request'), message: status === 500 ? 'internal error' : err.message });
  });

  // `/` belongs to no face; a mount may ask for it to redirect to its prefix (the web dashboard).
  const rootMount = opts.mounts.find((m) => m.root === true);
  if (rootMount) app.get('/', (_req, reply) => reply.redirect(`${rootMount.prefix}/`, 302));

  for (const mount of opts.mounts) {
    await app.register(async (scope) => mount.register(scope), { prefix: mount.prefix });
  }
  // WebSocket upgrades go to the mount whose prefix the path is under; nobody else's are taken.
  const upgrading = opts.mounts.filter((m) => m.upgrade !== undefined);
  app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    const path = (req.url ?? '').split('?')[0]!;
    const mount = upgrading.find((m) => path === m.prefix || path.startsWith(`${m.prefix}/`));
    if (!mount) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    mount.upgrade!(req, socket, head);
  });
  return app;
}

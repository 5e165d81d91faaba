import Fastify, { type FastifyInstance } from 'fastify';
import type { Core, Logger } from '../core/index.ts';
import type { HttpFace } from '../faces/face.ts';
import { TLS_PROFILE } from './tls.ts';
import { VERSION } from './version.ts';

export interface HttpAppOptions {
  readonly core: Core;
  readonly log: Logger & { child?: unknown };
  readonly faces: readonly HttpFace[];
  readonly https?: { key: string; cert: string };
  readonly bodyLimit: number;
  readonly startedAt: number;
  readonly driver: string;
  /** Base of the transfer and console URLs handed out (`--public-url`). */
  readonly publicUrl?: string | null;
}

/** One fastify app: /healthz plus each face as an encapsulated plugin. */
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

  app.get('/healthz', async () => ({
    status: 'ok',
    version: VERSION,
    driver: opts.driver,
    drivers: [...opts.core.ctx.drivers.keys()],
    uptimeSeconds: Math.round((Date.now() - opts.startedAt) / 1000),
    runningTasks: opts.core.tasks.runningCount(),
  }));

  for (const face of opts.faces) {
    await app.register(async (scope) => face.register(scope, { core: opts.core, log: opts.log, version: VERSION, publicUrl: opts.publicUrl ?? null }));
  }

  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send({ error: 'not_found', message: `no route for ${req.method} ${req.url.split('?')[0]}` });
  });
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, _req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    void reply.code(status).send({ error: status === 500 ? 'internal' : (err.code ?? 'bad_request'), message: status === 500 ? 'internal error' : err.message });
  });
  return app;
}

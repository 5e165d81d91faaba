import type { FastifyRequest } from 'fastify';

/** The fastify decoration of the face's scope that holds `--public-url` (null when not set). */
export const PUBLIC_URL = 'vmgatePublicUrl';

/**
 * The base of URLs we hand back (`https://host:port`): the configured public URL, else the
 * address and port of the listener the connection reached. Never the Host header: a
 * client could make us hand out URLs (guest transfer tokens included) to its own host.
 */
export function baseUrlOf(req: FastifyRequest): string {
  const configured = (req.server as unknown as Record<string, unknown>)[PUBLIC_URL];
  if (typeof configured === 'string' && configured !== '') return configured;
  const tls = (req.socket as { encrypted?: boolean }).encrypted === true;
  let addr = req.socket.localAddress ?? '127.0.0.1';
  if (addr.startsWith('::ffff:')) addr = addr.slice('::ffff:'.length);
  const host = addr.includes(':') ? `[${addr}]` : addr;
  return `${tls ? 'https' : 'http'}://${host}:${req.socket.localPort}`;
}

import type { FastifyRequest } from 'fastify';

/** `https://host:port` as the client addressed us (Host header), for URLs we hand back. */
export function baseUrlOf(req: FastifyRequest): string {
  const host = typeof req.headers.host === 'string' && /^[A-Za-z0-9.:[\]-]{1,300}$/.test(req.headers.host) ? req.headers.host : `${req.socket.localAddress}:${req.socket.localPort}`;
  const tls = (req.socket as { encrypted?: boolean }).encrypted === true;
  return `${tls ? 'https' : 'http'}://${host}`;
}

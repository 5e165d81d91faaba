import { createServer } from 'node:net';
import { qemuError } from './qemu-error.ts';

/**
 * A free TCP port on `host` from `first` on (VNC displays start at 5900). Another
 * process could take it before QEMU binds it; QEMU then fails to start and says so.
 */
export async function pickVncPort(first = 5900, last = 5999, avoid: ReadonlySet<number> = new Set(), host = '127.0.0.1'): Promise<number> {
  for (let port = first; port <= last; port++) {
    if (avoid.has(port)) continue;
    if (await isFree(port, host)) return port;
  }
  throw qemuError('resource_exhausted', `no free VNC port on ${host} between ${first} and ${last}`);
}

function isFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

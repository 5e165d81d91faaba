/**
 * Whether a port forward could listen on the host now: bind its address and port (TCP
 * listen or UDP bind), then let go. That answers "is it taken?" and "may this process bind
 * a port below 1024?" the way passt will meet them.
 */
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import type { PortForward } from '../../core/model/index.ts';
import { qemuError } from './qemu-error.ts';

export async function checkHostPort(f: PortForward): Promise<void> {
  try {
    await (f.protocol === 'udp' ? bindUdp(f.hostAddress, f.hostPort) : listenTcp(f.hostAddress, f.hostPort));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const where = `${f.protocol} ${f.hostAddress.includes(':') ? `[${f.hostAddress}]` : f.hostAddress}:${f.hostPort}`;
    if (code === 'EADDRINUSE') throw qemuError('resource_busy', `${where} is already in use on this host: pick another host port`, { cause: e });
    if (code === 'EACCES' || code === 'EPERM') throw qemuError('invalid_argument', `${where}: ports below 1024 are privileged and vmgate may not bind them here: pick a port from 1024 up`, { cause: e });
    if (code === 'EADDRNOTAVAIL' || code === 'EINVAL') throw qemuError('invalid_argument', `${where}: ${f.hostAddress} is not an address of this host`, { cause: e });
    throw qemuError('internal', `cannot check ${where}: ${(e as Error).message}`, { cause: e });
  }
}

function listenTcp(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen({ host, port, exclusive: true }, () => s.close(() => resolve()));
  });
}

function bindUdp(address: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = createSocket({ type: address.includes(':') ? 'udp6' : 'udp4' });
    s.once('error', (e) => {
      s.close();
      reject(e);
    });
    s.bind({ address, port, exclusive: true }, () => s.close(() => resolve()));
  });
}

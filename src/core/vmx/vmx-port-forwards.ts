/**
 * A VM's port forwards in its `.vmx` (vmgate keys; VMware products ignore them):
 *
 *   vmgate.portForward<n>.protocol     "tcp" | "udp"
 *   vmgate.portForward<n>.hostAddress  the host address it listens on ("127.0.0.1", "0.0.0.0", "::1", …)
 *   vmgate.portForward<n>.hostPort     1–65535
 *   vmgate.portForward<n>.guestPort    1–65535
 *
 * `<n>` counts from 0 without gaps when vmgate writes them; reading takes every index it
 * finds, in index order. A value that cannot be read makes readPortForwards throw
 * invalid_argument naming the key.
 */
import { isIP } from 'node:net';
import { invalidArgument } from '../errors.ts';
import type { PortForward } from '../model/index.ts';
import type { VmxDocument } from './vmx-document.ts';

const MODULE = 'core.vmx';
const KEY = /^vmgate\.portforward(\d{1,4})\.(protocol|hostaddress|hostport|guestport)$/;

export function readPortForwards(doc: VmxDocument): PortForward[] {
  const indexes = new Set<number>();
  for (const k of doc.keys()) {
    const m = KEY.exec(k.toLowerCase());
    if (m) indexes.add(Number(m[1]));
  }
  return [...indexes]
    .sort((a, b) => a - b)
    .map((n) => {
      const key = (f: string): string => `vmgate.portForward${n}.${f}`;
      const protocol = doc.get(key('protocol')) ?? 'tcp';
      if (protocol !== 'tcp' && protocol !== 'udp') throw invalidArgument(`${key('protocol')} = "${protocol}": expected tcp or udp`, { module: MODULE });
      const hostAddress = doc.get(key('hostAddress')) ?? '127.0.0.1';
      if (isIP(hostAddress) === 0) throw invalidArgument(`${key('hostAddress')} = "${hostAddress}": expected an IPv4 or IPv6 address`, { module: MODULE });
      return { protocol, hostAddress, hostPort: readPort(doc, key('hostPort')), guestPort: readPort(doc, key('guestPort')) };
    });
}

/** Replaces the VM's port forwards in `doc` (all `vmgate.portForward*` keys). */
export function writePortForwards(doc: VmxDocument, forwards: readonly PortForward[]): void {
  for (const k of doc.keys()) if (KEY.test(k.toLowerCase())) doc.delete(k);
  forwards.forEach((f, n) => {
    doc.set(`vmgate.portForward${n}.protocol`, f.protocol);
    doc.set(`vmgate.portForward${n}.hostAddress`, f.hostAddress);
    doc.set(`vmgate.portForward${n}.hostPort`, String(f.hostPort));
    doc.set(`vmgate.portForward${n}.guestPort`, String(f.guestPort));
  });
}

function readPort(doc: VmxDocument, key: string): number {
  const v = doc.get(key);
  const n = v !== undefined && /^\d{1,5}$/.test(v) ? Number(v) : NaN;
  if (!(n >= 1 && n <= 65535)) throw invalidArgument(`${key} = ${v === undefined ? '(missing)' : `"${v}"`}: expected a port number from 1 to 65535`, { module: MODULE });
  return n;
}

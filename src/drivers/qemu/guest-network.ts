import type { GuestNetworkInterface } from '../../core/ports/driver.ts';
import { qemuError } from './qemu-error.ts';

/**
 * The guest agent's `guest-network-get-interfaces` reply (a list of `{name,
 * hardware-address?, ip-addresses?: [{ip-address-type, ip-address, prefix}]}`) as the
 * driver port's interfaces. Entries of another shape are an agent error, not guessed at.
 */
export function guestNetworkOf(reply: unknown): GuestNetworkInterface[] {
  if (!Array.isArray(reply)) throw qemuError('internal', `the guest agent answered guest-network-get-interfaces with ${JSON.stringify(reply)?.slice(0, 200)}`);
  return reply.map((raw: unknown) => {
    const r = (raw ?? {}) as { name?: unknown; 'hardware-address'?: unknown; 'ip-addresses'?: unknown };
    if (typeof r.name !== 'string') throw qemuError('internal', `the guest agent reported an interface without a name: ${JSON.stringify(raw)?.slice(0, 200)}`);
    const mac = typeof r['hardware-address'] === 'string' ? r['hardware-address'].toLowerCase() : null;
    const ips = Array.isArray(r['ip-addresses']) ? r['ip-addresses'] : [];
    return {
      name: r.name,
      macAddress: mac,
      ipAddresses: ips.flatMap((x: unknown) => {
        const a = (x ?? {}) as { 'ip-address-type'?: unknown; 'ip-address'?: unknown; prefix?: unknown };
        if ((a['ip-address-type'] !== 'ipv4' && a['ip-address-type'] !== 'ipv6') || typeof a['ip-address'] !== 'string' || typeof a.prefix !== 'number') return [];
        return [{ address: a['ip-address'], prefixLength: a.prefix, family: a['ip-address-type'] }];
      }),
    };
  });
}

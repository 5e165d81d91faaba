import { notAllowedInCurrentState } from '../../../core/errors.ts';
import type { GuestNetworkInterface } from '../../../core/index.ts';
import { describePowerState } from '../../../core/power.ts';
import { implement } from '../call.ts';
import { VmGuestIdentityService } from '../../../protocols/vapi/types/index.ts';
import { guestOsFamily, guestOsFullName } from './guest-os-names.ts';
import { vapiGuestOs } from './vm-guest-os.ts';

/**
 * com.vmware.vcenter.vm.guest.identity: what the guest tools report. Answers only while
 * tools run (else service_unavailable, as vSphere): the configured guest OS as name,
 * family and full name, the VM's FQDN as host name, and as ip_address the first IPv4
 * address of an interface other than loopback that the guest's tools report (QEMU: the
 * guest agent); unset when the driver cannot tell or the guest has none.
 */
export const guestIdentityHandlers = implement(VmGuestIdentityService, {
  async get(call, { vm }) {
    const v = await call.core.vms.get(call.caller, vm);
    if (v.powerState !== 'poweredOn' || v.toolsState !== 'running') {
      const why = v.powerState !== 'poweredOn' ? `it is ${describePowerState(v.powerState)}` : 'tools are not running in it';
      throw notAllowedInCurrentState(`the guest of ${v.id} (${v.name}) reports no identity: ${why}`, { module: 'face.vapi', reason: 'tools_not_running' });
    }
    const os = vapiGuestOs(v.hardware.guestOs);
    const ip = primaryIpv4(await call.core.guest.networkInterfaces(call.caller, v.id));
    return { name: os, family: guestOsFamily(os), full_name: guestOsFullName(os), host_name: v.fqdn, ...(ip === undefined ? {} : { ip_address: ip }) };
  },
});

/** The address vSphere would show: the first IPv4 address off loopback. */
function primaryIpv4(nics: readonly GuestNetworkInterface[]): string | undefined {
  for (const n of nics) {
    if (n.name === 'lo') continue;
    const a = n.ipAddresses.find((x) => x.family === 'ipv4' && !x.address.startsWith('127.'));
    if (a) return a.address;
  }
  return undefined;
}

import { notAllowedInCurrentState } from '../../../core/errors.ts';
import { describePowerState } from '../../../core/power.ts';
import { implement } from '../call.ts';
import { VmGuestIdentityService } from '../../../protocols/vapi/types/index.ts';
import { guestOsFamily, guestOsFullName } from './guest-os-names.ts';
import { vapiGuestOs } from './vm-guest-os.ts';

/**
 * com.vmware.vcenter.vm.guest.identity: what the guest tools report. Answers only while
 * tools run (else service_unavailable, as vSphere): the configured guest OS as name,
 * family and full name, the VM's FQDN as host name. No IP address is known to core,
 * so ip_address stays unset.
 */
export const guestIdentityHandlers = implement(VmGuestIdentityService, {
  async get(call, { vm }) {
    const v = await call.core.vms.get(call.caller, vm);
    if (v.powerState !== 'poweredOn' || v.toolsState !== 'running') {
      const why = v.powerState !== 'poweredOn' ? `it is ${describePowerState(v.powerState)}` : 'tools are not running in it';
      throw notAllowedInCurrentState(`the guest of ${v.id} (${v.name}) reports no identity: ${why}`, { module: 'face.vapi', reason: 'tools_not_running' });
    }
    const os = vapiGuestOs(v.hardware.guestOs);
    return { name: os, family: guestOsFamily(os), full_name: guestOsFullName(os), host_name: v.fqdn };
  },
});

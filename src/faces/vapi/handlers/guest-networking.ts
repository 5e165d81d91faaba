import { notAllowedInCurrentState } from '../../../core/errors.ts';
import { describePowerState } from '../../../core/power.ts';
import { implement } from '../call.ts';
import { VmGuestNetworkingInterfacesService } from '../../../protocols/vapi/types/index.ts';
import { nicKey } from './vm-info.ts';

/**
 * com.vmware.vcenter.vm.guest.networking.interfaces: the guest's interfaces other than
 * loopback, as its tools report them (QEMU: the guest agent; the simulator reports none):
 * MAC, the VM's NIC with that MAC (`nic`, its key as in VM.get), and the addresses with
 * their prefix lengths (state PREFERRED: the agent does not tell more). Answers only while
 * tools run (else service_unavailable, as vSphere).
 */
export const guestNetworkingHandlers = implement(VmGuestNetworkingInterfacesService, {
  async list(call, { vm }) {
    const v = await call.core.vms.get(call.caller, vm);
    if (v.powerState !== 'poweredOn' || v.toolsState !== 'running') {
      const why = v.powerState !== 'poweredOn' ? `it is ${describePowerState(v.powerState)}` : 'tools are not running in it';
      throw notAllowedInCurrentState(`the guest of ${v.id} (${v.name}) reports no network: ${why}`, { module: 'face.vapi', reason: 'tools_not_running' });
    }
    const ifaces = await call.core.guest.networkInterfaces(call.caller, v.id);
    return ifaces
      .filter((n) => n.name !== 'lo')
      .map((n) => {
        const i = n.macAddress === null ? -1 : v.hardware.nics.findIndex((x) => x.macAddress.toLowerCase() === n.macAddress);
        return {
          ...(n.macAddress === null ? {} : { mac_address: n.macAddress }),
          ...(i < 0 ? {} : { nic: nicKey(v.hardware.nics[i]!.device, 4900 + i) }),
          ip: { ip_addresses: n.ipAddresses.map((a) => ({ ip_address: a.address, prefix_length: a.prefixLength, state: 'PREFERRED' as const })) },
        };
      });
  },
});

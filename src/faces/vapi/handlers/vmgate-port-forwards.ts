import { implement } from '../call.ts';
import type { VmgatePortForwardInfo } from '../../../protocols/vapi/types/index.ts';
import { VmgatePortForwardsService } from '../../../protocols/vapi/types/index.ts';

/** com.vmgate.vm.port_forwards → core.portForwards. */
export const vmgatePortForwardsHandlers = implement(VmgatePortForwardsService, {
  async list(call, { vm }) {
    return (await call.core.portForwards.list(call.caller, vm)).map(
      (f): VmgatePortForwardInfo => ({ port_forward: f.id, protocol: f.protocol === 'udp' ? 'UDP' : 'TCP', host_address: f.hostAddress, host_port: f.hostPort, guest_port: f.guestPort }),
    );
  },
  async create(call, { vm, spec }) {
    const r = await call.core.portForwards.add(call.caller, vm, {
      ...(spec.protocol === undefined ? {} : { protocol: spec.protocol === 'UDP' ? 'udp' : 'tcp' }),
      hostPort: spec.host_port,
      guestPort: spec.guest_port,
      ...(spec.host_address === undefined ? {} : { hostAddress: spec.host_address }),
    });
    return { port_forward: r.forward.id, pending_until_power_on: r.pendingUntilPowerOn };
  },
  async delete(call, { vm, port_forward }) {
    const r = await call.core.portForwards.remove(call.caller, vm, port_forward);
    return { port_forward: r.forward.id, pending_until_power_on: r.pendingUntilPowerOn };
  },
});

import { implement } from '../call.ts';
import { VmgateDesktopsService } from '../../../protocols/vapi/types/index.ts';
import { CONSOLE_PROXY_PATH } from './console.ts';
import { vapiPowerState } from './mappings.ts';

/**
 * com.vmgate.desktops → core.vdi: what the caller may launch, and a launch (the broker's
 * launch path) that answers a one-time console proxy ticket, as vm.console.tickets hands out.
 */
export const vmgateDesktopsHandlers = implement(VmgateDesktopsService, {
  async list(call) {
    return (await call.core.vdi.launchItems(call.caller)).map((i) => ({
      pool: i.pool.id,
      name: i.application ? i.application.name : i.pool.displayName,
      kind: i.kind === 'application' ? ('APPLICATION' as const) : ('DESKTOP' as const),
      ...(i.application ? { application: i.application.id } : {}),
      ...(i.vm ? { vm: i.vm.id, power_state: vapiPowerState(i.vm.powerState) } : {}),
    }));
  },
  async launch(call, { pool, application }) {
    const launched = await call.core.vdi.launchToConsole(call.caller, pool, application);
    return { vm: launched.vm.id, ticket: `${call.baseUrl.replace(/^http/, 'ws')}${CONSOLE_PROXY_PATH}/${launched.ticket.ticket}` };
  },
});

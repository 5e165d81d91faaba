import type { Caller } from './caller.ts';
import type { CoreContext } from './context.ts';
import { newConsoleTicket } from './console-tickets.ts';
import { internal, notAllowedInCurrentState, resourceExhausted, unauthenticated, unsupported } from './errors.ts';
import type { EventLog } from './events.ts';
import { KeyedSerializer } from './keyed-serializer.ts';
import { OneTimeTickets } from './one-time-tickets.ts';
import type { Vm } from './model/index.ts';
import type { ConsoleEndpoint } from './ports/driver.ts';
import { describePowerState } from './power.ts';
import type { VmRuntime } from './vm-runtime.ts';
import type { VmService } from './vms.ts';

/** How long a console proxy ticket (the `wss://` URL) is good for: the client opens it right away. */
export const CONSOLE_PROXY_TICKET_MS = 60_000;
/** Proxy tickets outstanding at once (unused ones expire; this only bounds a flood). */
const MAX_PROXY_TICKETS = 10_000;

/** A console opened for a client: where it is and the one-time password it takes. */
export interface ConsoleAccess {
  readonly vmId: string;
  readonly vmName: string;
  readonly endpoint: ConsoleEndpoint & { readonly password: string };
}

export interface ConsoleProxyTicket {
  /** 32 random bytes, base64url: the last part of the proxy URL. */
  readonly ticket: string;
  readonly vmId: string;
  readonly expiresAt: Date;
}

interface PendingTicket {
  readonly vmId: string;
  readonly caller: Caller;
}

/**
 * VM consoles for people: `open` hands out the console's address with a fresh one-time
 * VNC password (the driver's console accepts it once, within a minute); proxy tickets
 * are one-time keys to vmgate's WebSocket console proxy (vSphere's console tickets), which
 * redeems them with `redeemProxyTicket` and then opens the console itself. Both need
 * `VirtualMachine.Console` on the VM (desktop users have it on their entitled desktops)
 * and a VM that runs.
 */
export class ConsoleService {
  readonly #tickets: OneTimeTickets<PendingTicket>;
  /**
   * A VM's console has one password at a time (QEMU's VNC server): setting one and, for
   * the proxy, logging in with it run one at a time per VM, so a second ticket cannot
   * replace the first one's password before the first login used it.
   */
  readonly #perVm = new KeyedSerializer();

  constructor(
    ctx: CoreContext,
    private readonly events: EventLog,
    private readonly vms: VmService,
    private readonly rt: VmRuntime,
  ) {
    this.#tickets = new OneTimeTickets(ctx.clock, CONSOLE_PROXY_TICKET_MS, MAX_PROXY_TICKETS);
  }

  /** The console of a running VM with a new one-time password. */
  async open(caller: Caller, ref: string): Promise<ConsoleAccess> {
    const vm = await this.#runningVm(caller, ref);
    return this.#perVm.run(vm.id, () => this.#open(caller, vm));
  }

  async #open(caller: Caller, vm: Vm): Promise<ConsoleAccess> {
    const { driver, dvm } = await this.rt.resolveDriverVm(vm);
    if (!driver.console) throw unsupported(`the ${driver.kind} driver has no console`, { module: 'core.consoles' });
    const endpoint = await driver.console(dvm, newConsoleTicket());
    if (endpoint.password === null) throw internal(`the ${driver.kind} driver did not apply a console password to ${vm.id} (${vm.name})`, { module: 'core.consoles' });
    await this.events.record(vm.id, 'vm.consoleOpened', `${caller.userName} was given a one-time console password for ${vm.name}`, { caller });
    return { vmId: vm.id, vmName: vm.name, endpoint: { ...endpoint, password: endpoint.password } };
  }

  /** A one-time ticket for the WebSocket console proxy, good for {@link CONSOLE_PROXY_TICKET_MS}. */
  async issueProxyTicket(caller: Caller, ref: string): Promise<ConsoleProxyTicket> {
    const vm = await this.#runningVm(caller, ref);
    const issued = this.#tickets.issue({ vmId: vm.id, caller });
    if (!issued) throw resourceExhausted(`too many console tickets are outstanding (${MAX_PROXY_TICKETS}); use or let some expire first`, { module: 'core.consoles' });
    return { ticket: issued.ticket, vmId: vm.id, expiresAt: issued.expiresAt };
  }

  /**
   * Uses up a proxy ticket (at most once, whatever happens next) and opens the console for
   * the user it was issued to: permission and power state are checked again now.
   */
  async redeemProxyTicket(ticket: string): Promise<ConsoleAccess> {
    const t = this.#take(ticket);
    return this.open(t.caller, t.vmId);
  }

  /**
   * The proxy's way in: uses up a proxy ticket as {@link redeemProxyTicket} does, then, one
   * connection at a time per VM, sets a one-time password and runs `login` (the proxy's
   * VNC login with it, through ClientInit, so the console has seen the password used),
   * then waits for the driver to have handled what the console reported (QEMU replaces a
   * used password after `VNC_INITIALIZED`) before the next connection's password is set.
   * Two users who connect at the same moment both get in, one after the other.
   */
  async connectProxy<T>(ticket: string, login: (access: ConsoleAccess) => Promise<T>): Promise<T> {
    const t = this.#take(ticket);
    const vm = await this.#runningVm(t.caller, t.vmId);
    return this.#perVm.run(vm.id, async () => {
      const access = await this.#open(t.caller, vm);
      const result = await login(access);
      const { driver, dvm } = await this.rt.resolveDriverVm(vm);
      // Without a ticket, console() only reads the endpoint: on QEMU one QMP round trip,
      // answered after the VNC_INITIALIZED event of this login, whose handling the driver
      // queued first.
      await driver.console?.(dvm).catch(() => undefined);
      return result;
    });
  }

  #take(ticket: string): PendingTicket {
    // Taken before anything waits: two connections with one ticket cannot both get it.
    const t = this.#tickets.take(ticket);
    if (t === 'unknown') throw unauthenticated('the console ticket is unknown or was used already', { module: 'core.consoles' });
    if (t === 'expired') throw unauthenticated('the console ticket has expired', { module: 'core.consoles' });
    return t.value;
  }

  async #runningVm(caller: Caller, ref: string): Promise<Vm> {
    const vm = await this.vms.resolve(caller, ref, 'VirtualMachine.Console');
    if (vm.powerState !== 'poweredOn' && vm.powerState !== 'paused') {
      throw notAllowedInCurrentState(`${vm.id} (${vm.name}) is ${describePowerState(vm.powerState)}: its console exists only while it runs`, { module: 'core.consoles', reason: 'vm_not_running' });
    }
    return vm;
  }
}

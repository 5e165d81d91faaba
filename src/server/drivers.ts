import type { HypervisorDriver } from '../core/ports/driver.ts';
import type { DriverKind } from '../core/model/index.ts';
import type { Logger } from '../core/index.ts';
import { createSimDriver } from '../drivers/sim/sim-driver.ts';
import type { ServeConfig } from './config.ts';

/**
 * The drivers this process runs: the simulator always (it is part of the product), QEMU
 * when asked for or when a host in the inventory uses it.
 */
export async function createDrivers(config: ServeConfig, log: Logger, needQemu: boolean): Promise<Map<DriverKind, HypervisorDriver>> {
  const drivers = new Map<DriverKind, HypervisorDriver>();
  drivers.set('sim', createSimDriver({ speed: config.simSpeed, consoleHost: config.consoleAddress }));
  if (config.driver === 'qemu' || needQemu) {
    const { createQemuDriver } = await import('../drivers/qemu/qemu-driver.ts');
    drivers.set('qemu', createQemuDriver({ accel: config.qemuAccel, consoleHost: config.consoleAddress, log }));
  }
  return drivers;
}

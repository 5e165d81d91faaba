import { resourceExhausted } from './errors.ts';
import type { Host, Vm } from './model/index.ts';

/** vCPUs a host may hand out per physical CPU; memory is never overcommitted. */
export const DEFAULT_CPU_OVERCOMMIT = 4;

export interface HostLoad {
  readonly host: Host;
  readonly usedCpu: number;
  readonly usedMemoryMiB: number;
}

export interface PlacementChoice {
  readonly host: Host;
  readonly freeMemoryMiB: number;
  readonly freeCpu: number;
}

/**
 * Chooses a host for a VM: connected, not in maintenance, enough free memory and vCPUs
 * (vCPUs up to `cpuOvercommit` per host CPU),
 * most free memory first (then vCPUs, then id for a stable answer). When none fits the
 * error says why for every candidate.
 */
export function chooseHost(vm: Pick<Vm, 'id' | 'name' | 'hardware'>, loads: readonly HostLoad[], opts: { needsDatastore?: string; cpuOvercommit?: number } = {}): PlacementChoice {
  const ratio = opts.cpuOvercommit ?? DEFAULT_CPU_OVERCOMMIT;
  const { cpuCount, memoryMiB } = vm.hardware;
  const reasons: string[] = [];
  const fits: PlacementChoice[] = [];
  for (const l of loads) {
    const h = l.host;
    const freeMemoryMiB = h.memoryMiB - l.usedMemoryMiB;
    const freeCpu = Math.floor(h.cpuCount * ratio) - l.usedCpu;
    if (h.connectionState !== 'connected') reasons.push(`${h.name} is ${h.connectionState}`);
    else if (h.maintenanceMode) reasons.push(`${h.name} is in maintenance mode`);
    else if (opts.needsDatastore && !h.datastoreIds.includes(opts.needsDatastore)) reasons.push(`${h.name} does not see datastore ${opts.needsDatastore}`);
    else if (freeMemoryMiB < memoryMiB) reasons.push(`${h.name} has ${freeMemoryMiB} MiB free`);
    else if (freeCpu < cpuCount) reasons.push(`${h.name} has ${freeCpu} vCPUs free`);
    else fits.push({ host: h, freeMemoryMiB, freeCpu });
  }
  fits.sort((a, b) => b.freeMemoryMiB - a.freeMemoryMiB || b.freeCpu - a.freeCpu || a.host.id.localeCompare(b.host.id, 'en', { numeric: true }));
  const best = fits[0];
  if (!best) {
    throw resourceExhausted(
      `no host can take ${vm.id} (${vm.name}: ${cpuCount} vCPUs, ${memoryMiB} MiB): ${reasons.length ? reasons.join('; ') : 'there are no hosts'}`,
      { module: 'core.placement', reason: 'no_host_fits' },
    );
  }
  return best;
}

/** Whether a VM that is about to run fits on its host (admission control at power-on). */
export function checkFits(vm: Pick<Vm, 'id' | 'name' | 'hardware'>, load: HostLoad, cpuOvercommit?: number): void {
  chooseHost(vm, [load], cpuOvercommit === undefined ? {} : { cpuOvercommit });
}

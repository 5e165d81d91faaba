import type { VmStatistics } from '../../core/ports/driver.ts';

/** What the model reads of a guest: its clock (guest ms) and its processes (SimGuest has both). */
export interface SimLoadSource {
  readonly clock: { now(): number };
  list(): readonly { readonly pid: number; readonly exitCode: number | null }[];
}

/** Where a guest's model stood at its last reading: guest time and CPU time so far. */
interface Reading {
  readonly t: number;
  readonly cpuMs: number;
}

const readings = new WeakMap<SimLoadSource, Reading>();

/** Slow and quick waves of background load (ms of guest time per cycle). */
const SLOW_MS = 90_000;
const QUICK_MS = 23_000;

/**
 * What a simulated guest uses, modelled from its state: background load that drifts in two
 * waves (phase from the VM's UUID, so VMs differ), plus half a vCPU for each program running
 * in the guest (up to every vCPU); memory a quarter of the VM's, breathing with the slow
 * wave, plus 64 MiB per running program. Time is the guest's own clock (it stands still
 * while the VM is paused), so a reading depends only on the guest's state: the same
 * guest time, programs and last reading give the same figures.
 */
export function simStatistics(guest: SimLoadSource, hw: { readonly cpuCount: number; readonly memoryMiB: number }, uuid: string): VmStatistics {
  const t = guest.clock.now();
  const phase = phaseOf(uuid);
  const busy = guest.list().filter((p) => p.exitCode === null && p.pid !== 1).length;
  const last = readings.get(guest) ?? { t: 0, cpuMs: 0 };
  const dt = Math.max(0, t - last.t);
  // Background share of all vCPUs: 6 % ± 3 % ± 2 %; integrated exactly over [last.t, t].
  const background = 0.06 * dt + wave(0.03, SLOW_MS, phase, last.t, t) + wave(0.02, QUICK_MS, 2 * phase, last.t, t);
  const programs = Math.min(1, (busy * 0.5) / hw.cpuCount) * dt;
  const cpuMs = last.cpuMs + hw.cpuCount * Math.min(dt, Math.max(0, background + programs));
  readings.set(guest, { t, cpuMs });
  const breathing = 0.25 + 0.05 * Math.sin((2 * Math.PI * t) / SLOW_MS + phase);
  const memoryUsedMiB = Math.min(hw.memoryMiB * 0.95, Math.round(hw.memoryMiB * breathing + 64 * busy));
  return { cpuTimeMs: cpuMs, atMs: t, memoryUsedMiB, balloonMiB: null };
}

/** ∫ a·sin(2πx/period + phase) dx over [from, to]. */
function wave(a: number, period: number, phase: number, from: number, to: number): number {
  const k = (2 * Math.PI) / period;
  return (a / k) * (Math.cos(k * from + phase) - Math.cos(k * to + phase));
}

/** A phase in [0, 2π) from the VM's UUID. */
function phaseOf(uuid: string): number {
  let h = 0;
  for (const c of uuid) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return ((h % 3600) / 3600) * 2 * Math.PI;
}

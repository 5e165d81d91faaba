/**
 * A VM's boot order and boot settings → QEMU's `bootindex` per device and `-boot` options.
 * Pure.
 *
 * - No boot order (or kernel boot): the default — every disk, then every CD-ROM holding an
 *   ISO, in that order; no NIC.
 * - A boot order: its entries in turn; `disk` gives its disks in the order named (all disks
 *   when it names none), `cdrom` every CD-ROM with an ISO, `ethernet` its NIC (every NIC when
 *   it names none). Devices the order leaves out get no bootindex, so the firmware does not
 *   boot from them. `floppy` has nothing to point at (vmgate gives QEMU guests no floppy).
 * - Boot delay: `menu=on,splash-time=<ms>` (SeaBIOS and OVMF wait that long at the boot
 *   menu prompt). Retry: `reboot-timeout=<ms>` (the firmware restarts the boot after that
 *   long when nothing booted).
 */
import type { VmHardware } from '../../core/model/index.ts';

export interface BootPlan {
  /** Device key ('scsi0:0', 'ide1:0', 'ethernet0') → its bootindex (1 first). */
  readonly bootIndex: ReadonlyMap<string, number>;
  /** The value of `-boot`, or null for none. */
  readonly bootOption: string | null;
}

export function bootPlan(hw: VmHardware): BootPlan {
  const bootIndex = new Map<string, number>();
  if (hw.kernelBoot) return { bootIndex, bootOption: null };
  const bootable = (device: string): void => {
    if (!bootIndex.has(device)) bootIndex.set(device, bootIndex.size + 1);
  };
  const withIso = hw.cdroms.filter((c) => c.isoFile !== null && c.connected).map((c) => c.device);
  const order = hw.bootOrder ?? [];
  if (order.length === 0) {
    for (const d of hw.disks) bootable(d.device);
    for (const c of withIso) bootable(c);
  } else {
    for (const entry of order) {
      if (entry.type === 'disk') {
        const known = new Set(hw.disks.map((d) => d.device));
        for (const d of entry.devices.length > 0 ? entry.devices.filter((x) => known.has(x)) : hw.disks.map((x) => x.device)) bootable(d);
      } else if (entry.type === 'cdrom') {
        for (const c of withIso) bootable(c);
      } else if (entry.type === 'ethernet') {
        const known = new Set(hw.nics.map((n) => n.device));
        for (const n of entry.devices.length > 0 ? entry.devices.filter((x) => known.has(x)) : hw.nics.map((x) => x.device)) bootable(n);
      }
    }
  }
  const opts: string[] = [];
  const b = hw.boot;
  if (b && b.delayMs > 0) opts.push('menu=on', `splash-time=${b.delayMs}`);
  if (b && b.retry) opts.push(`reboot-timeout=${b.retryDelayMs}`);
  return { bootIndex, bootOption: opts.length > 0 ? opts.join(',') : null };
}

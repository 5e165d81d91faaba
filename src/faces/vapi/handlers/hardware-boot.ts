import { invalidArgument, notFound } from '../../../core/errors.ts';
import type { BootChange } from '../../../core/index.ts';
import type { BootDevice, Vm } from '../../../core/model/index.ts';
import { implement } from '../call.ts';
import { VmHardwareBootDeviceService, VmHardwareBootService } from '../../../protocols/vapi/types/index.ts';
import type { VmHardwareBootDeviceEntry } from '../../../protocols/vapi/types/index.ts';
import { notHonoured } from './vm-create-spec.ts';
import { bootDevices, bootInfo, deviceKey, nicKey } from './vm-info.ts';

/**
 * com.vmware.vcenter.vm.hardware.boot and .boot.device. Honoured: the firmware type (while
 * off), the boot delay, retry and retry delay (from the next power on; QEMU: `-boot
 * splash-time` / `reboot-timeout`, at most 65535 ms, the retry delay in whole seconds), and
 * the boot order (QEMU: `bootindex`). Not: EFI legacy boot, IPv6 network boot, entering
 * firmware setup (unsupported).
 */
export const bootHandlers = implement(VmHardwareBootService, {
  async get(call, { vm }) {
    return bootInfo(await call.core.vms.get(call.caller, vm));
  },

  async update(call, { vm, spec }) {
    if (spec.efi_legacy_boot) throw notHonoured('spec.efi_legacy_boot', 'vmgate boots EFI guests in EFI mode only');
    if (spec.network_protocol === 'IPV6') throw notHonoured('spec.network_protocol IPV6', 'network boot is over IPv4 only');
    if (spec.enter_setup_mode) throw notHonoured('spec.enter_setup_mode', 'vmgate cannot make the firmware enter its setup');
    const change: { -readonly [K in keyof BootChange]: BootChange[K] } = {};
    if (spec.type !== undefined) change.firmware = spec.type === 'EFI' ? 'efi' : 'bios';
    if (spec.delay !== undefined) change.delayMs = spec.delay;
    if (spec.retry !== undefined) change.retry = spec.retry;
    if (spec.retry_delay !== undefined) change.retryDelayMs = spec.retry_delay;
    await call.core.devices.setBoot(call.caller, vm, change);
    return undefined;
  },
});

export const bootDeviceHandlers = implement(VmHardwareBootDeviceService, {
  async get(call, { vm }) {
    return bootDevices(await call.core.vms.get(call.caller, vm));
  },

  async set(call, { vm, devices }) {
    const cur = await call.core.vms.resolve(call.caller, vm, 'VirtualMachine.Config');
    await call.core.devices.setBootOrder(call.caller, vm, devices.map((e, i) => bootEntry(cur, e, `devices[${i}]`)));
    return undefined;
  },
});

function bootEntry(vm: Vm, e: VmHardwareBootDeviceEntry, f: string): BootDevice {
  const hw = vm.hardware;
  if (e.disks !== undefined && e.type !== 'DISK') throw invalidArgument(`${f}.disks is only for a DISK entry`, { module: 'face.vapi' });
  if (e.nic !== undefined && e.type !== 'ETHERNET') throw invalidArgument(`${f}.nic is only for an ETHERNET entry`, { module: 'face.vapi' });
  switch (e.type) {
    case 'DISK':
      return {
        type: 'disk',
        devices: (e.disks ?? []).map((key) => {
          const d = hw.disks.find((x, i) => deviceKey(x.device, 2900 + i) === key);
          if (!d) throw notFound(`${f}.disks: the VM has no disk ${key}`, { module: 'face.vapi' });
          return d.device;
        }),
      };
    case 'ETHERNET': {
      if (e.nic === undefined) return { type: 'ethernet', devices: [] };
      const n = hw.nics.find((x, i) => nicKey(x.device, 4900 + i) === e.nic);
      if (!n) throw notFound(`${f}.nic: the VM has no network adapter ${e.nic}`, { module: 'face.vapi' });
      return { type: 'ethernet', devices: [n.device] };
    }
    case 'CDROM':
      return { type: 'cdrom', devices: [] };
    case 'FLOPPY':
      return { type: 'floppy', devices: [] };
    default:
      throw invalidArgument(`${f}.type ${String(e.type)} is not a boot device type`, { module: 'face.vapi' });
  }
}

import { invalidArgument, notFound } from '../../../core/errors.ts';
import type { VirtualCdrom, Vm } from '../../../core/model/index.ts';
import { implement } from '../call.ts';
import { VmHardwareCdromService } from '../../../protocols/vapi/types/index.ts';
import type { VmHardwareCdromBackingSpec } from '../../../protocols/vapi/types/index.ts';
import { filesContext } from './hardware-disk.ts';
import { notHonoured } from './vm-create-spec.ts';
import { cdromInfo, deviceKey } from './vm-info.ts';

function findCdrom(vm: Vm, key: string): { cdrom: VirtualCdrom; index: number } {
  const index = vm.hardware.cdroms.findIndex((c, i) => deviceKey(c.device, 3900 + i) === key);
  if (index < 0) throw notFound(`virtual CD-ROM device '${key}' of ${vm.id} was not found`, { module: 'face.vapi' });
  return { cdrom: vm.hardware.cdroms[index]!, index };
}

/** A backing as core's ISO: `[ds] path.iso`, or null for an empty (auto-detect) drive. */
function isoOf(b: VmHardwareCdromBackingSpec, f: string): string | null {
  if (b.device_access_type !== undefined && b.device_access_type !== 'EMULATION') throw notHonoured(`${f}.device_access_type ${b.device_access_type}`, 'vmgate CD-ROMs are emulated');
  switch (b.type) {
    case 'ISO_FILE':
      if (b.iso_file === undefined) throw invalidArgument(`${f}.iso_file is required for an ISO_FILE backing`, { module: 'face.vapi' });
      return b.iso_file;
    case 'HOST_DEVICE':
      if (b.host_device !== undefined) throw notHonoured(`${f}.host_device`, 'vmgate gives CD-ROMs no host drive; leave it unset for an empty, auto-detect drive');
      return null;
    default:
      throw notHonoured(`${f}.type ${b.type}`, 'vmgate CD-ROMs use an ISO file or are empty');
  }
}

/**
 * com.vmware.vcenter.vm.hardware.cdrom. Drives are added and removed while the VM is off
 * (on IDE; vmgate picks the address). On a running VM, connect inserts the ISO (QEMU:
 * blockdev-change-medium) and disconnect ejects it, so an ISO is swapped live with
 * disconnect, update of the backing, connect; a connected drive's backing cannot change
 * while the VM runs (not_allowed_in_current_state, vSphere's rule). vmgate keeps one flag:
 * start_connected is also whether a running VM's drive is connected. get reports a running
 * VM's `state` as the hypervisor has it (QEMU: query-block): CONNECTED when the drive holds
 * its ISO.
 */
export const cdromHandlers = implement(VmHardwareCdromService, {
  async list(call, { vm }) {
    const v = await call.core.vms.get(call.caller, vm);
    return v.hardware.cdroms.map((c, i) => ({ cdrom: deviceKey(c.device, 3900 + i) }));
  },

  async get(call, { vm, cdrom }) {
    const v = await call.core.vms.get(call.caller, vm);
    const { cdrom: c, index } = findCdrom(v, cdrom);
    const ctx = await filesContext(call, v, [c.isoFile ?? '']);
    const info = cdromInfo(v, c, index, ctx.vmFolder, ctx.datastores);
    // A running VM's state is the hypervisor's: connected when the drive holds its ISO.
    const live = await call.core.devices.cdromStates(call.caller, vm);
    const now = live?.get(c.device);
    return now === undefined ? info : { ...info, state: now ? ('CONNECTED' as const) : ('NOT_CONNECTED' as const) };
  },

  async create(call, { vm, spec }) {
    const f = 'spec';
    if (spec.type !== undefined && spec.type !== 'IDE') throw notHonoured(`${f}.type ${spec.type}`, 'vmgate puts CD-ROMs on IDE');
    if (spec.ide !== undefined || spec.sata !== undefined) throw notHonoured(`${f}.${spec.ide !== undefined ? 'ide' : 'sata'}`, 'vmgate chooses CD-ROM addresses itself');
    if (spec.allow_guest_control) throw notHonoured(`${f}.allow_guest_control`, 'guests cannot connect or disconnect vmgate CD-ROMs');
    const iso = spec.backing === undefined ? null : isoOf(spec.backing, `${f}.backing`);
    const device = await call.core.devices.addCdrom(call.caller, vm, { iso, connected: spec.start_connected ?? false });
    const after = await call.core.vms.get(call.caller, vm);
    return deviceKey(device, 3900 + after.hardware.cdroms.findIndex((c) => c.device === device));
  },

  async update(call, { vm, cdrom, spec }) {
    const v = await call.core.vms.resolve(call.caller, vm, 'VirtualMachine.Config');
    const { cdrom: c } = findCdrom(v, cdrom);
    if (spec.allow_guest_control) throw notHonoured('spec.allow_guest_control', 'guests cannot connect or disconnect vmgate CD-ROMs');
    const change: { iso?: string | null; connected?: boolean } = {};
    if (spec.backing !== undefined) change.iso = isoOf(spec.backing, 'spec.backing');
    if (spec.start_connected !== undefined) change.connected = spec.start_connected;
    if (change.iso === undefined && change.connected === undefined) return undefined;
    await call.core.devices.changeCdrom(call.caller, vm, c.device, change);
    return undefined;
  },

  async delete(call, { vm, cdrom }) {
    const v = await call.core.vms.resolve(call.caller, vm, 'VirtualMachine.Config');
    await call.core.devices.removeCdrom(call.caller, vm, findCdrom(v, cdrom).cdrom.device);
    return undefined;
  },

  async connect(call, { vm, cdrom }) {
    const v = await call.core.vms.resolve(call.caller, vm, 'VirtualMachine.Config');
    await call.core.devices.setConnected(call.caller, vm, findCdrom(v, cdrom).cdrom.device, true);
    return undefined;
  },

  async disconnect(call, { vm, cdrom }) {
    const v = await call.core.vms.resolve(call.caller, vm, 'VirtualMachine.Config');
    await call.core.devices.setConnected(call.caller, vm, findCdrom(v, cdrom).cdrom.device, false);
    return undefined;
  },
});

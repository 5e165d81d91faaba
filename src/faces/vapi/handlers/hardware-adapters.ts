/**
 * com.vmware.vcenter.vm.hardware.adapter.{scsi, sata, nvme}: a VM's storage controllers
 * (core.devices). The list holds the controllers the .vmx lists and those its disks and
 * CD-ROMs use. SCSI types: LSILOGIC (default), LSILOGICSAS, PVSCSI, BUSLOGIC (the sim keeps
 * any; QEMU has no BusLogic and refuses it); sharing NONE only; pci_slot_number is
 * `unsupported`. A controller that holds disks cannot be deleted.
 */
import type { Vm } from '../../../core/index.ts';
import type { VapiCall } from '../call.ts';
import { implement } from '../call.ts';
import { VmHardwareAdapterNvmeService, VmHardwareAdapterSataService, VmHardwareAdapterScsiService } from '../../../protocols/vapi/types/index.ts';
import type { DeviceKind } from './device-info.ts';
import { adaptersOf, deviceOfKey, keyOf, nvmeAdapterInfo, sataAdapterInfo, SCSI_MODELS_OF, scsiAdapterInfo } from './device-info.ts';
import { notHonoured } from './vm-create-spec.ts';

type Bus = 'scsi' | 'sata' | 'nvme';

async function adapter(call: VapiCall, vm: string, bus: Bus, key: string, privilege?: 'VirtualMachine.Config'): Promise<{ v: Vm; device: string }> {
  const v = privilege ? await call.core.vms.resolve(call.caller, vm, privilege) : await call.core.vms.get(call.caller, vm);
  return { v, device: deviceOfKey(v, bus as DeviceKind, key, adaptersOf(v, bus)) };
}

function controllerOf(v: Vm, bus: Bus, device: string) {
  return adaptersOf(v, bus).find((c) => c.device === device)!;
}

function noPciSlot(spec: { pci_slot_number?: number }): void {
  if (spec.pci_slot_number !== undefined) throw notHonoured('spec.pci_slot_number', 'vmgate chooses PCI slots itself');
}

export const scsiAdapterHandlers = implement(VmHardwareAdapterScsiService, {
  async list(call, { vm }) {
    const v = await call.core.vms.get(call.caller, vm);
    return adaptersOf(v, 'scsi').map((c) => ({ adapter: keyOf('scsi', c.device) }));
  },
  async get(call, { vm, adapter: key }) {
    const { v, device } = await adapter(call, vm, 'scsi', key);
    return scsiAdapterInfo(controllerOf(v, 'scsi', device));
  },
  async create(call, { vm, spec }) {
    noPciSlot(spec);
    if (spec.sharing !== undefined && spec.sharing !== 'NONE') throw notHonoured(`spec.sharing ${spec.sharing}`, 'vmgate SCSI buses are not shared between VMs');
    const { device } = await call.core.devices.addController(call.caller, vm, { bus: 'scsi', ...(spec.bus !== undefined ? { index: spec.bus } : {}), ...(spec.type !== undefined ? { model: SCSI_MODELS_OF[spec.type] } : {}) });
    return keyOf('scsi', device);
  },
  async update(call, { vm, adapter: key, spec }) {
    await adapter(call, vm, 'scsi', key, 'VirtualMachine.Config');
    if (spec.sharing !== undefined && spec.sharing !== 'NONE') throw notHonoured(`spec.sharing ${spec.sharing}`, 'vmgate SCSI buses are not shared between VMs');
    return undefined;
  },
  async delete(call, { vm, adapter: key }) {
    const { v, device } = await adapter(call, vm, 'scsi', key, 'VirtualMachine.Config');
    await call.core.devices.remove(call.caller, v.id, device);
    return undefined;
  },
});

export const sataAdapterHandlers = implement(VmHardwareAdapterSataService, {
  async list(call, { vm }) {
    const v = await call.core.vms.get(call.caller, vm);
    return adaptersOf(v, 'sata').map((c) => ({ adapter: keyOf('sata', c.device) }));
  },
  async get(call, { vm, adapter: key }) {
    const { v, device } = await adapter(call, vm, 'sata', key);
    return sataAdapterInfo(controllerOf(v, 'sata', device));
  },
  async create(call, { vm, spec }) {
    noPciSlot(spec);
    const { device } = await call.core.devices.addController(call.caller, vm, { bus: 'sata', ...(spec.bus !== undefined ? { index: spec.bus } : {}) });
    return keyOf('sata', device);
  },
  async delete(call, { vm, adapter: key }) {
    const { v, device } = await adapter(call, vm, 'sata', key, 'VirtualMachine.Config');
    await call.core.devices.remove(call.caller, v.id, device);
    return undefined;
  },
});

export const nvmeAdapterHandlers = implement(VmHardwareAdapterNvmeService, {
  async list(call, { vm }) {
    const v = await call.core.vms.get(call.caller, vm);
    return adaptersOf(v, 'nvme').map((c) => ({ adapter: keyOf('nvme', c.device) }));
  },
  async get(call, { vm, adapter: key }) {
    const { v, device } = await adapter(call, vm, 'nvme', key);
    return nvmeAdapterInfo(controllerOf(v, 'nvme', device));
  },
  async create(call, { vm, spec }) {
    noPciSlot(spec);
    const { device } = await call.core.devices.addController(call.caller, vm, { bus: 'nvme', ...(spec.bus !== undefined ? { index: spec.bus } : {}) });
    return keyOf('nvme', device);
  },
  async delete(call, { vm, adapter: key }) {
    const { v, device } = await adapter(call, vm, 'nvme', key, 'VirtualMachine.Config');
    await call.core.devices.remove(call.caller, v.id, device);
    return undefined;
  },
});

/**
 * com.vmware.vcenter.vm.hardware.ethernet: a VM's NICs (core.devices).
 *
 * - type: E1000, E1000E, VMXNET3 and vmgate's VIRTIO (default VMXNET3, as vSphere's for
 *   current guests); PCNET32 / VMXNET / VMXNET2 are `unsupported`.
 * - backing: STANDARD_PORTGROUP only. `network` is the datacenter's standard network
 *   (`network-<n>`, named 'VM Network': nat on QEMU) or, as vmgate's extension, a network
 *   name: `isolated` or `bridge:<linux bridge>` (docs/drivers.md, "Networks"); unset is
 *   'VM Network'.
 * - mac_type MANUAL with mac_address: that MAC (unicast, unique in the inventory);
 *   GENERATED / ASSIGNED or unset: a generated one.
 * - start_connected defaults to false (vSphere's default); wake_on_lan_enabled,
 *   allow_guest_control, upt_compatibility_enabled and pci_slot_number are `unsupported`
 *   when set to anything but vSphere's defaults.
 * - create / update / delete need the VM powered off; connect / disconnect need it on.
 */
import { invalidArgument, notFound } from '../../../core/errors.ts';
import type { NicPatch, NicSpec } from '../../../core/index.ts';
import type { VapiCall } from '../call.ts';
import { implement } from '../call.ts';
import type { VmHardwareEthernetBackingSpec, VmHardwareEthernetCreateSpec, VmHardwareEthernetUpdateSpec } from '../../../protocols/vapi/types/index.ts';
import { VmHardwareEthernetService } from '../../../protocols/vapi/types/index.ts';
import { parseNetworkId, STANDARD_NETWORK_NAME } from './derived-ids.ts';
import { deviceOfKey, keyOf } from './device-info.ts';
import { NIC_MODELS, notHonoured } from './vm-create-spec.ts';
import { nicInfo } from './vm-info.ts';
import { datacenterOfVm } from './vm-placement.ts';

export const ethernetHandlers = implement(VmHardwareEthernetService, {
  async list(call, { vm }) {
    const v = await call.core.vms.get(call.caller, vm);
    return v.hardware.nics.map((n) => ({ nic: keyOf('nic', n.device) }));
  },

  async get(call, { vm, nic }) {
    const v = await call.core.vms.get(call.caller, vm);
    const device = deviceOfKey(v, 'nic', nic, v.hardware.nics);
    const i = v.hardware.nics.findIndex((n) => n.device.toLowerCase() === device);
    const n = v.hardware.nics[i]!;
    const dc = n.network === STANDARD_NETWORK_NAME ? await datacenterOfVm(call, v) : undefined;
    return nicInfo(v, n, i, dc);
  },

  async create(call, { vm, spec }) {
    const nic = await nicSpec(call, spec);
    const { device } = await call.core.devices.addNic(call.caller, vm, nic);
    return keyOf('nic', device);
  },

  async update(call, { vm, nic, spec }) {
    const v = await call.core.vms.resolve(call.caller, vm, 'VirtualMachine.Config');
    const device = deviceOfKey(v, 'nic', nic, v.hardware.nics);
    await call.core.devices.updateNic(call.caller, v.id, device, await nicPatch(call, spec));
    return undefined;
  },

  async delete(call, { vm, nic }) {
    const v = await call.core.vms.resolve(call.caller, vm, 'VirtualMachine.Config');
    await call.core.devices.remove(call.caller, v.id, deviceOfKey(v, 'nic', nic, v.hardware.nics));
    return undefined;
  },

  async connect(call, { vm, nic }) {
    const v = await call.core.vms.resolve(call.caller, vm, 'VirtualMachine.Config');
    await call.core.devices.setConnected(call.caller, v.id, deviceOfKey(v, 'nic', nic, v.hardware.nics), true);
    return undefined;
  },

  async disconnect(call, { vm, nic }) {
    const v = await call.core.vms.resolve(call.caller, vm, 'VirtualMachine.Config');
    await call.core.devices.setConnected(call.caller, v.id, deviceOfKey(v, 'nic', nic, v.hardware.nics), false);
    return undefined;
  },
});

function refuseUnhonoured(spec: VmHardwareEthernetCreateSpec | VmHardwareEthernetUpdateSpec): void {
  if (spec.upt_compatibility_enabled) throw notHonoured('spec.upt_compatibility_enabled', 'vmgate has no UPT');
  if ('pci_slot_number' in spec && spec.pci_slot_number !== undefined) throw notHonoured('spec.pci_slot_number', 'vmgate chooses PCI slots itself');
  if (spec.wake_on_lan_enabled) throw notHonoured('spec.wake_on_lan_enabled', 'no vmgate driver wakes a VM on a magic packet');
  if (spec.allow_guest_control) throw notHonoured('spec.allow_guest_control', 'guests cannot connect or disconnect vmgate NICs');
}

/** The MAC a spec asks for: a string (MANUAL), null (generated) or undefined (unchanged / generated). */
function macOf(spec: VmHardwareEthernetCreateSpec | VmHardwareEthernetUpdateSpec): string | null | undefined {
  if (spec.mac_type === 'MANUAL' && spec.mac_address === undefined) throw invalidArgument('spec.mac_address is required when mac_type is MANUAL', { module: 'face.vapi' });
  if (spec.mac_address !== undefined) {
    if (spec.mac_type !== undefined && spec.mac_type !== 'MANUAL') throw invalidArgument('spec.mac_address may only be set when mac_type is MANUAL', { module: 'face.vapi' });
    return spec.mac_address;
  }
  return spec.mac_type === undefined ? undefined : null;
}

async function networkOf(call: VapiCall, b: VmHardwareEthernetBackingSpec): Promise<string> {
  if (b.type !== 'STANDARD_PORTGROUP') throw notHonoured(`spec.backing.type ${b.type}`, "vmgate NICs attach to a standard network ('VM Network', 'isolated' or 'bridge:<linux bridge>')");
  if (b.distributed_port !== undefined) throw notHonoured('spec.backing.distributed_port', 'vmgate has no distributed switches');
  const n = b.network;
  if (n === undefined) return STANDARD_NETWORK_NAME;
  if (/^isolated$/i.test(n) || /^bridge:/i.test(n)) return n;
  const dc = parseNetworkId(n);
  const known = dc !== undefined && (await call.core.inventory.getDatacenter(call.caller, dc).then(() => true, () => false));
  if (!known) throw notFound(`spec.backing.network: network '${n}' was not found`, { module: 'face.vapi' });
  return STANDARD_NETWORK_NAME;
}

async function nicSpec(call: VapiCall, spec: VmHardwareEthernetCreateSpec): Promise<NicSpec> {
  refuseUnhonoured(spec);
  let model: string | undefined;
  if (spec.type !== undefined) {
    model = NIC_MODELS[spec.type];
    if (model === undefined) throw notHonoured(`spec.type ${spec.type}`, 'vmgate emulates E1000, E1000E, VMXNET3 and VIRTIO');
  }
  const mac = macOf(spec);
  return {
    network: spec.backing ? await networkOf(call, spec.backing) : STANDARD_NETWORK_NAME,
    ...(model !== undefined ? { model } : {}),
    ...(typeof mac === 'string' ? { macAddress: mac } : {}),
    connected: spec.start_connected ?? false,
  };
}

async function nicPatch(call: VapiCall, spec: VmHardwareEthernetUpdateSpec): Promise<NicPatch> {
  refuseUnhonoured(spec);
  const mac = macOf(spec);
  return {
    ...(spec.backing ? { network: await networkOf(call, spec.backing) } : {}),
    ...(mac !== undefined ? { macAddress: mac } : {}),
    ...(spec.start_connected !== undefined ? { connected: spec.start_connected } : {}),
  };
}

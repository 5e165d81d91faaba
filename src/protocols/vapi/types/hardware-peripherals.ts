/**
 * com.vmware.vcenter.vm.hardware.{ethernet, floppy, serial, parallel, adapter.scsi,
 * adapter.sata, adapter.nvme}: a VM's devices one at a time. The structures they carry
 * (create / update specs, infos) are in devices.ts, shared with VM create / get.
 *
 * Structure and field names as the official bindings use them; fields and enum values as
 * in the vSphere 7.0.3 API (checked against the REST specs by test/protocols/vapi/codec).
 */
import type { Infer } from './vapi-type.ts';
import { boolean, id, list, optional, struct, voidT } from './vapi-type.ts';
import type { StdErrorKind } from './std.ts';
import { operation, service } from './operation.ts';
import {
  VmHardwareAdapterNvmeCreateSpec,
  VmHardwareAdapterNvmeInfo,
  VmHardwareAdapterSataCreateSpec,
  VmHardwareAdapterSataInfo,
  VmHardwareAdapterScsiCreateSpec,
  VmHardwareAdapterScsiInfo,
  VmHardwareAdapterScsiSharing,
  VmHardwareEthernetCreateSpec,
  VmHardwareEthernetInfo,
  VmHardwareEthernetUpdateSpec,
  VmHardwareFloppyBackingSpec,
  VmHardwareFloppyCreateSpec,
  VmHardwareFloppyInfo,
  VmHardwareParallelCreateSpec,
  VmHardwareParallelInfo,
  VmHardwareParallelUpdateSpec,
  VmHardwareSerialCreateSpec,
  VmHardwareSerialInfo,
  VmHardwareSerialUpdateSpec,
} from './devices.ts';

const VM = id('VirtualMachine');
const READ: StdErrorKind[] = ['error', 'not_found', 'resource_inaccessible', 'service_unavailable', 'unauthenticated', 'unauthorized'];
const WRITE: StdErrorKind[] = [
  'error', 'invalid_argument', 'not_allowed_in_current_state', 'not_found', 'resource_busy',
  'resource_inaccessible', 'service_unavailable', 'unauthenticated', 'unauthorized', 'unsupported',
];
const CREATE: StdErrorKind[] = [...WRITE, 'already_exists', 'unable_to_allocate_resource'];
const CONNECT: StdErrorKind[] = ['already_in_desired_state', ...WRITE];

export const VmHardwareEthernetSummary = struct('com.vmware.vcenter.vm.hardware.ethernet.summary', { nic: id('com.vmware.vcenter.vm.hardware.Ethernet') });
export type VmHardwareEthernetSummary = Infer<typeof VmHardwareEthernetSummary>;
export const VmHardwareFloppySummary = struct('com.vmware.vcenter.vm.hardware.floppy.summary', { floppy: id('com.vmware.vcenter.vm.hardware.Floppy') });
export type VmHardwareFloppySummary = Infer<typeof VmHardwareFloppySummary>;
export const VmHardwareSerialSummary = struct('com.vmware.vcenter.vm.hardware.serial.summary', { port: id('com.vmware.vcenter.vm.hardware.SerialPort') });
export type VmHardwareSerialSummary = Infer<typeof VmHardwareSerialSummary>;
export const VmHardwareParallelSummary = struct('com.vmware.vcenter.vm.hardware.parallel.summary', { port: id('com.vmware.vcenter.vm.hardware.ParallelPort') });
export type VmHardwareParallelSummary = Infer<typeof VmHardwareParallelSummary>;
export const VmHardwareAdapterScsiSummary = struct('com.vmware.vcenter.vm.hardware.adapter.scsi.summary', { adapter: id('com.vmware.vcenter.vm.hardware.ScsiAdapter') });
export type VmHardwareAdapterScsiSummary = Infer<typeof VmHardwareAdapterScsiSummary>;
export const VmHardwareAdapterSataSummary = struct('com.vmware.vcenter.vm.hardware.adapter.sata.summary', { adapter: id('com.vmware.vcenter.vm.hardware.SataAdapter') });
export type VmHardwareAdapterSataSummary = Infer<typeof VmHardwareAdapterSataSummary>;
export const VmHardwareAdapterNvmeSummary = struct('com.vmware.vcenter.vm.hardware.adapter.nvme.summary', { adapter: id('com.vmware.vcenter.vm.hardware.NvmeAdapter') });
export type VmHardwareAdapterNvmeSummary = Infer<typeof VmHardwareAdapterNvmeSummary>;

export const VmHardwareFloppyUpdateSpec = struct('com.vmware.vcenter.vm.hardware.floppy.update_spec', {
  backing: optional(VmHardwareFloppyBackingSpec),
  start_connected: optional(boolean()),
  allow_guest_control: optional(boolean()),
});
export type VmHardwareFloppyUpdateSpec = Infer<typeof VmHardwareFloppyUpdateSpec>;

export const VmHardwareAdapterScsiUpdateSpec = struct('com.vmware.vcenter.vm.hardware.adapter.scsi.update_spec', {
  sharing: optional(VmHardwareAdapterScsiSharing),
});
export type VmHardwareAdapterScsiUpdateSpec = Infer<typeof VmHardwareAdapterScsiUpdateSpec>;

export const VmHardwareEthernetService = service('com.vmware.vcenter.vm.hardware.ethernet', {
  list: operation({ input: { vm: VM }, output: list(VmHardwareEthernetSummary), errors: READ, rest: { method: 'GET', path: '/api/vcenter/vm/{vm}/hardware/ethernet', status: 200 } }),
  get: operation({ input: { vm: VM, nic: id('com.vmware.vcenter.vm.hardware.Ethernet') }, output: VmHardwareEthernetInfo, errors: READ, rest: { method: 'GET', path: '/api/vcenter/vm/{vm}/hardware/ethernet/{nic}', status: 200 } }),
  create: operation({ input: { vm: VM, spec: VmHardwareEthernetCreateSpec }, output: id('com.vmware.vcenter.vm.hardware.Ethernet'), errors: CREATE, rest: { method: 'POST', path: '/api/vcenter/vm/{vm}/hardware/ethernet', status: 201, body: 'spec' } }),
  update: operation({ input: { vm: VM, nic: id('com.vmware.vcenter.vm.hardware.Ethernet'), spec: VmHardwareEthernetUpdateSpec }, output: voidT(), errors: WRITE, rest: { method: 'PATCH', path: '/api/vcenter/vm/{vm}/hardware/ethernet/{nic}', status: 204, body: 'spec' } }),
  delete: operation({ input: { vm: VM, nic: id('com.vmware.vcenter.vm.hardware.Ethernet') }, output: voidT(), errors: WRITE, rest: { method: 'DELETE', path: '/api/vcenter/vm/{vm}/hardware/ethernet/{nic}', status: 204 } }),
  connect: operation({ input: { vm: VM, nic: id('com.vmware.vcenter.vm.hardware.Ethernet') }, output: voidT(), errors: CONNECT, rest: { method: 'POST', path: '/api/vcenter/vm/{vm}/hardware/ethernet/{nic}?action=connect', status: 204 } }),
  disconnect: operation({ input: { vm: VM, nic: id('com.vmware.vcenter.vm.hardware.Ethernet') }, output: voidT(), errors: CONNECT, rest: { method: 'POST', path: '/api/vcenter/vm/{vm}/hardware/ethernet/{nic}?action=disconnect', status: 204 } }),
});

export const VmHardwareFloppyService = service('com.vmware.vcenter.vm.hardware.floppy', {
  list: operation({ input: { vm: VM }, output: list(VmHardwareFloppySummary), errors: READ, rest: { method: 'GET', path: '/api/vcenter/vm/{vm}/hardware/floppy', status: 200 } }),
  get: operation({ input: { vm: VM, floppy: id('com.vmware.vcenter.vm.hardware.Floppy') }, output: VmHardwareFloppyInfo, errors: READ, rest: { method: 'GET', path: '/api/vcenter/vm/{vm}/hardware/floppy/{floppy}', status: 200 } }),
  create: operation({ input: { vm: VM, spec: VmHardwareFloppyCreateSpec }, output: id('com.vmware.vcenter.vm.hardware.Floppy'), errors: CREATE, rest: { method: 'POST', path: '/api/vcenter/vm/{vm}/hardware/floppy', status: 201, body: 'spec' } }),
  update: operation({ input: { vm: VM, floppy: id('com.vmware.vcenter.vm.hardware.Floppy'), spec: VmHardwareFloppyUpdateSpec }, output: voidT(), errors: WRITE, rest: { method: 'PATCH', path: '/api/vcenter/vm/{vm}/hardware/floppy/{floppy}', status: 204, body: 'spec' } }),
  delete: operation({ input: { vm: VM, floppy: id('com.vmware.vcenter.vm.hardware.Floppy') }, output: voidT(), errors: WRITE, rest: { method: 'DELETE', path: '/api/vcenter/vm/{vm}/hardware/floppy/{floppy}', status: 204 } }),
  connect: operation({ input: { vm: VM, floppy: id('com.vmware.vcenter.vm.hardware.Floppy') }, output: voidT(), errors: CONNECT, rest: { method: 'POST', path: '/api/vcenter/vm/{vm}/hardware/floppy/{floppy}?action=connect', status: 204 } }),
  disconnect: operation({ input: { vm: VM, floppy: id('com.vmware.vcenter.vm.hardware.Floppy') }, output: voidT(), errors: CONNECT, rest: { method: 'POST', path: '/api/vcenter/vm/{vm}/hardware/floppy/{floppy}?action=disconnect', status: 204 } }),
});

export const VmHardwareSerialService = service('com.vmware.vcenter.vm.hardware.serial', {
  list: operation({ input: { vm: VM }, output: list(VmHardwareSerialSummary), errors: READ, rest: { method: 'GET', path: '/api/vcenter/vm/{vm}/hardware/serial', status: 200 } }),
  get: operation({ input: { vm: VM, port: id('com.vmware.vcenter.vm.hardware.SerialPort') }, output: VmHardwareSerialInfo, errors: READ, rest: { method: 'GET', path: '/api/vcenter/vm/{vm}/hardware/serial/{port}', status: 200 } }),
  create: operation({ input: { vm: VM, spec: VmHardwareSerialCreateSpec }, output: id('com.vmware.vcenter.vm.hardware.SerialPort'), errors: CREATE, rest: { method: 'POST', path: '/api/vcenter/vm/{vm}/hardware/serial', status: 201, body: 'spec' } }),
  update: operation({ input: { vm: VM, port: id('com.vmware.vcenter.vm.hardware.SerialPort'), spec: VmHardwareSerialUpdateSpec }, output: voidT(), errors: WRITE, rest: { method: 'PATCH', path: '/api/vcenter/vm/{vm}/hardware/serial/{port}', status: 204, body: 'spec' } }),
  delete: operation({ input: { vm: VM, port: id('com.vmware.vcenter.vm.hardware.SerialPort') }, output: voidT(), errors: WRITE, rest: { method: 'DELETE', path: '/api/vcenter/vm/{vm}/hardware/serial/{port}', status: 204 } }),
  connect: operation({ input: { vm: VM, port: id('com.vmware.vcenter.vm.hardware.SerialPort') }, output: voidT(), errors: CONNECT, rest: { method: 'POST', path: '/api/vcenter/vm/{vm}/hardware/serial/{port}?action=connect', status: 204 } }),
  disconnect: operation({ input: { vm: VM, port: id('com.vmware.vcenter.vm.hardware.SerialPort') }, output: voidT(), errors: CONNECT, rest: { method: 'POST', path: '/api/vcenter/vm/{vm}/hardware/serial/{port}?action=disconnect', status: 204 } }),
});

export const VmHardwareParallelService = service('com.vmware.vcenter.vm.hardware.parallel', {
  list: operation({ input: { vm: VM }, output: list(VmHardwareParallelSummary), errors: READ, rest: { method: 'GET', path: '/api/vcenter/vm/{vm}/hardware/parallel', status: 200 } }),
  get: operation({ input: { vm: VM, port: id('com.vmware.vcenter.vm.hardware.ParallelPort') }, output: VmHardwareParallelInfo, errors: READ, rest: { method: 'GET', path: '/api/vcenter/vm/{vm}/hardware/parallel/{port}', status: 200 } }),
  create: operation({ input: { vm: VM, spec: VmHardwareParallelCreateSpec }, output: id('com.vmware.vcenter.vm.hardware.ParallelPort'), errors: CREATE, rest: { method: 'POST', path: '/api/vcenter/vm/{vm}/hardware/parallel', status: 201, body: 'spec' } }),
  update: operation({ input: { vm: VM, port: id('com.vmware.vcenter.vm.hardware.ParallelPort'), spec: VmHardwareParallelUpdateSpec }, output: voidT(), errors: WRITE, rest: { method: 'PATCH', path: '/api/vcenter/vm/{vm}/hardware/parallel/{port}', status: 204, body: 'spec' } }),
  delete: operation({ input: { vm: VM, port: id('com.vmware.vcenter.vm.hardware.ParallelPort') }, output: voidT(), errors: WRITE, rest: { method: 'DELETE', path: '/api/vcenter/vm/{vm}/hardware/parallel/{port}', status: 204 } }),
  connect: operation({ input: { vm: VM, port: id('com.vmware.vcenter.vm.hardware.ParallelPort') }, output: voidT(), errors: CONNECT, rest: { method: 'POST', path: '/api/vcenter/vm/{vm}/hardware/parallel/{port}?action=connect', status: 204 } }),
  disconnect: operation({ input: { vm: VM, port: id('com.vmware.vcenter.vm.hardware.ParallelPort') }, output: voidT(), errors: CONNECT, rest: { method: 'POST', path: '/api/vcenter/vm/{vm}/hardware/parallel/{port}?action=disconnect', status: 204 } }),
});

export const VmHardwareAdapterScsiService = service('com.vmware.vcenter.vm.hardware.adapter.scsi', {
  list: operation({ input: { vm: VM }, output: list(VmHardwareAdapterScsiSummary), errors: READ, rest: { method: 'GET', path: '/api/vcenter/vm/{vm}/hardware/adapter/scsi', status: 200 } }),
  get: operation({ input: { vm: VM, adapter: id('com.vmware.vcenter.vm.hardware.ScsiAdapter') }, output: VmHardwareAdapterScsiInfo, errors: READ, rest: { method: 'GET', path: '/api/vcenter/vm/{vm}/hardware/adapter/scsi/{adapter}', status: 200 } }),
  create: operation({ input: { vm: VM, spec: VmHardwareAdapterScsiCreateSpec }, output: id('com.vmware.vcenter.vm.hardware.ScsiAdapter'), errors: CREATE, rest: { method: 'POST', path: '/api/vcenter/vm/{vm}/hardware/adapter/scsi', status: 201, body: 'spec' } }),
  update: operation({ input: { vm: VM, adapter: id('com.vmware.vcenter.vm.hardware.ScsiAdapter'), spec: VmHardwareAdapterScsiUpdateSpec }, output: voidT(), errors: WRITE, rest: { method: 'PATCH', path: '/api/vcenter/vm/{vm}/hardware/adapter/scsi/{adapter}', status: 204, body: 'spec' } }),
  delete: operation({ input: { vm: VM, adapter: id('com.vmware.vcenter.vm.hardware.ScsiAdapter') }, output: voidT(), errors: WRITE, rest: { method: 'DELETE', path: '/api/vcenter/vm/{vm}/hardware/adapter/scsi/{adapter}', status: 204 } }),
});

export const VmHardwareAdapterSataService = service('com.vmware.vcenter.vm.hardware.adapter.sata', {
  list: operation({ input: { vm: VM }, output: list(VmHardwareAdapterSataSummary), errors: READ, rest: { method: 'GET', path: '/api/vcenter/vm/{vm}/hardware/adapter/sata', status: 200 } }),
  get: operation({ input: { vm: VM, adapter: id('com.vmware.vcenter.vm.hardware.SataAdapter') }, output: VmHardwareAdapterSataInfo, errors: READ, rest: { method: 'GET', path: '/api/vcenter/vm/{vm}/hardware/adapter/sata/{adapter}', status: 200 } }),
  create: operation({ input: { vm: VM, spec: VmHardwareAdapterSataCreateSpec }, output: id('com.vmware.vcenter.vm.hardware.SataAdapter'), errors: CREATE, rest: { method: 'POST', path: '/api/vcenter/vm/{vm}/hardware/adapter/sata', status: 201, body: 'spec' } }),
  delete: operation({ input: { vm: VM, adapter: id('com.vmware.vcenter.vm.hardware.SataAdapter') }, output: voidT(), errors: WRITE, rest: { method: 'DELETE', path: '/api/vcenter/vm/{vm}/hardware/adapter/sata/{adapter}', status: 204 } }),
});

export const VmHardwareAdapterNvmeService = service('com.vmware.vcenter.vm.hardware.adapter.nvme', {
  list: operation({ input: { vm: VM }, output: list(VmHardwareAdapterNvmeSummary), errors: READ, rest: { method: 'GET', path: '/api/vcenter/vm/{vm}/hardware/adapter/nvme', status: 200 } }),
  get: operation({ input: { vm: VM, adapter: id('com.vmware.vcenter.vm.hardware.NvmeAdapter') }, output: VmHardwareAdapterNvmeInfo, errors: READ, rest: { method: 'GET', path: '/api/vcenter/vm/{vm}/hardware/adapter/nvme/{adapter}', status: 200 } }),
  create: operation({ input: { vm: VM, spec: VmHardwareAdapterNvmeCreateSpec }, output: id('com.vmware.vcenter.vm.hardware.NvmeAdapter'), errors: CREATE, rest: { method: 'POST', path: '/api/vcenter/vm/{vm}/hardware/adapter/nvme', status: 201, body: 'spec' } }),
  delete: operation({ input: { vm: VM, adapter: id('com.vmware.vcenter.vm.hardware.NvmeAdapter') }, output: voidT(), errors: WRITE, rest: { method: 'DELETE', path: '/api/vcenter/vm/{vm}/hardware/adapter/nvme/{adapter}', status: 204 } }),
});

/**
 * com.vmware.vcenter.vm.hardware.{floppy, serial, parallel}: a VM's floppy drives and
 * ports (core.devices). Backings vmgate runs:
 *
 * - floppy: IMAGE_FILE (`[datastore] path`), or HOST_DEVICE without a host device (an
 *   empty drive); CLIENT_DEVICE and a named host device are `unsupported`.
 * - serial: FILE (`[datastore] path`, the guest's output appended) and NETWORK_SERVER on
 *   loopback (`tcp://127.0.0.1:<port>`, `tcp://localhost:<port>` or `tcp://:<port>`; ports
 *   1024–65535); pipes, host devices, network clients, other hosts, a proxy, no_rx_loss and
 *   yield_on_poll are `unsupported`.
 * - parallel: FILE; HOST_DEVICE is `unsupported`.
 *
 * start_connected defaults to false (vSphere's default); allow_guest_control true is
 * `unsupported`. create / update / delete need the VM off; connect / disconnect need it
 * on (QEMU connects only NICs while running: `unsupported` for these).
 */
import { invalidArgument } from '../../../core/errors.ts';
import type { FloppySpec, ParallelSpec, SerialSpec, Vm } from '../../../core/index.ts';
import type { VapiCall } from '../call.ts';
import { implement } from '../call.ts';
import type {
  VmHardwareFloppyBackingSpec,
  VmHardwareParallelBackingSpec,
  VmHardwareSerialBackingSpec,
} from '../../../protocols/vapi/types/index.ts';
import { VmHardwareFloppyService, VmHardwareParallelService, VmHardwareSerialService } from '../../../protocols/vapi/types/index.ts';
import type { DeviceKind } from './device-info.ts';
import { deviceOfKey, fileViewOf, floppyInfo, keyOf, parallelInfo, portFiles, serialInfo } from './device-info.ts';
import { notHonoured } from './vm-create-spec.ts';
import { fileInDatastore } from './vm-datastore-paths.ts';

const TCP_LOOPBACK = /^tcp:\/\/(?:127\.0\.0\.1|localhost|\[::1\])?:(\d{1,5})\/?$/i;

function guestControl(spec: { allow_guest_control?: boolean }): void {
  if (spec.allow_guest_control) throw notHonoured('spec.allow_guest_control', 'guests cannot connect or disconnect vmgate devices');
}

function floppies(v: Vm): readonly { device: string }[] {
  return v.hardware.floppies ?? [];
}
function serials(v: Vm): readonly { device: string }[] {
  return v.hardware.serials ?? [];
}
function parallels(v: Vm): readonly { device: string }[] {
  return v.hardware.parallels ?? [];
}

/** Resolve with VirtualMachine.Config, then the device a key names. */
async function target(call: VapiCall, vm: string, kind: DeviceKind, key: string, list: (v: Vm) => readonly { device: string }[]): Promise<{ v: Vm; device: string }> {
  const v = await call.core.vms.resolve(call.caller, vm, 'VirtualMachine.Config');
  return { v, device: deviceOfKey(v, kind, key, list(v)) };
}

async function floppyBacking(call: VapiCall, b: VmHardwareFloppyBackingSpec): Promise<string | null> {
  switch (b.type) {
    case 'IMAGE_FILE':
      if (b.image_file === undefined) throw invalidArgument('spec.backing.image_file is required for an IMAGE_FILE backing', { module: 'face.vapi' });
      return fileInDatastore(call, b.image_file, 'spec.backing.image_file');
    case 'HOST_DEVICE':
      if (b.host_device !== undefined) throw notHonoured('spec.backing.host_device', 'vmgate gives floppy drives no host drive; leave it unset for an empty drive');
      return null;
    default:
      throw notHonoured(`spec.backing.type ${b.type}`, 'vmgate floppy drives use an image file or are empty');
  }
}

async function serialBacking(call: VapiCall, b: VmHardwareSerialBackingSpec): Promise<NonNullable<SerialSpec['backing']>> {
  if (b.no_rx_loss) throw notHonoured('spec.backing.no_rx_loss', 'vmgate serial ports have no receive-loss setting');
  if (b.proxy !== undefined) throw notHonoured('spec.backing.proxy', 'vmgate serial ports have no proxy');
  switch (b.type) {
    case 'FILE':
      if (b.file === undefined) throw invalidArgument('spec.backing.file is required for a FILE backing', { module: 'face.vapi' });
      return { kind: 'file', file: await fileInDatastore(call, b.file, 'spec.backing.file') };
    case 'NETWORK_SERVER': {
      if (b.network_location === undefined) throw invalidArgument('spec.backing.network_location is required for a NETWORK_SERVER backing (tcp://127.0.0.1:<port>)', { module: 'face.vapi' });
      const m = TCP_LOOPBACK.exec(b.network_location);
      if (!m) throw notHonoured(`spec.backing.network_location ${b.network_location}`, 'vmgate serial ports serve raw TCP on loopback only: tcp://127.0.0.1:<port>');
      return { kind: 'tcpServer', port: Number(m[1]) };
    }
    default:
      throw notHonoured(`spec.backing.type ${b.type}`, 'vmgate serial ports write to a file (FILE) or serve TCP on loopback (NETWORK_SERVER)');
  }
}

async function parallelBacking(call: VapiCall, b: VmHardwareParallelBackingSpec): Promise<string> {
  if (b.type !== 'FILE') throw notHonoured(`spec.backing.type ${b.type}`, 'vmgate parallel ports write to a file (FILE)');
  if (b.file === undefined) throw invalidArgument('spec.backing.file is required for a FILE backing', { module: 'face.vapi' });
  return fileInDatastore(call, b.file, 'spec.backing.file');
}

export const floppyHandlers = implement(VmHardwareFloppyService, {
  async list(call, { vm }) {
    const v = await call.core.vms.get(call.caller, vm);
    return floppies(v).map((f) => ({ floppy: keyOf('floppy', f.device) }));
  },
  async get(call, { vm, floppy }) {
    const v = await call.core.vms.get(call.caller, vm);
    const device = deviceOfKey(v, 'floppy', floppy, floppies(v));
    const f = (v.hardware.floppies ?? []).find((x) => x.device.toLowerCase() === device)!;
    return floppyInfo(v, f, await fileViewOf(call, v, [f.imageFile]));
  },
  async create(call, { vm, spec }) {
    guestControl(spec);
    const s: FloppySpec = { imageFile: spec.backing ? await floppyBacking(call, spec.backing) : null, connected: spec.start_connected ?? false };
    return keyOf('floppy', (await call.core.devices.addFloppy(call.caller, vm, s)).device);
  },
  async update(call, { vm, floppy, spec }) {
    guestControl(spec);
    const { v, device } = await target(call, vm, 'floppy', floppy, floppies);
    const s: FloppySpec = { ...(spec.backing ? { imageFile: await floppyBacking(call, spec.backing) } : {}), ...(spec.start_connected !== undefined ? { connected: spec.start_connected } : {}) };
    await call.core.devices.updateFloppy(call.caller, v.id, device, s);
    return undefined;
  },
  async delete(call, { vm, floppy }) {
    const { v, device } = await target(call, vm, 'floppy', floppy, floppies);
    await call.core.devices.remove(call.caller, v.id, device);
    return undefined;
  },
  async connect(call, { vm, floppy }) {
    const { v, device } = await target(call, vm, 'floppy', floppy, floppies);
    await call.core.devices.setConnected(call.caller, v.id, device, true);
    return undefined;
  },
  async disconnect(call, { vm, floppy }) {
    const { v, device } = await target(call, vm, 'floppy', floppy, floppies);
    await call.core.devices.setConnected(call.caller, v.id, device, false);
    return undefined;
  },
});

export const serialHandlers = implement(VmHardwareSerialService, {
  async list(call, { vm }) {
    const v = await call.core.vms.get(call.caller, vm);
    return serials(v).map((p) => ({ port: keyOf('serial', p.device) }));
  },
  async get(call, { vm, port }) {
    const v = await call.core.vms.get(call.caller, vm);
    const device = deviceOfKey(v, 'serial', port, serials(v));
    const p = (v.hardware.serials ?? []).find((x) => x.device.toLowerCase() === device)!;
    return serialInfo(v, p, await fileViewOf(call, v, portFiles(v)));
  },
  async create(call, { vm, spec }) {
    guestControl(spec);
    if (spec.yield_on_poll) throw notHonoured('spec.yield_on_poll', "vmgate's vCPUs do not yield on serial port polls");
    if (spec.backing === undefined) throw invalidArgument('spec.backing is required: a FILE or a NETWORK_SERVER on loopback', { module: 'face.vapi' });
    const s: SerialSpec = { backing: await serialBacking(call, spec.backing), connected: spec.start_connected ?? false };
    return keyOf('serial', (await call.core.devices.addSerial(call.caller, vm, s)).device);
  },
  async update(call, { vm, port, spec }) {
    guestControl(spec);
    if (spec.yield_on_poll) throw notHonoured('spec.yield_on_poll', "vmgate's vCPUs do not yield on serial port polls");
    const { v, device } = await target(call, vm, 'serial', port, serials);
    const s: SerialSpec = {
      ...(spec.backing ? { backing: await serialBacking(call, spec.backing) } : {}),
      ...(spec.start_connected !== undefined ? { connected: spec.start_connected } : {}),
      ...(spec.yield_on_poll !== undefined ? { yieldOnPoll: spec.yield_on_poll } : {}),
    };
    await call.core.devices.updateSerial(call.caller, v.id, device, s);
    return undefined;
  },
  async delete(call, { vm, port }) {
    const { v, device } = await target(call, vm, 'serial', port, serials);
    await call.core.devices.remove(call.caller, v.id, device);
    return undefined;
  },
  async connect(call, { vm, port }) {
    const { v, device } = await target(call, vm, 'serial', port, serials);
    await call.core.devices.setConnected(call.caller, v.id, device, true);
    return undefined;
  },
  async disconnect(call, { vm, port }) {
    const { v, device } = await target(call, vm, 'serial', port, serials);
    await call.core.devices.setConnected(call.caller, v.id, device, false);
    return undefined;
  },
});

export const parallelHandlers = implement(VmHardwareParallelService, {
  async list(call, { vm }) {
    const v = await call.core.vms.get(call.caller, vm);
    return parallels(v).map((p) => ({ port: keyOf('parallel', p.device) }));
  },
  async get(call, { vm, port }) {
    const v = await call.core.vms.get(call.caller, vm);
    const device = deviceOfKey(v, 'parallel', port, parallels(v));
    const p = (v.hardware.parallels ?? []).find((x) => x.device.toLowerCase() === device)!;
    return parallelInfo(v, p, await fileViewOf(call, v, [p.file]));
  },
  async create(call, { vm, spec }) {
    guestControl(spec);
    if (spec.backing === undefined) throw invalidArgument('spec.backing is required: a FILE', { module: 'face.vapi' });
    const s: ParallelSpec = { file: await parallelBacking(call, spec.backing), connected: spec.start_connected ?? false };
    return keyOf('parallel', (await call.core.devices.addParallel(call.caller, vm, s)).device);
  },
  async update(call, { vm, port, spec }) {
    guestControl(spec);
    const { v, device } = await target(call, vm, 'parallel', port, parallels);
    const s: ParallelSpec = { ...(spec.backing ? { file: await parallelBacking(call, spec.backing) } : {}), ...(spec.start_connected !== undefined ? { connected: spec.start_connected } : {}) };
    await call.core.devices.updateParallel(call.caller, v.id, device, s);
    return undefined;
  },
  async delete(call, { vm, port }) {
    const { v, device } = await target(call, vm, 'parallel', port, parallels);
    await call.core.devices.remove(call.caller, v.id, device);
    return undefined;
  },
  async connect(call, { vm, port }) {
    const { v, device } = await target(call, vm, 'parallel', port, parallels);
    await call.core.devices.setConnected(call.caller, v.id, device, true);
    return undefined;
  },
  async disconnect(call, { vm, port }) {
    const { v, device } = await target(call, vm, 'parallel', port, parallels);
    await call.core.devices.setConnected(call.caller, v.id, device, false);
    return undefined;
  },
});

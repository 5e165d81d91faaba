/** Registering an existing .vmx from a datastore into the inventory. */
import { dirname, join, posix } from 'node:path';
import type { Caller } from './caller.ts';
import { parseDatastorePath } from './datastore-path-syntax.ts';
import { alreadyExists, invalidArgument, notFound } from './errors.ts';
import { newGuid, nextId } from './ids.ts';
import type { DriverKind, Vm, VmHardware } from './model/index.ts';
import type { DriverVm } from './ports/driver.ts';
import type { VmDeps } from './vm-deps.ts';
import { checkSerialPortFree, checkVmName } from './vm-hardware.ts';
import type { VmPlacementSpec } from './vm-placement.ts';
import { placeVm } from './vm-placement.ts';
import { checkVmxFileKeys } from './vmx/vmx-file-keys.ts';
import { parseVmx, readVmxConfig, writeVmxConfig } from './vmx/index.ts';

/** Adds an existing .vmx ('[datastore] folder/x.vmx') to the inventory. */
export async function registerVm(d: VmDeps, caller: Caller, spec: { path: string; name?: string; placement?: VmPlacementSpec }): Promise<Vm> {
  let p: { datastoreName: string; rel: string };
  try {
    p = parseDatastorePath(spec.path);
  } catch {
    throw invalidArgument(`'${spec.path}' is not a datastore path like '[datastore1] folder/vm.vmx'`, { module: 'core.vm' });
  }
  const ds = await d.ctx.store.datastores.getByName(p.datastoreName);
  if (!ds) throw notFound(`datastore '${p.datastoreName}' was not found`, { module: 'core.vm' });
  // Authorise before reading anything, so a caller without rights learns nothing about the file.
  const where = spec.placement?.hostId ?? spec.placement?.clusterId ?? (spec.placement?.library ? 'library' : ds.datacenterId);
  await d.authz.require(caller, 'VirtualMachine.Inventory', where);
  const rel = posix.normalize(p.rel);
  if (!rel.endsWith('.vmx')) throw invalidArgument(`'${spec.path}' is not a .vmx file`, { module: 'core.vm' });
  const existing = await d.ctx.store.vms.getByPath(ds.id, rel);
  if (existing) throw alreadyExists(`'${spec.path}' is already registered as ${existing.id} (${existing.name})`, { module: 'core.vm' });
  const files = d.ctx.files(ds);
  const text = await files.readText(rel);
  const doc = parseVmx(text);
  checkVmxFileKeys(doc, { vmxRel: rel, datastoreRoots: (await d.ctx.store.datastores.list()).map((x) => x.path) });
  const cfg = readVmxConfig(doc, { fallbackName: posix.basename(rel, '.vmx') });
  const name = spec.name ?? cfg.name;
  checkVmName(name);
  let uuid = cfg.uuid ?? newGuid();
  if (await d.ctx.store.vms.getByUuid(uuid)) uuid = newGuid(); // a copied VM keeps its old uuid: give it a new one
  const { host } = await placeVm(d, caller, { id: 'registering VM', name, hardware: cfg.hardware }, { ...spec.placement, datastoreId: ds.id });
  const driverKind = host?.driver ?? d.ctx.config.defaultDriver;
  const vmxPath = join(ds.path, ...rel.split('/'));
  const hardware = await withImageCapacities(d, driverKind, { id: 'registering VM', uuid, name, dir: dirname(vmxPath), vmxPath, hardware: cfg.hardware });
  // A loopback TCP port belongs to one serial port (as core.devices insists on add and
  // update): a .vmx whose serial port listens on one another VM's serial port uses is
  // refused, nothing written. From that check to the record, one step among serial-port changes.
  const tcpSerials = (hardware.serials ?? []).filter((x) => x.backing.kind === 'tcpServer');
  const record = async (): Promise<Vm> => {
    const others = tcpSerials.length > 0 ? await d.ctx.store.vms.query({}) : [];
    const seen = new Map<number, string>();
    for (const x of tcpSerials) {
      const port = x.backing.kind === 'tcpServer' ? x.backing.port : 0;
      const twin = seen.get(port);
      if (twin !== undefined) throw alreadyExists(`'${spec.path}' cannot be registered: its ${twin} and ${x.device} both use TCP port ${port}: give one another port`, { module: 'core.vm' });
      seen.set(port, x.device);
      checkSerialPortFree(others, x.backing, null, `'${spec.path}' cannot be registered: its ${x.device}'s `);
    }
    const now = d.ctx.clock.now().toISOString();
    const vm: Vm = {
      id: await nextId(d.ctx.store, 'vm'),
      uuid,
      name,
      fqdn: cfg.fqdn ?? `${name.toLowerCase().replace(/[^a-z0-9-]+/g, '-')}.vmgate.local`,
      datastoreId: ds.id,
      vmxRel: rel,
      hardware,
      powerState: 'poweredOff',
      toolsState: 'unknown',
      hostId: host?.id ?? null,
      driver: host?.driver ?? d.ctx.config.defaultDriver,
      ownerId: caller.kind === 'user' ? caller.userId : null,
      currentSnapshotId: null,
      annotation: cfg.annotation,
      createdAt: now,
      updatedAt: now,
    };
    if (uuid !== cfg.uuid || name !== cfg.name || hardware !== cfg.hardware) {
      writeVmxConfig(doc, { ...cfg, name, uuid, hardware });
      await files.writeAtomic(rel, doc.toString());
    }
    await d.ctx.store.vms.insert(vm);
    return vm;
  };
  const vm = tcpSerials.length > 0 ? await d.ctx.sections.run('serial-port', record) : await record();
  await d.events.record(vm.id, 'vm.registered', `virtual machine '${vm.name}' registered from ${spec.path}`, { caller });
  d.ctx.bus.emit('vm.changed', vm, null);
  return vm;
}

/**
 * A `.vmx` says nothing of a disk's size (VMware keeps it in the disk's descriptor): ask the
 * driver to read the images (QEMU: qemu-img info) for disks without a recorded capacity.
 * Returns the hardware unchanged (the same object) when there is nothing to fill in.
 */
async function withImageCapacities(d: VmDeps, kind: DriverKind, dvm: DriverVm): Promise<VmHardware> {
  const hw = dvm.hardware;
  const driver = d.ctx.drivers.get(kind);
  if (!driver?.diskCapacities || !hw.disks.some((x) => x.capacityMiB === 0)) return hw;
  const sizes = await driver.diskCapacities(dvm).catch(() => [] as (number | null)[]);
  let changed = false;
  const disks = hw.disks.map((disk, i) => {
    const bytes = sizes[i];
    if (disk.capacityMiB !== 0 || bytes === null || bytes === undefined || bytes <= 0) return disk;
    changed = true;
    return { ...disk, capacityMiB: Math.ceil(bytes / (1024 * 1024)) };
  });
  return changed ? { ...hw, disks } : hw;
}

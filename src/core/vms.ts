import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { formatDatastorePath, parseDatastorePath } from './datastore-path-syntax.ts';
import type { Caller } from './caller.ts';
import type { CoreContext } from './context.ts';
import type { Authorizer } from './authorizer.ts';
import type { EventLog } from './events.ts';
import { alreadyExists, invalidArgument, notAllowedInCurrentState, notFound, unsupported } from './errors.ts';
import { newGuid, nextId } from './ids.ts';
import { checkFreeText, checkObjectName, TEXT_LIMITS } from './names.ts';
import type { InventoryService } from './inventory.ts';
import type { Datastore, Host, KernelBoot, Task, Vm, VmFilter, VmHardware } from './model/index.ts';
import { chooseHost } from './placement.ts';
import { describePowerState, isRunningState } from './power.ts';
import type { TaskEngine } from './tasks.ts';
import type { VmRuntime } from './vm-runtime.ts';
import { buildNewVmx, parseVmx, readVmxConfig, writeVmxConfig } from './vmx/index.ts';
import { checkVmxFileKeys } from './vmx/vmx-file-keys.ts';

export interface VmPlacementSpec {
  readonly hostId?: string;
  readonly clusterId?: string;
  readonly datastoreId?: string;
  /** Put it in the library (registered, not on any host). */
  readonly library?: boolean;
}

export interface VmCreateSpec {
  readonly name: string;
  readonly guestOs?: string;
  readonly cpuCount?: number;
  readonly coresPerSocket?: number;
  readonly memoryMiB?: number;
  readonly hardwareVersion?: number;
  readonly firmware?: 'bios' | 'efi';
  readonly disks?: readonly { capacityMiB: number; fileName?: string }[];
  readonly nics?: readonly { network?: string; model?: string; macAddress?: string; connected?: boolean }[];
  /** `connected` (start connected at power on) defaults to whether there is an ISO. */
  readonly cdroms?: readonly { isoFile: string | null; connected?: boolean }[];
  readonly kernelBoot?: KernelBoot | null;
  readonly fqdn?: string;
  readonly annotation?: string;
  readonly placement?: VmPlacementSpec;
}

export interface VmHardwareUpdate {
  readonly cpuCount?: number;
  readonly coresPerSocket?: number;
  readonly memoryMiB?: number;
  readonly guestOs?: string;
  readonly annotation?: string;
}

export const LATEST_HW_VERSION = 19;

/** VM inventory: create, register, unregister, delete, clone, relocate, hardware. */
export class VmService {
  constructor(
    private readonly ctx: CoreContext,
    private readonly authz: Authorizer,
    private readonly events: EventLog,
    private readonly tasks: TaskEngine,
    private readonly inventory: InventoryService,
    private readonly rt: VmRuntime,
  ) {}

  /** A VM by id ('vm-12'), GUID, datastore path ('[ds] folder/x.vmx') or name. */
  async find(ref: string): Promise<Vm | undefined> {
    const s = this.ctx.store.vms;
    if (typeof ref !== 'string' || ref.length === 0 || ref.length > 1024) return undefined;
    if (/^vm-\d+$/.test(ref)) return s.get(ref);
    if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(ref)) return s.getByUuid(ref.toLowerCase());
    if (ref.startsWith('[')) {
      let p: { datastoreName: string; rel: string };
      try {
        p = parseDatastorePath(ref);
      } catch {
        return undefined;
      }
      const ds = await this.ctx.store.datastores.getByName(p.datastoreName);
      return ds ? s.getByPath(ds.id, posix.normalize(p.rel)) : undefined;
    }
    if (ref.startsWith('/')) {
      for (const ds of await this.ctx.store.datastores.list()) {
        if (ref.startsWith(ds.path + '/')) return s.getByPath(ds.id, ref.slice(ds.path.length + 1));
      }
      return undefined;
    }
    return s.getByName(ref);
  }

  /** Resolves and checks the privilege; unknown and invisible VMs answer the same not_found. */
  async resolve(caller: Caller, ref: string, privilege: Parameters<Authorizer['require']>[1] = 'System.View'): Promise<Vm> {
    const vm = await this.find(ref);
    if (!vm) throw notFound(`virtual machine '${ref}' was not found`, { module: 'core.vm' });
    await this.authz.requireVisible(caller, privilege, vm.id, await this.authz.vmAncestry(vm));
    return vm;
  }

  async get(caller: Caller, ref: string): Promise<Vm> {
    return this.resolve(caller, ref);
  }

  async list(caller: Caller, filter: VmFilter = {}): Promise<Vm[]> {
    const rows = await this.ctx.store.vms.query(filter);
    if (await this.authz.seesAll(caller)) return rows;
    const out: Vm[] = [];
    for (const vm of rows) if (await this.authz.has(caller, 'System.View', vm.id, await this.authz.vmAncestry(vm))) out.push(vm);
    return out;
  }

  async count(caller: Caller, filter: VmFilter = {}): Promise<number> {
    if (await this.authz.seesAll(caller)) return this.ctx.store.vms.countBy(filter);
    return (await this.list(caller, filter)).length;
  }

  /** The .vmx path as VMware prints it: '[datastore1] web01/web01.vmx'. */
  async vmxPath(vm: Vm): Promise<string> {
    return formatDatastorePath((await this.rt.datastoreOf(vm)).name, vm.vmxRel);
  }

  /** Where a new or moved VM goes. */
  private async place(caller: Caller, vm: Pick<Vm, 'id' | 'name' | 'hardware'>, spec: VmPlacementSpec | undefined): Promise<{ host: Host | null; datastore: Datastore }> {
    const store = this.ctx.store;
    let host: Host | null = null;
    if (spec?.library) {
      host = null;
    } else if (spec?.hostId) {
      host = await this.inventory.getHost(caller, spec.hostId);
    } else {
      let hosts = await store.hosts.list();
      if (spec?.clusterId) {
        const c = await this.inventory.getCluster(caller, spec.clusterId);
        hosts = hosts.filter((h) => h.clusterId === c.id);
      }
      const inScope = hosts.length;
      if (spec?.datastoreId) hosts = hosts.filter((h) => h.datastoreIds.includes(spec.datastoreId!));
      if (hosts.length > 0) {
        const loads = await Promise.all(hosts.map((h) => this.inventory.hostLoad(h)));
        host = chooseHost(vm, loads, { cpuOvercommit: this.ctx.config.cpuOvercommit }).host;
      } else if (spec?.clusterId) {
        throw inScope > 0
          ? invalidArgument(`no host of cluster ${spec.clusterId} sees datastore ${spec.datastoreId}, so ${vm.name} cannot go there`, { module: 'core.placement' })
          : notFound(`cluster ${spec.clusterId} has no hosts to place ${vm.name} on`, { module: 'core.placement' });
      }
    }
    if (host) await this.authz.require(caller, 'VirtualMachine.Inventory', host.id);
    else await this.authz.require(caller, 'VirtualMachine.Inventory', 'library');
    let datastore: Datastore;
    if (spec?.datastoreId) {
      datastore = await this.inventory.getDatastore(caller, spec.datastoreId);
      if (host && !host.datastoreIds.includes(datastore.id)) throw invalidArgument(`host ${host.name} does not see datastore ${datastore.name}`, { module: 'core.placement' });
    } else {
      const dsId = host?.datastoreIds[0] ?? (await store.datastores.list())[0]?.id;
      if (!dsId) throw notFound('there is no datastore to put the VM on: create one first', { module: 'core.placement' });
      datastore = await this.inventory.findDatastore(dsId);
    }
    return { host, datastore };
  }

  async create(caller: Caller, spec: VmCreateSpec): Promise<Vm> {
    checkVmName(spec.name);
    checkFreeText('annotation', spec.annotation, TEXT_LIMITS.long, 'core.vm');
    const hardware = buildHardware(spec);
    const draft = { id: 'new VM', name: spec.name, hardware };
    const { host, datastore } = await this.place(caller, draft, spec.placement);
    const driverKind = host?.driver ?? this.ctx.config.defaultDriver;
    const files = this.ctx.files(datastore);
    const folder = await files.createVmFolder(spec.name);
    const now = this.ctx.clock.now().toISOString();
    const uuid = newGuid();
    const disks = hardware.disks.map((d, i) => ({ ...d, fileName: d.fileName || `${spec.name}${i === 0 ? '' : `_${i}`}.${driverKind === 'qemu' ? 'qcow2' : 'vmdk'}` }));
    const hw: VmHardware = { ...hardware, disks };
    const vmxRel = posix.join(folder, `${posix.basename(folder)}.vmx`);
    const vm: Vm = {
      id: await nextId(this.ctx.store, 'vm'),
      uuid,
      name: spec.name,
      fqdn: spec.fqdn ?? `${spec.name.toLowerCase().replace(/[^a-z0-9-]+/g, '-')}.vmgate.local`,
      datastoreId: datastore.id,
      vmxRel,
      hardware: hw,
      powerState: 'poweredOff',
      toolsState: 'unknown',
      hostId: host?.id ?? null,
      driver: driverKind,
      ownerId: caller.kind === 'user' ? caller.userId : null,
      currentSnapshotId: null,
      annotation: spec.annotation ?? '',
      createdAt: now,
      updatedAt: now,
    };
    try {
      await files.writeAtomic(vmxRel, buildNewVmx({ name: vm.name, uuid, hardware: hw, fqdn: vm.fqdn, annotation: vm.annotation }));
      const driver = this.rt.driverFor(vm);
      await driver.createDisks(this.rt.driverVm(vm, datastore));
      await this.ctx.store.vms.insert(vm);
    } catch (e) {
      await files.removeVmFolder(folder).catch(() => undefined);
      throw e;
    }
    await this.events.record(vm.id, 'vm.created', `virtual machine '${vm.name}' created on ${host ? host.name : 'the library'} in [${datastore.name}] ${folder}`, { caller });
    this.ctx.bus.emit('vm.changed', vm, null);
    return vm;
  }

  /** Adds an existing .vmx ('[datastore] folder/x.vmx') to the inventory. */
  async register(caller: Caller, spec: { path: string; name?: string; placement?: VmPlacementSpec }): Promise<Vm> {
    let p: { datastoreName: string; rel: string };
    try {
      p = parseDatastorePath(spec.path);
    } catch {
      throw invalidArgument(`'${spec.path}' is not a datastore path like '[datastore1] folder/vm.vmx'`, { module: 'core.vm' });
    }
    const ds = await this.ctx.store.datastores.getByName(p.datastoreName);
    if (!ds) throw notFound(`datastore '${p.datastoreName}' was not found`, { module: 'core.vm' });
    // Authorise before reading anything, so a caller without rights learns nothing about the file.
    const where = spec.placement?.hostId ?? spec.placement?.clusterId ?? (spec.placement?.library ? 'library' : ds.datacenterId);
    await this.authz.require(caller, 'VirtualMachine.Inventory', where);
    const rel = posix.normalize(p.rel);
    if (!rel.endsWith('.vmx')) throw invalidArgument(`'${spec.path}' is not a .vmx file`, { module: 'core.vm' });
    const existing = await this.ctx.store.vms.getByPath(ds.id, rel);
    if (existing) throw alreadyExists(`'${spec.path}' is already registered as ${existing.id} (${existing.name})`, { module: 'core.vm' });
    const files = this.ctx.files(ds);
    const text = await files.readText(rel);
    const doc = parseVmx(text);
    checkVmxFileKeys(doc, { vmxRel: rel, datastoreRoots: (await this.ctx.store.datastores.list()).map((d) => d.path) });
    const cfg = readVmxConfig(doc, { fallbackName: posix.basename(rel, '.vmx') });
    const name = spec.name ?? cfg.name;
    checkVmName(name);
    let uuid = cfg.uuid ?? newGuid();
    if (await this.ctx.store.vms.getByUuid(uuid)) uuid = newGuid(); // a copied VM keeps its old uuid: give it a new one
    const { host } = await this.place(caller, { id: 'registering VM', name, hardware: cfg.hardware }, { ...spec.placement, datastoreId: ds.id });
    const now = this.ctx.clock.now().toISOString();
    const vm: Vm = {
      id: await nextId(this.ctx.store, 'vm'),
      uuid,
      name,
      fqdn: cfg.fqdn ?? `${name.toLowerCase().replace(/[^a-z0-9-]+/g, '-')}.vmgate.local`,
      datastoreId: ds.id,
      vmxRel: rel,
      hardware: cfg.hardware,
      powerState: 'poweredOff',
      toolsState: 'unknown',
      hostId: host?.id ?? null,
      driver: host?.driver ?? this.ctx.config.defaultDriver,
      ownerId: caller.kind === 'user' ? caller.userId : null,
      currentSnapshotId: null,
      annotation: cfg.annotation,
      createdAt: now,
      updatedAt: now,
    };
    if (uuid !== cfg.uuid || name !== cfg.name) {
      writeVmxConfig(doc, { ...cfg, name, uuid });
      await files.writeAtomic(rel, doc.toString());
    }
    await this.ctx.store.vms.insert(vm);
    await this.events.record(vm.id, 'vm.registered', `virtual machine '${vm.name}' registered from ${spec.path}`, { caller });
    this.ctx.bus.emit('vm.changed', vm, null);
    return vm;
  }

  /** Removes a VM from the inventory; its files stay on the datastore. */
  async unregister(caller: Caller, ref: string): Promise<void> {
    const vm = await this.resolve(caller, ref, 'VirtualMachine.Inventory');
    const release = this.ctx.locks.acquire(vm.id, 'unregister');
    try {
      const cur = (await this.ctx.store.vms.get(vm.id))!;
      if (cur.powerState !== 'poweredOff') throw notAllowedInCurrentState(`cannot unregister ${vm.id} (${vm.name}) while it is ${describePowerState(cur.powerState)}: power it off first`, { module: 'core.vm', reason: 'vm_is_running' });
      const { driver, dvm } = await this.rt.resolveDriverVm(cur);
      await this.removeRecords(cur);
      await driver.forget(dvm);
      await this.events.record(vm.id, 'vm.unregistered', `virtual machine '${vm.name}' unregistered; its files stay in ${await this.vmxPath(cur)}`, { caller });
      this.ctx.bus.emit('vm.removed', cur);
    } finally {
      release();
    }
  }

  /** Removes a VM and its files. */
  async delete(caller: Caller, ref: string): Promise<void> {
    const vm = await this.resolve(caller, ref, 'VirtualMachine.Inventory');
    const release = this.ctx.locks.acquire(vm.id, 'delete');
    try {
      const cur = (await this.ctx.store.vms.get(vm.id))!;
      if (cur.powerState !== 'poweredOff') throw notAllowedInCurrentState(`cannot delete ${vm.id} (${vm.name}) while it is ${describePowerState(cur.powerState)}: power it off first`, { module: 'core.vm', reason: 'vm_is_running' });
      const ds = await this.rt.datastoreOf(cur);
      const { driver, dvm } = await this.rt.resolveDriverVm(cur);
      await driver.forget(dvm);
      await this.removeRecords(cur);
      await this.ctx.files(ds).removeVmFolder(posix.dirname(cur.vmxRel));
      await this.events.record(vm.id, 'vm.deleted', `virtual machine '${vm.name}' deleted with its files`, { caller });
      this.ctx.bus.emit('vm.removed', cur);
    } finally {
      release();
    }
  }

  private async removeRecords(vm: Vm): Promise<void> {
    await this.ctx.store.transaction(async (tx) => {
      await tx.snapshots.deleteForVm(vm.id);
      for (const p of await tx.permissions.listForEntity(vm.id)) await tx.permissions.delete(p.id);
      for (const pool of await tx.pools.list()) if (pool.vmIds.includes(vm.id)) await tx.pools.update(pool.id, { vmIds: pool.vmIds.filter((v) => v !== vm.id) });
      for (const ds of await tx.desktopSessions.listForVm(vm.id)) await tx.desktopSessions.delete(ds.id);
      await tx.vms.delete(vm.id);
    });
  }

  /** Moves a VM to another host, another datastore, into or out of the library. A task. */
  async relocate(caller: Caller, ref: string, spec: VmPlacementSpec): Promise<Task> {
    const vm = await this.resolve(caller, ref, 'VirtualMachine.Inventory');
    const release = this.ctx.locks.acquire(vm.id, 'relocate');
    try {
      const { host, datastore } = await this.place(caller, vm, spec.hostId || spec.clusterId || spec.library ? spec : { ...spec, ...(vm.hostId ? { hostId: vm.hostId } : { library: true }) });
      const driverKind = host?.driver ?? vm.driver;
      const moveStorage = datastore.id !== vm.datastoreId;
      if (isRunningState(vm.powerState) || vm.powerState === 'suspended') {
        if (!host) throw notAllowedInCurrentState(`cannot move ${vm.id} (${vm.name}) into the library while it is ${describePowerState(vm.powerState)}`, { module: 'core.vm' });
        if (moveStorage) throw notAllowedInCurrentState(`cannot move the storage of ${vm.id} (${vm.name}) while it is ${describePowerState(vm.powerState)}`, { module: 'core.vm' });
        if (driverKind !== vm.driver) throw notAllowedInCurrentState(`cannot move running ${vm.id} from a ${vm.driver} host to a ${driverKind} host`, { module: 'core.vm' });
        if (vm.powerState !== 'suspended' && host.id !== vm.hostId) chooseHost(vm, [await this.inventory.hostLoad(host)], { cpuOvercommit: this.ctx.config.cpuOvercommit });
      }
      if (driverKind !== vm.driver) throw unsupported(`moving ${vm.id} from a ${vm.driver} host to a ${driverKind} host is not supported: disk formats differ`, { module: 'core.vm' });
      return await this.tasks.start(
        { kind: 'vm.relocate', targetId: vm.id, targetName: vm.name, caller, cancellable: false, release, lockedVmId: vm.id, step: `Moving ${vm.name}` },
        async (t) => {
          let cur = (await this.ctx.store.vms.get(vm.id))!;
          let vmxRel = cur.vmxRel;
          if (moveStorage) {
            t.progress(10, `Copying ${vm.name} to [${datastore.name}]`);
            const from = await this.rt.datastoreOf(cur);
            const folder = await this.ctx.files(from).moveFolderTo(this.ctx.files(datastore), posix.dirname(cur.vmxRel));
            vmxRel = posix.join(folder, posix.basename(cur.vmxRel));
          }
          t.progress(90, 'Updating the inventory');
          cur = await this.rt.update(cur, { hostId: host?.id ?? null, datastoreId: datastore.id, vmxRel, driver: driverKind });
          await this.events.record(vm.id, 'vm.relocated', `moved to ${host ? host.name : 'the library'}${moveStorage ? ` and [${datastore.name}]` : ''}`, { caller, taskId: t.taskId });
          return { vm: cur.id, host: cur.hostId, datastore: datastore.id };
        },
      );
    } catch (e) {
      release();
      throw e;
    }
  }

  /** Full clone of a powered-off or suspended VM (its disks are copied). A task whose result is the new VM's id. */
  async clone(caller: Caller, ref: string, spec: { name: string; placement?: VmPlacementSpec; powerOn?: boolean }): Promise<Task> {
    const src = await this.resolve(caller, ref, 'VirtualMachine.Inventory');
    checkVmName(spec.name);
    const release = this.ctx.locks.acquire(src.id, 'clone');
    try {
      if (src.powerState !== 'poweredOff') throw notAllowedInCurrentState(`cannot clone ${src.id} (${src.name}) while it is ${describePowerState(src.powerState)}: power it off first`, { module: 'core.vm' });
      const { host, datastore } = await this.place(caller, src, spec.placement ?? (src.hostId ? { hostId: src.hostId } : { library: true }));
      const driverKind = host?.driver ?? src.driver;
      if (driverKind !== src.driver) throw unsupported(`cloning from a ${src.driver} host to a ${driverKind} host is not supported`, { module: 'core.vm' });
      return await this.tasks.start(
        { kind: 'vm.clone', targetId: src.id, targetName: src.name, caller, cancellable: false, release, lockedVmId: src.id, step: `Cloning ${src.name}` },
        async (t) => {
          const fromDs = await this.rt.datastoreOf(src);
          const to = this.ctx.files(datastore);
          const folder = await to.createVmFolder(spec.name);
          try {
            t.progress(5, 'Copying disks');
            await this.ctx.files(fromDs).copyFolderTo(to, posix.dirname(src.vmxRel), folder);
            const oldVmx = posix.join(folder, posix.basename(src.vmxRel));
            const vmxRel = posix.join(folder, `${posix.basename(folder)}.vmx`);
            const doc = parseVmx(await to.readText(oldVmx));
            const cfg = readVmxConfig(doc);
            const uuid = newGuid();
            const nics = cfg.hardware.nics.map((n) => ({ ...n, macAddress: newMac() }));
            const hardware = { ...cfg.hardware, nics };
            writeVmxConfig(doc, { ...cfg, name: spec.name, uuid, hardware, fqdn: `${spec.name.toLowerCase().replace(/[^a-z0-9-]+/g, '-')}.vmgate.local` });
            await to.writeAtomic(vmxRel, doc.toString());
            if (oldVmx !== vmxRel) await to.removeFile(oldVmx);
            for (const f of ['vmware.log', 'sim-disk.json']) await to.removeFile(posix.join(folder, f)).catch(() => undefined);
            t.progress(90, 'Registering the clone');
            const now = this.ctx.clock.now().toISOString();
            const vm: Vm = {
              ...src,
              id: await nextId(this.ctx.store, 'vm'),
              uuid,
              name: spec.name,
              fqdn: `${spec.name.toLowerCase().replace(/[^a-z0-9-]+/g, '-')}.vmgate.local`,
              datastoreId: datastore.id,
              vmxRel,
              hardware,
              powerState: 'poweredOff',
              toolsState: 'unknown',
              hostId: host?.id ?? null,
              ownerId: caller.kind === 'user' ? caller.userId : null,
              currentSnapshotId: null,
              createdAt: now,
              updatedAt: now,
            };
            await this.ctx.store.vms.insert(vm);
            await this.events.record(vm.id, 'vm.cloned', `cloned from ${src.id} (${src.name})`, { caller, taskId: t.taskId });
            this.ctx.bus.emit('vm.changed', vm, null);
            return vm.id;
          } catch (e) {
            await to.removeVmFolder(folder).catch(() => undefined);
            throw e;
          }
        },
      );
    } catch (e) {
      release();
      throw e;
    }
  }

  async updateHardware(caller: Caller, ref: string, patch: VmHardwareUpdate): Promise<Vm> {
    const vm = await this.resolve(caller, ref, 'VirtualMachine.Config');
    const release = this.ctx.locks.acquire(vm.id, 'reconfigure');
    try {
      const cur = (await this.ctx.store.vms.get(vm.id))!;
      const hotOk = patch.cpuCount === undefined && patch.memoryMiB === undefined && patch.coresPerSocket === undefined;
      if (!hotOk && cur.powerState !== 'poweredOff') throw notAllowedInCurrentState(`cannot change vCPUs or memory of ${vm.id} (${vm.name}) while it is ${describePowerState(cur.powerState)}`, { module: 'core.vm' });
      const hardware: VmHardware = validateHardware({
        ...cur.hardware,
        ...(patch.cpuCount !== undefined ? { cpuCount: patch.cpuCount } : {}),
        ...(patch.coresPerSocket !== undefined ? { coresPerSocket: patch.coresPerSocket } : {}),
        ...(patch.memoryMiB !== undefined ? { memoryMiB: patch.memoryMiB } : {}),
        ...(patch.guestOs !== undefined ? { guestOs: patch.guestOs } : {}),
      });
      checkFreeText('annotation', patch.annotation, TEXT_LIMITS.long, 'core.vm');
      const annotation = patch.annotation ?? cur.annotation;
      await this.rewriteVmx(cur, { hardware, annotation });
      const next = await this.rt.update(cur, { hardware, annotation });
      await this.events.record(vm.id, 'vm.reconfigured', `reconfigured: ${Object.keys(patch).join(', ')}`, { caller });
      return next;
    } finally {
      release();
    }
  }

  /** Raises virtualHW.version (to the latest when `version` is omitted). A task. */
  async upgradeHardware(caller: Caller, ref: string, version?: number): Promise<Task> {
    const vm = await this.resolve(caller, ref, 'VirtualMachine.Config');
    const release = this.ctx.locks.acquire(vm.id, 'upgrade');
    try {
      const target = version ?? LATEST_HW_VERSION;
      if (!Number.isInteger(target) || target < 4 || target > LATEST_HW_VERSION) throw invalidArgument(`hardware version ${version} is not supported (4–${LATEST_HW_VERSION})`, { module: 'core.vm' });
      if (vm.powerState !== 'poweredOff') throw notAllowedInCurrentState(`cannot upgrade the hardware of ${vm.id} (${vm.name}) while it is ${describePowerState(vm.powerState)}`, { module: 'core.vm', reason: 'vm_is_running' });
      if (vm.hardware.version >= target) throw alreadyExists(`${vm.id} (${vm.name}) is already at hardware version vmx-${vm.hardware.version}`, { module: 'core.vm', reason: 'already_in_state' });
      return await this.tasks.start({ kind: 'vm.upgrade', targetId: vm.id, targetName: vm.name, caller, cancellable: false, release, lockedVmId: vm.id, step: 'Upgrading virtual hardware' }, async (t) => {
        const cur = (await this.ctx.store.vms.get(vm.id))!;
        const hardware = { ...cur.hardware, version: target };
        await this.rewriteVmx(cur, { hardware });
        await this.rt.update(cur, { hardware });
        await this.events.record(vm.id, 'vm.upgraded', `virtual hardware upgraded from vmx-${cur.hardware.version} to vmx-${target}`, { caller, taskId: t.taskId });
        return { version: target };
      });
    } catch (e) {
      release();
      throw e;
    }
  }

  /** Rewrites the .vmx with the VM's current identity and a hardware/annotation change. */
  async rewriteVmx(vm: Vm, change: { hardware?: VmHardware; annotation?: string; name?: string }): Promise<void> {
    const files = this.ctx.files(await this.rt.datastoreOf(vm));
    const doc = parseVmx(await files.readText(vm.vmxRel));
    const cfg = readVmxConfig(doc);
    writeVmxConfig(doc, { ...cfg, name: change.name ?? vm.name, uuid: vm.uuid, hardware: change.hardware ?? vm.hardware, annotation: change.annotation ?? vm.annotation, fqdn: vm.fqdn });
    await files.writeAtomic(vm.vmxRel, doc.toString());
  }

  async rename(caller: Caller, ref: string, name: string): Promise<Vm> {
    const vm = await this.resolve(caller, ref, 'VirtualMachine.Config');
    checkVmName(name);
    await this.rewriteVmx(vm, { name });
    const next = await this.rt.update(vm, { name });
    await this.events.record(vm.id, 'vm.renamed', `renamed from '${vm.name}' to '${name}'`, { caller });
    return next;
  }
}

export function checkVmName(name: unknown): asserts name is string {
  checkObjectName('VM name', name, { also: [/[/\\"]/, 'no slashes, backslashes or quotes'], module: 'core.vm' });
}

export function newMac(): string {
  const b = randomBytes(3);
  return `00:50:56:${(b[0]! & 0x3f).toString(16).padStart(2, '0')}:${b[1]!.toString(16).padStart(2, '0')}:${b[2]!.toString(16).padStart(2, '0')}`;
}

function buildHardware(spec: VmCreateSpec): VmHardware {
  const disks = (spec.disks ?? [{ capacityMiB: 1024 }]).map((d, i) => ({
    device: i < 16 ? `scsi0:${i >= 7 ? i + 1 : i}` : `scsi1:${i - 16}`,
    fileName: d.fileName ?? '',
    capacityMiB: d.capacityMiB,
  }));
  const nics = (spec.nics ?? [{}]).map((n, i) => ({
    device: `ethernet${i}`,
    macAddress: n.macAddress ?? newMac(),
    network: n.network ?? 'VM Network',
    connected: n.connected ?? true,
    model: n.model ?? 'vmxnet3',
  }));
  const cdroms = (spec.cdroms ?? []).map((c, i) => ({ device: `ide1:${i}`, isoFile: c.isoFile, connected: c.connected ?? c.isoFile !== null }));
  return validateHardware({
    cpuCount: spec.cpuCount ?? 1,
    coresPerSocket: spec.coresPerSocket ?? 1,
    memoryMiB: spec.memoryMiB ?? 512,
    guestOs: spec.guestOs ?? 'otherlinux-64',
    version: spec.hardwareVersion ?? LATEST_HW_VERSION,
    firmware: spec.firmware ?? 'bios',
    disks,
    nics,
    cdroms,
    kernelBoot: spec.kernelBoot ?? null,
  });
}

function validateHardware(hw: VmHardware): VmHardware {
  const bad = (m: string): never => {
    throw invalidArgument(m, { module: 'core.vm' });
  };
  if (!Number.isInteger(hw.cpuCount) || hw.cpuCount < 1 || hw.cpuCount > 128) bad(`cpu count ${hw.cpuCount} is out of range (1–128)`);
  if (!Number.isInteger(hw.coresPerSocket) || hw.coresPerSocket < 1 || hw.cpuCount % hw.coresPerSocket !== 0) bad(`cores per socket ${hw.coresPerSocket} must divide the cpu count ${hw.cpuCount}`);
  if (!Number.isInteger(hw.memoryMiB) || hw.memoryMiB < 4 || hw.memoryMiB > 4 * 1024 * 1024 || hw.memoryMiB % 4 !== 0) bad(`memory ${hw.memoryMiB} MiB is out of range (4 MiB – 4 TiB, a multiple of 4)`);
  if (!Number.isInteger(hw.version) || hw.version < 4 || hw.version > LATEST_HW_VERSION) bad(`hardware version ${hw.version} is not supported (4–${LATEST_HW_VERSION})`);
  if (typeof hw.guestOs !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(hw.guestOs)) bad(`guest OS '${hw.guestOs}' is not a valid guestOS key`);
  if (hw.disks.length > 60) bad('a VM can have at most 60 disks');
  for (const d of hw.disks) {
    if (!Number.isInteger(d.capacityMiB) || d.capacityMiB < 1 || d.capacityMiB > 64 * 1024 * 1024) bad(`disk capacity ${d.capacityMiB} MiB is out of range (1 MiB – 64 TiB)`);
    if (d.fileName && (d.fileName.includes('..') || d.fileName.startsWith('/') || /[\0"]/.test(d.fileName))) bad(`disk file name '${d.fileName}' is not valid`);
  }
  if (hw.nics.length > 10) bad('a VM can have at most 10 network adapters');
  for (const n of hw.nics) if (!/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(n.macAddress)) bad(`MAC address '${n.macAddress}' is not valid`);
  return hw;
}

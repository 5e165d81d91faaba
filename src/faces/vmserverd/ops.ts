/**
 * The vmserverd operations vmgate serves, looked up in a Map (an op called `toString` or
 * `__proto__` is simply unknown). Faces translate, core decides: every handler reads its
 * `<in>`, calls core services with the caller, and returns the `<out>` values.
 */
import { X509Certificate } from 'node:crypto';
import { DEFAULT_MIN_VERSION } from 'node:tls';
import { generate } from 'selfsigned';
import type { Caller, CoreApi, PowerOp, Vm } from '../../core/index.ts';
import type { Product, XmlElement, XmlValue } from '../../protocols/vmserverd/index.ts';
import { ExecError } from './errors.ts';
import { fileOps } from './file-ops.ts';
import { num, optBool, optInt, optStr, str } from './input.ts';
import { guestOps } from './guest-ops.ts';
import { taskReply, vmOf, vmxPath } from './vm-ref.ts';
import type { ExecServerState } from './exec-session.ts';

export interface OpContext {
  readonly core: CoreApi;
  readonly caller: Caller;
  readonly state: ExecServerState;
  readonly product: Product;
}

export type OpAccess = 'authuser' | 'rootonly';

export interface OpDef {
  readonly access: OpAccess;
  /** What the op table prints after `->` (vmgate's handler name). */
  readonly handler: (ctx: OpContext, input: XmlElement | undefined) => Promise<XmlValue>;
}

/** Administrators: whoever may change authorization at the root (the built-in administrator role). */
export async function isAdmin(ctx: Pick<OpContext, 'core' | 'caller'>): Promise<boolean> {
  return ctx.core.identity.may(ctx.caller, 'Authorization.Modify');
}

async function vmInfo(ctx: OpContext, vm: Vm): Promise<XmlValue> {
  const hw = vm.hardware;
  return {
    vmx: await ctx.core.vms.vmxPath(vm),
    id: vm.id,
    name: vm.name,
    uuid: vm.uuid,
    powerState: vm.powerState,
    toolsState: vm.toolsState,
    guestOS: hw.guestOs,
    numCPU: hw.cpuCount,
    memoryMB: hw.memoryMiB,
    hwVersion: hw.version,
    host: vm.hostId ?? '',
  };
}

// ---- the table ---------------------------------------------------------------

const OP_LIST: [string, OpDef][] = [];
export type OpRegistrar = (name: string, access: OpAccess, handler: OpDef['handler']) => void;
const op: OpRegistrar = (name, access, handler) => {
  OP_LIST.push([name, { access, handler }]);
};

// Arithmetic (the seed's `inc`: 42 → 43).
op('inc', 'authuser', async (_c, i) => ({ number: num(i, 'number') + 1 }));
op('dec', 'authuser', async (_c, i) => ({ number: num(i, 'number') - 1 }));
op('div', 'authuser', async (_c, i) => {
  const a = num(i, 'dividend');
  const b = num(i, 'divisor');
  if (b === 0) throw new ExecError('bad_argument', 'division by zero');
  return { number: a / b };
});

// About the server and the caller.
op('VMServerd_GetOperationTable', 'authuser', async () => ({ op: [...OPS.entries()].map(([name, d]) => `Op ${name} -> vmgate::${name} (${d.access})`) }));
op('VMServerd_GetProductInfo', 'authuser', async (c) => ({ product: { id: c.product.id, title: c.product.title, version: c.product.version, build: c.product.build } }));
op('VMServerd_GetRequestCount', 'authuser', async (c) => ({ count: c.state.requests }));
op('VMServerd_IsAdminUser', 'authuser', async (c) => ({ isAdmin: (await isAdmin(c)) ? 1 : 0 }));
op('VMServerd_GetConnectedVMList', 'authuser', async (c) => {
  const vms = await c.core.vms.list(c.caller, { powerStates: ['poweredOn', 'paused'] });
  return { vms: { vm: await Promise.all(vms.map((vm) => c.core.vms.vmxPath(vm))) } };
});
// Every registered VM the caller can see, in any power state (VIX's VIX_FIND_REGISTERED_VMS).
op('VMServerd_GetRegisteredVMList', 'authuser', async (c) => {
  const vms = await c.core.vms.list(c.caller, {});
  return { vms: { vm: (await Promise.all(vms.map((vm) => c.core.vms.vmxPath(vm)))).sort() } };
});

// Virtual machines by .vmx path.
op('VM_INFO', 'authuser', async (c, i) => vmInfo(c, await vmOf(c, i)));
op('VMRegister', 'authuser', async (c, i) => {
  const vm = await c.core.vms.register(c.caller, { path: vmxPath(i) });
  return vmInfo(c, vm);
});
op('VMUnRegister', 'authuser', async (c, i) => {
  const vm = await vmOf(c, i, 'VirtualMachine.Inventory');
  await c.core.vms.unregister(c.caller, vm.id);
  return { vmx: await c.core.vms.vmxPath(vm) };
});
op('VM_GetLastNEvents', 'authuser', async (c, i) => {
  const vm = await vmOf(c, i);
  const n = optInt(i, 'n', 10, 1, 1000);
  const events = await c.core.events.list(c.caller, vm.id, n);
  return { events: { event: events.map((e) => ({ id: e.id, time: e.time, type: e.type, severity: e.severity, message: e.message, user: e.userName ?? '' })) } };
});

op('VMDeleteInfo_DeleteVMInfo', 'authuser', async (c, i) => {
  const d = await c.core.vms.deleteInfo(c.caller, vmxPath(i));
  return { vmx: d.vmx, folder: d.folder, deletable: d.deletable ? 1 : 0, reason: d.reason, bytes: d.bytes, truncated: d.truncated ? 1 : 0, files: { file: d.entries.map((e) => ({ path: e.path, type: e.type, size: e.size })) } };
});
op('VM_Who', 'authuser', async (c, i) => {
  const w = await c.core.guest.who(c.caller, vmxPath(i));
  return {
    console: { session: w.console.map((s) => ({ user: s.user, protocol: s.protocol, state: s.state, since: s.since })) },
    guest: { session: w.guest.map((s) => ({ user: s.user, guestUser: s.guestUser, since: s.since, lastUsed: s.lastUsed })) },
  };
});

// What a new VM gets when nothing is said (core's defaults; the default driver's disk format).
op('VMConfigDefaults_GetAll', 'authuser', async (c) => {
  const d = c.core.vms.configDefaults();
  return { configVersion: d.configVersion, guestOS: d.guestOs, numCPU: d.cpuCount, coresPerSocket: d.coresPerSocket, memoryMB: d.memoryMiB, hwVersion: d.hardwareVersion, firmware: d.firmware, diskSizeMB: d.diskCapacityMiB, diskFormat: d.diskFormat, nicModel: d.nicModel, network: d.network };
});
op('VMConfigDefaults_GetConfigVersion', 'authuser', async (c) => ({ configVersion: c.core.vms.configDefaults().configVersion }));

op('VMDeleteEdit_DeleteVM', 'authuser', async (c, i) => {
  const vm = await vmOf(c, i, 'VirtualMachine.Inventory');
  const path = await c.core.vms.vmxPath(vm);
  await c.core.vms.delete(c.caller, vm.id);
  return { vmx: path };
});

// The hosts vmgate manages (vmgate is many hosts; the original answered for one).
op('GSXHostInfo_Query', 'authuser', async (c) => {
  const hosts = await c.core.inventory.listHosts(c.caller);
  const rows = await Promise.all(
    hosts.map(async (h) => {
      const u = await c.core.inventory.hostUsage(c.caller, h.id);
      return { id: h.id, name: h.name, driver: h.driver, connectionState: h.connectionState, maintenanceMode: h.maintenanceMode, numCPU: h.cpuCount, memoryMB: h.memoryMiB, usedCPU: u.usedCpu, usedMemoryMB: u.usedMemoryMiB, vmCount: u.vmCount };
    }),
  );
  return { hosts: { host: rows } };
});

// vmgate's networks: one standard network per datacenter, 'VM Network', that every NIC
// attaches to (user-mode NAT on QEMU hosts; the vSphere face lists the same). There are
// no bridged or host-only networks.
op('Host_GetVirtualNet', 'authuser', async (c) => ({
  networks: { network: (await c.core.inventory.listDatacenters(c.caller)).map((d) => ({ name: 'VM Network', datacenter: d.name, type: 'nat' })) },
}));
op('Host_GetBridgedNet', 'authuser', async () => ({ networks: '' }));
op('Host_GetHostOnlyNet', 'authuser', async () => ({ networks: '' }));

// Administrators only: the door's TLS configuration.
op('Security_GetConfig', 'rootonly', async (c) => {
  const x = new X509Certificate(c.state.cert);
  return { tls: { required: 1, minVersion: DEFAULT_MIN_VERSION, fingerprint: x.fingerprint256, subject: x.subject.replace(/\n/g, ', '), issuer: x.issuer.replace(/\n/g, ', '), validFrom: new Date(x.validFrom).toISOString(), validTo: new Date(x.validTo).toISOString() } };
});

op('Security_CreateCertificate', 'rootonly', async (c, i) => {
  const commonName = optStr(i, 'commonName') ?? 'localhost';
  if (!/^[A-Za-z0-9.*-]{1,253}$/.test(commonName)) throw new ExecError('bad_argument', `<commonName> must be a host name, not '${commonName.slice(0, 100)}'`);
  const days = optInt(i, 'days', 825, 1, 3650);
  const now = Date.now();
  const pems = await generate([{ name: 'commonName', value: commonName }, { name: 'organizationName', value: 'vmgate' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate: new Date(now - 60_000),
    notAfterDate: new Date(now + days * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 2, value: commonName }, { type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }, { type: 7, ip: '::1' }] },
    ],
  });
  c.state.pendingTls = { key: pems.private, cert: pems.cert };
  const x = new X509Certificate(pems.cert);
  return { certificate: { fingerprint: x.fingerprint256, subject: x.subject.replace(/\n/g, ', '), validTo: new Date(x.validTo).toISOString(), pem: pems.cert } };
});
op('Security_ActivateConfig', 'rootonly', async (c) => {
  const pending = c.state.pendingTls;
  if (!pending) throw new ExecError('invalid_state', 'no new certificate to activate: Security_CreateCertificate makes one');
  await c.state.activateTls(pending);
  c.state.pendingTls = null;
  return { fingerprint: new X509Certificate(pending.cert).fingerprint256 };
});

// Power operations: run through core.power as tasks; the reply waits for the task
// unless <wait>0</wait>, then it carries the task id for TaskManager_StatusOfTask.
const POWER: [string, PowerOp][] = [
  ['VM_PowerOn', 'powerOn'],
  ['VM_PowerOff', 'powerOff'],
  ['VM_Reset', 'reset'],
  ['VM_Suspend', 'suspend'],
  ['VM_Pause', 'pause'],
  ['VM_Unpause', 'unpause'],
  ['VM_ShutdownGuest', 'shutdownGuest'],
  ['VM_RebootGuest', 'rebootGuest'],
];
for (const [name, pop] of POWER) {
  op(name, 'authuser', async (c, i) => {
    const vm = await vmOf(c, i, 'VirtualMachine.PowerOps');
    const wait = optStr(i, 'wait') === undefined ? true : optBool(i, 'wait');
    const task = await c.core.power.run(c.caller, vm.id, pop, { hard: optBool(i, 'hard') });
    if (!wait) return { task: task.id };
    await c.core.tasks.result(c.caller, task);
    const now = await c.core.vms.get(c.caller, vm.id);
    return { task: task.id, powerState: now.powerState };
  });
}

// Clone and hardware upgrade (core tasks).
op('VM_Clone', 'authuser', async (c, i) => {
  const vm = await vmOf(c, i);
  const task = await c.core.vms.clone(c.caller, vm.id, { name: str(i, 'name'), powerOn: optBool(i, 'powerOn') });
  return taskReply(c, i, task, async (r) => {
    const clone = await c.core.vms.get(c.caller, String(r));
    return { vmx: await c.core.vms.vmxPath(clone), id: clone.id };
  });
});
op('VM_UpgradeVirtualHardware', 'authuser', async (c, i) => {
  const vm = await vmOf(c, i);
  const version = optStr(i, 'version') === undefined ? undefined : optInt(i, 'version', 0, 4, 255);
  const task = await c.core.vms.upgradeHardware(c.caller, vm.id, version);
  return taskReply(c, i, task, (r) => ({ hwVersion: (r as { version: number }).version }));
});

// Snapshots (through core.snapshots: tasks). A snapshot is named by id or by name
// ('a/b' walks the tree by names).
op('VM_ListSnapshots', 'authuser', async (c, i) => {
  const vm = await vmOf(c, i);
  const list = await c.core.snapshots.list(c.caller, vm.id);
  return { snapshots: { snapshot: list.map((sn) => ({ id: sn.id, name: sn.name, parent: sn.parentId ?? '', description: sn.description, includeMemory: sn.includeMemory, powerState: sn.powerState, createdAt: sn.createdAt, current: sn.id === vm.currentSnapshotId })) } };
});
op('VM_CreateSnapshot', 'authuser', async (c, i) => {
  const vm = await vmOf(c, i);
  const description = optStr(i, 'description');
  const task = await c.core.snapshots.create(c.caller, vm.id, { name: str(i, 'name'), ...(description !== undefined ? { description } : {}), includeMemory: optBool(i, 'includeMemory') });
  return taskReply(c, i, task, async () => ({ snapshot: (await c.core.vms.get(c.caller, vm.id)).currentSnapshotId ?? '' }));
});
op('VM_RevertToSnapshot', 'authuser', async (c, i) => {
  const vm = await vmOf(c, i);
  const task = await c.core.snapshots.revert(c.caller, vm.id, optStr(i, 'snapshot'));
  return taskReply(c, i, task, async () => ({ powerState: (await c.core.vms.get(c.caller, vm.id)).powerState }));
});
op('VM_RemoveSnapshot', 'authuser', async (c, i) => {
  const vm = await vmOf(c, i);
  const task = await c.core.snapshots.remove(c.caller, vm.id, str(i, 'snapshot'), { removeChildren: optBool(i, 'removeChildren') });
  return taskReply(c, i, task);
});

// Tasks (every long operation above is one; the vSphere face's task list shows the same).
op('TaskManager_StatusOfTask', 'authuser', async (c, i) => {
  const t = await c.core.tasks.get(c.caller, str(i, 'task'));
  return { task: { id: t.id, kind: t.kind, target: t.targetId ?? '', state: t.state, progress: t.progress, step: t.step, error: t.error?.message ?? '' } };
});
op('TaskManager_StopTask', 'authuser', async (c, i) => {
  const t = await c.core.tasks.cancel(c.caller, str(i, 'task'));
  return { task: t.id };
});

op('TaskManager_DeleteTask', 'authuser', async (c, i) => {
  const t = await c.core.tasks.remove(c.caller, str(i, 'task'));
  return { task: t.id };
});

fileOps(op);
guestOps(op);

export const OPS: ReadonlyMap<string, OpDef> = new Map(OP_LIST.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));

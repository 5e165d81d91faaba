/**
 * `vmgate vm …`: list, get, create, delete, clone, relocate; `vm power`,
 * `vm snapshot`, `vm console`, `vm hardware|disk|cdrom|boot` and `vm port-forward` live in their own files.
 */
import { Command, Option } from 'commander';
import type { VMCreateSpec, VMInfo, VMSummary } from '../../clients/vapi/index.ts';
import { usageError } from '../cli-error.ts';
import { clientAction } from '../client-command.ts';
import type { CliContext } from '../client-command.ts';
import { collect, positiveInt } from '../options.ts';
import { parsePowerState, shortPowerState } from '../power-state.ts';
import { resolveInventory, resolveInventoryAll, resolveVm } from '../resolve-vm.ts';
import { formatBytes } from '../table.ts';
import { runTask } from '../task-wait.ts';
import { parseDatastoreFile, removeStaged, stageImage } from './datastore-files.ts';
import { vmConsoleCommand } from './vm-console.ts';
import { vmBootCommand, vmCdromCommand, vmDiskCommand, vmHardwareCommand } from './vm-hardware.ts';
import { vmPortForwardCommand } from './vm-port-forward.ts';
import { vmNicCommand, vmSerialCommand, vmToolsCommand } from './vm-devices.ts';
import { vmPowerCommand } from './vm-power.ts';
import { vmSnapshotCommand } from './vm-snapshot.ts';

export function vmCommand(): Command {
  const vm = new Command('vm').description('virtual machines');
  vm.addCommand(vmListCommand());
  vm.addCommand(vmGetCommand());
  vm.addCommand(vmCreateCommand());
  vm.addCommand(vmDeleteCommand());
  vm.addCommand(vmPowerCommand());
  vm.addCommand(vmSnapshotCommand());
  vm.addCommand(vmCloneCommand());
  vm.addCommand(vmRelocateCommand());
  vm.addCommand(vmConsoleCommand());
  vm.addCommand(vmHardwareCommand());
  vm.addCommand(vmDiskCommand());
  vm.addCommand(vmCdromCommand());
  vm.addCommand(vmBootCommand());
  vm.addCommand(vmPortForwardCommand());
  vm.addCommand(vmNicCommand());
  vm.addCommand(vmSerialCommand());
  vm.addCommand(vmToolsCommand());
  return vm;
}

interface ListOptions {
  readonly powerState?: string[];
  readonly host?: string[];
  readonly cluster?: string[];
  readonly datacenter?: string[];
  readonly name?: string[];
}

function vmListCommand(): Command {
  const cmd = new Command('list')
    .description('list VMs (filters repeat: --host a --host b)')
    .option('--power-state <state>', 'on | off | suspended', collect)
    .option('--host <host>', 'on this host (id or name)', collect)
    .option('--cluster <cluster>', 'in this cluster (id or name)', collect)
    .option('--datacenter <datacenter>', 'in this datacenter (id or name)', collect)
    .option('--name <name>', 'with exactly this name', collect);
  return clientAction<ListOptions>(cmd, async ({ client, out }, _args, opts) => {
    const powerStates = opts.powerState?.map((s) => {
      const v = parsePowerState(s);
      if (v === undefined) throw usageError(`--power-state '${s}': use on, off or suspended`);
      return v;
    });
    const hosts = await resolveInventoryAll(client, 'host', opts.host);
    const clusters = await resolveInventoryAll(client, 'cluster', opts.cluster);
    const datacenters = await resolveInventoryAll(client, 'datacenter', opts.datacenter);
    const vms = await client.vm.list({
      ...(powerStates ? { power_states: powerStates } : {}),
      ...(hosts ? { hosts } : {}),
      ...(clusters ? { clusters } : {}),
      ...(datacenters ? { datacenters } : {}),
      ...(opts.name?.length ? { names: opts.name } : {}),
    });
    out.table<VMSummary>(vms, [
      { header: 'VM', value: (v) => v.vm },
      { header: 'NAME', value: (v) => v.name },
      { header: 'POWER', value: (v) => shortPowerState(v.power_state) },
      { header: 'CPUS', value: (v) => v.cpu_count, align: 'right' },
      { header: 'MEMORY', value: (v) => (v.memory_size_MiB === undefined ? undefined : `${v.memory_size_MiB} MiB`), align: 'right' },
    ]);
  });
}

function vmGetCommand(): Command {
  const cmd = new Command('get').description('show one VM').argument('<vm>', 'VM id (vm-12) or name');
  return clientAction(cmd, async ({ client, out }, [ref]) => {
    const { id } = await resolveVm(client, ref as string);
    const info: VMInfo = await client.vm.get(id);
    const disks = Object.values(info.disks);
    const diskBytes = disks.reduce((n, d) => n + (d.capacity ?? 0), 0);
    const nics = Object.values(info.nics);
    out.details(
      [
        ['VM', id],
        ['Name', info.name],
        ['Power', shortPowerState(info.power_state)],
        ['Guest OS', info.guest_OS],
        ['CPUs', info.cpu.count],
        ['Memory', `${info.memory.size_MiB} MiB`],
        ['Hardware', info.hardware.version],
        ['Disks', disks.length === 0 ? 'none' : `${disks.length} (${formatBytes(diskBytes)})`],
        ['NICs', nics.length === 0 ? 'none' : nics.map((n) => `${n.label}${n.mac_address ? ` ${n.mac_address}` : ''}`).join(', ')],
        ['CD-ROMs', Object.keys(info.cdroms).length],
        ['BIOS UUID', info.identity?.bios_uuid],
      ],
      { vm: id, ...info },
    );
  });
}

interface CreateOptions {
  readonly cpus?: number;
  readonly memory?: number;
  readonly disk?: number;
  readonly guestOs: string;
  readonly host?: string;
  readonly cluster?: string;
  readonly datastore?: string;
  readonly datacenter?: string;
  readonly library?: boolean;
  readonly iso?: string;
  readonly importDisk?: string;
  readonly nic?: string;
}

/**
 * vSphere has no library: a placement naming a datacenter's VM folder and no host,
 * cluster or resource pool is how vmgate's vAPI face says "in the library".
 */
async function libraryFolder(ctx: CliContext, datacenter: string | undefined): Promise<string> {
  let dc: string;
  if (datacenter) dc = await resolveInventory(ctx.client, 'datacenter', datacenter);
  else {
    const all = await ctx.client.datacenter.list();
    if (all.length !== 1) throw usageError(`--library: ${all.length === 0 ? 'there is no datacenter' : `say which datacenter with --datacenter (${all.map((d) => d.name).join(', ')})`}`);
    dc = all[0]!.datacenter;
  }
  return (await ctx.client.datacenter.get(dc)).vm_folder;
}

function vmCreateCommand(): Command {
  const cmd = new Command('create')
    .description('create a VM (on --host or --cluster, in the --library, or where the server places it)')
    .argument('<name>', 'name of the new VM')
    .option('--cpus <n>', 'virtual CPUs', positiveInt)
    .option('--memory <MiB>', 'memory in MiB', positiveInt)
    .option('--disk <MiB>', 'a new disk of this size in MiB', positiveInt)
    .option('--import-disk <file>', 'the first disk from this local image (qcow2, raw or vmdk; on QEMU converted to qcow2): uploaded, then copied into the VM\'s folder')
    .option('--iso <file>', "a CD-ROM with this ISO from a datastore (DATASTORE:PATH or '[datastore] path'), connected at power on: a blank disk boots from it")
    .option('--nic <network>', "a virtio NIC on this network, connected at power on: 'nat' (outbound only; reach the guest through vm port-forward)")
    .addOption(new Option('--guest-os <id>', 'vSphere guest OS identifier').default('OTHER_LINUX_64'))
    .option('--host <host>', 'place on this host (id or name)')
    .option('--cluster <cluster>', 'place in this cluster (id or name)')
    .option('--datastore <datastore>', 'keep the files on this datastore (id or name)')
    .option('--library', 'keep it in the library: on no host')
    .option('--datacenter <datacenter>', "with --library: the datacenter whose library (default: the only one)");
  return clientAction<CreateOptions>(cmd, async (ctx, [name], opts) => {
    const { client, out } = ctx;
    if (opts.library && (opts.host || opts.cluster)) throw usageError('--library places a VM on no host: drop --host / --cluster');
    if (opts.datacenter && !opts.library) throw usageError('--datacenter goes with --library');
    if (opts.nic !== undefined && opts.nic !== 'nat') throw usageError(`--nic '${opts.nic}': the vSphere API attaches NICs to 'VM Network', the nat network: use --nic nat`);
    const placement = {
      ...(opts.library ? { folder: await libraryFolder(ctx, opts.datacenter) } : {}),
      ...(await placementOf(ctx, opts)),
    };
    const spec = {
      name: name as string,
      guest_OS: opts.guestOs,
      ...(Object.keys(placement).length > 0 ? { placement } : {}),
      ...(opts.cpus ? { cpu: { count: opts.cpus } } : {}),
      ...(opts.memory ? { memory: { size_MiB: opts.memory } } : {}),
      ...(opts.disk ? { disks: [{ new_vmdk: { capacity: opts.disk * 1024 * 1024 } }] } : {}),
      ...(opts.iso ? { cdroms: [{ backing: { type: 'ISO_FILE', iso_file: isoPath(opts.iso) }, start_connected: true }] } : {}),
      ...(opts.nic ? { nics: [{ type: 'VIRTIO', start_connected: true }] } : {}),
    } as VMCreateSpec;
    if (!opts.importDisk) {
      const id = await client.vm.create(spec);
      out.result(`created ${id} (${name as string})`, id);
      return;
    }
    const staged = await stageImage(ctx, opts.importDisk, opts.datastore);
    try {
      const imported = { backing: { type: 'VMDK_FILE', vmdk_file: `[${staged.datastore}] ${staged.path}` } };
      const id = await client.vm.create({ ...spec, disks: [imported, ...(spec.disks ?? [])] } as VMCreateSpec);
      out.result(`created ${id} (${name as string}) with its first disk from ${opts.importDisk}`, id);
    } finally {
      await removeStaged(ctx, staged);
    }
  });
}

function vmDeleteCommand(): Command {
  const cmd = new Command('delete').description('delete a powered-off VM and its files').argument('<vm>', 'VM id or name');
  return clientAction(cmd, async ({ client, out }, [ref]) => {
    const { id } = await resolveVm(client, ref as string);
    await client.vm.delete(id);
    out.result(`deleted ${id}`, { vm: id, deleted: true });
  });
}

interface PlacementOptions {
  readonly host?: string;
  readonly cluster?: string;
  readonly datastore?: string;
  readonly powerOn?: boolean;
}

async function placementOf(ctx: CliContext, opts: PlacementOptions): Promise<{ host?: string; cluster?: string; datastore?: string }> {
  return {
    ...(opts.host ? { host: await resolveInventory(ctx.client, 'host', opts.host) } : {}),
    ...(opts.cluster ? { cluster: await resolveInventory(ctx.client, 'cluster', opts.cluster) } : {}),
    ...(opts.datastore ? { datastore: await resolveInventory(ctx.client, 'datastore', opts.datastore) } : {}),
  };
}

function vmCloneCommand(): Command {
  const cmd = new Command('clone')
    .description('clone a VM (a task, with a progress bar)')
    .argument('<vm>', 'source VM id or name')
    .argument('<name>', 'name of the clone')
    .option('--host <host>', 'place the clone on this host')
    .option('--cluster <cluster>', 'place the clone in this cluster')
    .option('--datastore <datastore>', 'keep its files on this datastore')
    .option('--power-on', 'power the clone on');
  return clientAction<PlacementOptions>(cmd, async (ctx, [ref, name], opts) => {
    const { id } = await resolveVm(ctx.client, ref as string);
    const placement = await placementOf(ctx, opts);
    const task = await ctx.client.vm.clone(
      { source: id, name: name as string, ...(Object.keys(placement).length ? { placement } : {}), ...(opts.powerOn ? { power_on: true } : {}) },
      { task: true },
    );
    const info = await runTask(ctx.client, ctx.progress, `clone ${id}`, task);
    const newId = typeof info.result === 'string' ? info.result.replace(/^"|"$/g, '') : undefined;
    ctx.out.result(`cloned ${id} to ${newId ?? name} (task ${task})`, { vm: newId ?? null, task });
  });
}

function vmRelocateCommand(): Command {
  const cmd = new Command('relocate')
    .description('move a VM to another host (a task, with a progress bar)')
    .argument('<vm>', 'VM id or name')
    .option('--host <host>', 'target host (id or name)')
    .option('--cluster <cluster>', 'target cluster (id or name)')
    .option('--datastore <datastore>', 'target datastore (id or name)');
  return clientAction<PlacementOptions>(cmd, async (ctx, [ref], opts) => {
    if (!opts.host && !opts.cluster && !opts.datastore) throw usageError('say where to: --host, --cluster or --datastore');
    const { id } = await resolveVm(ctx.client, ref as string);
    const placement = await placementOf(ctx, opts);
    const task = await ctx.client.vm.relocate(id, { placement }, { task: true });
    await runTask(ctx.client, ctx.progress, `relocate ${id}`, task);
    ctx.out.result(`relocated ${id} (task ${task})`, { vm: id, task });
  });
}

/** `ds:path` or `[ds] path` → `[ds] path`, as the vSphere API names a datastore file. */
function isoPath(text: string): string {
  const ref = parseDatastoreFile(text);
  if (!ref || ref.path === '') throw usageError(`--iso '${text}': name an ISO on a datastore: DATASTORE:PATH (datastore1:iso/guest.iso) or '[datastore1] iso/guest.iso'`);
  return `[${ref.datastore}] ${ref.path}`;
}

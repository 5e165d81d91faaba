/**
 * `vmgate vm hardware set`, `vm disk ls|add|rm`, `vm cdrom ls|insert|eject` and
 * `vm boot get|set` over the vSphere API's vm.hardware.cpu / memory / disk / cdrom /
 * boot / boot.device services.
 */
import { Command, Option } from 'commander';
import type { VapiClient, VmHardwareBootDeviceEntry, VmHardwareCdromInfo, VmHardwareDiskInfo } from '../../clients/vapi/index.ts';
import { usageError } from '../cli-error.ts';
import { clientAction } from '../client-command.ts';
import { positiveInt } from '../options.ts';
import { resolveVm } from '../resolve-vm.ts';
import { formatBytes } from '../table.ts';
import { parseDatastoreFile } from './datastore-files.ts';

const GiB = 1024 * 1024 * 1024;

/** `ds:path` or `[ds] path` → `[ds] path`, as the vSphere API names a datastore file. */
function datastorePath(option: string, text: string, example: string): string {
  const ref = parseDatastoreFile(text);
  if (!ref || ref.path === '') throw usageError(`${option} '${text}': name a file on a datastore: DATASTORE:PATH (${example}) or '[datastore1] ${example.slice(example.indexOf(':') + 1)}'`);
  return `[${ref.datastore}] ${ref.path}`;
}

// ---- vm hardware set -------------------------------------------------------------------

interface HardwareSetOptions {
  readonly cpus?: number;
  readonly coresPerSocket?: number;
  readonly memory?: number;
}

export function vmHardwareCommand(): Command {
  const hw = new Command('hardware').description("a VM's CPUs and memory");
  const set = new Command('set')
    .description('change CPUs, cores per socket and memory (while the VM is off)')
    .argument('<vm>', 'VM id or name')
    .option('--cpus <n>', 'virtual CPUs', positiveInt)
    .option('--cores-per-socket <n>', 'cores per CPU socket (divides --cpus)', positiveInt)
    .option('--memory <MiB>', 'memory in MiB (a multiple of 4)', positiveInt);
  hw.addCommand(
    clientAction<HardwareSetOptions>(set, async ({ client, out }, [ref], opts) => {
      if (opts.cpus === undefined && opts.coresPerSocket === undefined && opts.memory === undefined) throw usageError('say what to change: --cpus, --cores-per-socket or --memory');
      const { id } = await resolveVm(client, ref as string);
      if (opts.cpus !== undefined || opts.coresPerSocket !== undefined) {
        await client.hardware.cpu.update(id, { ...(opts.cpus !== undefined ? { count: opts.cpus } : {}), ...(opts.coresPerSocket !== undefined ? { cores_per_socket: opts.coresPerSocket } : {}) });
      }
      if (opts.memory !== undefined) await client.hardware.memory.update(id, { size_MiB: opts.memory });
      const cpu = await client.hardware.cpu.get(id);
      const memory = await client.hardware.memory.get(id);
      out.result(`${id}: ${cpu.count} CPU${cpu.count === 1 ? '' : 's'} (${cpu.cores_per_socket} per socket), ${memory.size_MiB} MiB`, { vm: id, cpu, memory });
    }),
  );
  return hw;
}

// ---- vm disk ---------------------------------------------------------------------------

export function vmDiskCommand(): Command {
  const disk = new Command('disk').description("a VM's disks (added and removed while it is off)");

  const ls = new Command('ls').alias('list').description('list the disks').argument('<vm>', 'VM id or name');
  disk.addCommand(
    clientAction(ls, async ({ client, out }, [ref]) => {
      const { id } = await resolveVm(client, ref as string);
      const rows = await disks(client, id);
      out.table(
        rows,
        [
          { header: 'DISK', value: (r) => r.disk },
          { header: 'LABEL', value: (r) => r.info.label },
          { header: 'BUS', value: (r) => `${r.info.type}${r.info.scsi ? ` ${r.info.scsi.bus}:${r.info.scsi.unit}` : ''}` },
          { header: 'CAPACITY', value: (r) => (r.info.capacity === undefined ? undefined : formatBytes(r.info.capacity)), align: 'right' },
          { header: 'FILE', value: (r) => r.info.backing.vmdk_file },
        ],
        rows.map((r) => ({ disk: r.disk, ...r.info })),
      );
    }),
  );

  const add = new Command('add')
    .description('add a new disk (--size) or attach an existing image on a datastore (--attach)')
    .argument('<vm>', 'VM id or name')
    .addOption(new Option('--size <GiB>', 'a new disk of this many GiB (qcow2 on QEMU)').argParser(positiveInt))
    .option('--name <name>', 'with --size: the new file\'s name (default <vm>_<n>)')
    .option('--attach <file>', "an existing image used in place: DATASTORE:PATH or '[datastore] path'");
  disk.addCommand(
    clientAction<{ size?: number; name?: string; attach?: string }>(add, async ({ client, out }, [ref], opts) => {
      if ((opts.size === undefined) === (opts.attach === undefined)) throw usageError('give either --size GiB (a new disk) or --attach FILE (an existing image)');
      if (opts.name !== undefined && opts.size === undefined) throw usageError('--name goes with --size');
      const { id } = await resolveVm(client, ref as string);
      const key = await client.hardware.disk.create(
        id,
        opts.attach !== undefined
          ? { backing: { type: 'VMDK_FILE', vmdk_file: datastorePath('--attach', opts.attach, 'datastore1:disks/data.qcow2') } }
          : { new_vmdk: { capacity: opts.size! * GiB, ...(opts.name !== undefined ? { name: opts.name } : {}) } },
      );
      const info = await client.hardware.disk.get(id, key);
      out.result(`added disk ${key} to ${id}: ${info.label}, ${info.capacity === undefined ? 'size unknown' : formatBytes(info.capacity)}, ${info.backing.vmdk_file ?? ''}`, { vm: id, disk: key, ...info });
    }),
  );

  const rm = new Command('rm').alias('remove').description('detach a disk (its file stays on the datastore)').argument('<vm>', 'VM id or name').argument('<disk>', "the disk's key (vmgate vm disk ls) or label ('Hard disk 2')");
  disk.addCommand(
    clientAction(rm, async ({ client, out }, [ref, which]) => {
      const { id } = await resolveVm(client, ref as string);
      const found = (await disks(client, id)).find((r) => r.disk === which || r.info.label.toLowerCase() === (which as string).toLowerCase());
      if (!found) throw usageError(`${id} has no disk '${which as string}' (vmgate vm disk ls ${id})`);
      await client.hardware.disk.delete(id, found.disk);
      out.result(`removed disk ${found.disk} from ${id}; its file stays: ${found.info.backing.vmdk_file ?? ''}`, { vm: id, disk: found.disk, removed: true, file: found.info.backing.vmdk_file ?? null });
    }),
  );
  return disk;
}

async function disks(client: VapiClient, vm: string): Promise<{ disk: string; info: VmHardwareDiskInfo }[]> {
  const list = await client.hardware.disk.list(vm);
  return Promise.all(list.map(async (d) => ({ disk: d.disk, info: await client.hardware.disk.get(vm, d.disk) })));
}

// ---- vm cdrom --------------------------------------------------------------------------

export function vmCdromCommand(): Command {
  const cd = new Command('cdrom').description("a VM's CD-ROM drives: insert and eject ISOs (also while it runs)");

  const ls = new Command('ls').alias('list').description('list the CD-ROM drives').argument('<vm>', 'VM id or name');
  cd.addCommand(
    clientAction(ls, async ({ client, out }, [ref]) => {
      const { id } = await resolveVm(client, ref as string);
      const rows = await cdroms(client, id);
      out.table(
        rows,
        [
          { header: 'CDROM', value: (r) => r.cdrom },
          { header: 'LABEL', value: (r) => r.info.label },
          { header: 'ISO', value: (r) => r.info.backing.iso_file ?? '(empty)' },
          { header: 'CONNECTED', value: (r) => (r.info.state === 'CONNECTED' ? 'yes' : 'no') },
          { header: 'AT POWER ON', value: (r) => (r.info.start_connected ? 'yes' : 'no') },
        ],
        rows.map((r) => ({ cdrom: r.cdrom, ...r.info })),
      );
    }),
  );

  const insert = new Command('insert')
    .description('put an ISO into the CD-ROM drive (adds a drive to a powered-off VM that has none); swaps it live on a running VM')
    .argument('<vm>', 'VM id or name')
    .argument('<iso>', "the ISO on a datastore: DATASTORE:PATH or '[datastore] path/x.iso'")
    .option('--cdrom <key>', 'which drive, when the VM has several (vmgate vm cdrom ls)');
  cd.addCommand(
    clientAction<{ cdrom?: string }>(insert, async ({ client, out }, [ref, isoText], opts) => {
      const iso = datastorePath('<iso>', isoText as string, 'datastore1:iso/guest.iso');
      const { id } = await resolveVm(client, ref as string);
      const backing = { type: 'ISO_FILE' as const, iso_file: iso };
      const drives = await cdroms(client, id);
      if (drives.length === 0 && opts.cdrom === undefined) {
        const key = await client.hardware.cdrom.create(id, { backing, start_connected: true });
        out.result(`inserted ${iso} into a new CD-ROM ${key} of ${id}`, { vm: id, cdrom: key, iso, connected: true });
        return;
      }
      const drive = pick(drives, opts.cdrom, id);
      const running = (await client.vm.get(id)).power_state === 'POWERED_ON';
      if (running && drive.info.state === 'CONNECTED') await client.hardware.cdrom.disconnect(id, drive.cdrom);
      await client.hardware.cdrom.update(id, drive.cdrom, running ? { backing } : { backing, start_connected: true });
      if (running) await client.hardware.cdrom.connect(id, drive.cdrom);
      out.result(`inserted ${iso} into CD-ROM ${drive.cdrom} of ${id}${running ? ' (the guest sees the new medium)' : ' (connected at power on)'}`, { vm: id, cdrom: drive.cdrom, iso, connected: true });
    }),
  );

  const eject = new Command('eject').description('empty the CD-ROM drive (ejects the medium from a running guest)').argument('<vm>', 'VM id or name').option('--cdrom <key>', 'which drive, when the VM has several');
  cd.addCommand(
    clientAction<{ cdrom?: string }>(eject, async ({ client, out }, [ref], opts) => {
      const { id } = await resolveVm(client, ref as string);
      const drive = pick(await cdroms(client, id), opts.cdrom, id);
      const running = (await client.vm.get(id)).power_state === 'POWERED_ON';
      if (running && drive.info.state === 'CONNECTED') await client.hardware.cdrom.disconnect(id, drive.cdrom);
      await client.hardware.cdrom.update(id, drive.cdrom, { backing: { type: 'HOST_DEVICE' }, start_connected: false });
      out.result(`ejected ${drive.info.backing.iso_file ?? 'nothing'} from CD-ROM ${drive.cdrom} of ${id}`, { vm: id, cdrom: drive.cdrom, ejected: drive.info.backing.iso_file ?? null });
    }),
  );
  return cd;
}

async function cdroms(client: VapiClient, vm: string): Promise<{ cdrom: string; info: VmHardwareCdromInfo }[]> {
  const list = await client.hardware.cdrom.list(vm);
  return Promise.all(list.map(async (c) => ({ cdrom: c.cdrom, info: await client.hardware.cdrom.get(vm, c.cdrom) })));
}

function pick<T extends { cdrom: string }>(drives: readonly T[], which: string | undefined, vm: string): T {
  if (which !== undefined) {
    const d = drives.find((x) => x.cdrom === which);
    if (!d) throw usageError(`${vm} has no CD-ROM '${which}' (vmgate vm cdrom ls ${vm})`);
    return d;
  }
  if (drives.length === 0) throw usageError(`${vm} has no CD-ROM drive`);
  if (drives.length > 1) throw usageError(`${vm} has ${drives.length} CD-ROM drives: say which with --cdrom (${drives.map((d) => d.cdrom).join(', ')})`);
  return drives[0]!;
}

// ---- vm boot ---------------------------------------------------------------------------

const ORDER_NAMES: ReadonlyMap<string, VmHardwareBootDeviceEntry['type']> = new Map([
  ['disk', 'DISK'],
  ['cdrom', 'CDROM'],
  ['ethernet', 'ETHERNET'],
  ['floppy', 'FLOPPY'],
]);

export function vmBootCommand(): Command {
  const boot = new Command('boot').description("a VM's firmware and boot order");

  const get = new Command('get').description('show the firmware, boot delay and order').argument('<vm>', 'VM id or name');
  boot.addCommand(
    clientAction(get, async ({ client, out }, [ref]) => {
      const { id } = await resolveVm(client, ref as string);
      const info = await client.hardware.boot.get(id);
      const order = await client.hardware.boot.device.get(id);
      out.details(
        [
          ['VM', id],
          ['Firmware', info.type.toLowerCase()],
          ['Delay', `${info.delay} ms`],
          ['Retry', info.retry ? `after ${info.retry_delay} ms` : 'no'],
          ['Order', order.length === 0 ? 'default (disks, then CD-ROM)' : order.map((e) => e.type.toLowerCase() + (e.disks ? ` (${e.disks.join(', ')})` : e.nic ? ` (${e.nic})` : '')).join(', ')],
        ],
        { vm: id, ...info, devices: order },
      );
    }),
  );

  const set = new Command('set')
    .description('change the boot order (from the next power on) and the firmware (while off)')
    .argument('<vm>', 'VM id or name')
    .option('--order <list>', "device kinds in order: disk,cdrom,ethernet (or 'default')")
    .addOption(new Option('--firmware <type>', 'bios or efi').choices(['bios', 'efi']))
    .option('--delay <ms>', 'wait this long at the firmware prompt before booting', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw usageError(`--delay '${v}': a whole number of milliseconds`);
      return n;
    });
  boot.addCommand(
    clientAction<{ order?: string; firmware?: 'bios' | 'efi'; delay?: number }>(set, async ({ client, out }, [ref], opts) => {
      if (opts.order === undefined && opts.firmware === undefined && opts.delay === undefined) throw usageError('say what to change: --order, --firmware or --delay');
      const devices = opts.order === undefined ? undefined : parseOrder(opts.order);
      const { id } = await resolveVm(client, ref as string);
      if (opts.firmware !== undefined || opts.delay !== undefined) {
        await client.hardware.boot.update(id, { ...(opts.firmware ? { type: opts.firmware === 'efi' ? 'EFI' : 'BIOS' } : {}), ...(opts.delay !== undefined ? { delay: opts.delay } : {}) });
      }
      if (devices !== undefined) await client.hardware.boot.device.set(id, devices);
      const info = await client.hardware.boot.get(id);
      const order = await client.hardware.boot.device.get(id);
      out.result(`${id}: firmware ${info.type.toLowerCase()}, delay ${info.delay} ms, boot order ${order.length === 0 ? 'default' : order.map((e) => e.type.toLowerCase()).join(',')}`, { vm: id, ...info, devices: order });
    }),
  );
  return boot;
}

function parseOrder(text: string): VmHardwareBootDeviceEntry[] {
  if (text.trim().toLowerCase() === 'default') return [];
  return text.split(',').map((w) => {
    const type = ORDER_NAMES.get(w.trim().toLowerCase());
    if (type === undefined) throw usageError(`--order: '${w}' is not disk, cdrom, ethernet or floppy`);
    return { type };
  });
}

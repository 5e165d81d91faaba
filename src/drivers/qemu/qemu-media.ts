/**
 * A running guest's CD-ROM medium: an ISO inserted with `blockdev-change-medium` (read
 * only, raw) or the tray emptied with `eject` (forced: a guest that locked the tray does
 * not keep the medium). The drive is the `ide-cd` device `cd<N>-dev` of the command line
 * (command-line.ts), N the CD-ROM's place in the VM's hardware.
 */
import type { DriverVm } from '../../core/ports/driver.ts';
import { isVmgateError } from '../../core/errors.ts';
import { requireInstance } from './qemu-attach.ts';
import { exists } from './fs-helpers.ts';
import { qemuError } from './qemu-error.ts';
import type { QemuDriverState } from './qemu-driver-state.ts';

export async function changeMedium(q: QemuDriverState, vm: DriverVm, device: string, file: string | null): Promise<void> {
  const index = vm.hardware.cdroms.findIndex((c) => c.device === device.toLowerCase());
  if (index < 0) throw qemuError('not_found', `${vm.name} has no CD-ROM ${device}`);
  if (file !== null && !(await exists(file))) throw qemuError('not_found', `ISO image ${file} does not exist`);
  const inst = await requireInstance(q, vm, 'change the CD-ROM of');
  const id = `cd${index}-dev`;
  try {
    if (file === null) await inst.qmp.execute('eject', { id, force: true });
    else await inst.qmp.execute('blockdev-change-medium', { id, filename: file, format: 'raw', 'read-only-mode': 'read-only' });
  } catch (e) {
    if (isVmgateError(e) && e.kind !== 'internal') throw e;
    throw qemuError('internal', `QEMU refused to ${file === null ? 'eject' : 'insert'} the medium of ${device} of ${vm.name}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

interface QemuBlockInfo {
  readonly qdev?: string;
  readonly inserted?: { readonly file?: string; readonly image?: { readonly filename?: string } };
}

/** query-block, by the device ids of the command line: `disk<N>-dev` and `cd<N>-dev`. */
export async function blockDevices(q: QemuDriverState, vm: DriverVm): Promise<{ device: string; medium: string | null }[]> {
  const inst = await requireInstance(q, vm, 'read the block devices of');
  const rows = await inst.qmp.execute<QemuBlockInfo[]>('query-block');
  const byId = new Map<string, QemuBlockInfo>();
  for (const r of rows) {
    // qdev is the device's id, or a QOM path through it (/machine/peripheral/<id>/…).
    const m = /^(?:\/machine\/peripheral\/)?([^/]+)/.exec(r.qdev ?? '');
    if (m) byId.set(m[1]!, r);
  }
  const out: { device: string; medium: string | null }[] = [];
  const add = (id: string, device: string): void => {
    const r = byId.get(id);
    if (r) out.push({ device, medium: r.inserted ? (r.inserted.image?.filename ?? r.inserted.file ?? null) : null });
  };
  vm.hardware.disks.forEach((d, i) => add(`disk${i}-dev`, d.device));
  vm.hardware.cdroms.forEach((c, i) => add(`cd${i}-dev`, c.device));
  return out;
}

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

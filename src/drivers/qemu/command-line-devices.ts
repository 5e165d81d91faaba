/**
 * Floppy drives, serial and parallel ports and storage controllers → QEMU arguments (part
 * of buildQemuCommandLine), and what of them QEMU cannot run.
 *
 * - floppy `floppyN`: one `isa-fdc` controller with up to two `floppy` drives (unit N);
 *   the image raw (node `fd<N>`); disconnected or without an image: an empty drive.
 * - serial `serialN`: `isa-serial` on COM2–COM4 (COM1 is the VM's console log,
 *   `serial.log`): FILE → `-chardev file,path=…`; a TCP server → `-chardev
 *   socket,host=127.0.0.1,port=P,server=on,wait=off` (loopback only); disconnected →
 *   `-chardev null`. At most three. Other backings a registered .vmx may have (a
 *   ThinPrint port, a pipe, a host device) stay in the file and are not run.
 * - parallel `parallelN`: `isa-parallel` with `-chardev file` (null when disconnected);
 *   a host-device port is not run.
 * - controllers no disk uses (a disk's own controller is made with the disk): SCSI
 *   `lsilogic` → `virtio-scsi-pci` (as the SCSI disks get: Linux drives it, and keeps its
 *   /dev/sdX names), `pvscsi` → `pvscsi`, `lsisas1068` → `mptsas1068`; SATA → `ich9-ahci`;
 *   NVMe → `nvme` (a controller without namespaces). BusLogic has no QEMU device.
 */
import type { DriverVm } from '../../core/ports/driver.ts';
import type { VmHardware } from '../../core/model/index.ts';
import { qemuOptValue, resolveVmFile } from './command-line.ts';

const SCSI_DEVICES: Readonly<Record<string, string>> = { lsilogic: 'virtio-scsi-pci', pvscsi: 'pvscsi', lsisas1068: 'mptsas1068' };

/** Why QEMU cannot run these devices, or null when it can. */
export function qemuDeviceProblem(hw: VmHardware): string | null {
  const serials = hw.serials ?? [];
  if (serials.length > 3) return 'QEMU gives a VM at most 3 serial ports (COM2–COM4; COM1 is its console log)';
  const used = usedBy(hw);
  for (const c of hw.controllers ?? []) {
    if (c.device.startsWith('scsi') && !used.has(c.device.toLowerCase()) && SCSI_DEVICES[c.model] === undefined) {
      return `SCSI controller ${c.device} is ${c.model}, which QEMU does not emulate (it has LSI Logic as virtio-scsi, PVSCSI and LSI Logic SAS)`;
    }
  }
  return null;
}

/** Controllers ('scsi0') that disks and CD-ROMs use. */
function usedBy(hw: VmHardware): Set<string> {
  return new Set([...hw.disks, ...hw.cdroms].map((d) => d.device.toLowerCase()).filter((d) => !d.startsWith('ide')).map((d) => d.replace(/:\d+$/, '')));
}

/** The arguments for the VM's floppies, ports and unused controllers. Throws RangeError for what QEMU cannot run. */
export function deviceArgs(vm: DriverVm): string[] {
  const hw = vm.hardware;
  const usedControllers = usedBy(hw);
  const problem = qemuDeviceProblem(hw);
  if (problem !== null) throw new RangeError(problem);
  const a: string[] = [];
  const floppies = hw.floppies ?? [];
  if (floppies.length > 0) {
    a.push('-device', 'isa-fdc,id=fdc0');
    floppies.forEach((f, i) => {
      const node = `fd${i}`;
      if (f.imageFile !== null && f.connected) {
        a.push('-blockdev', JSON.stringify({ driver: 'raw', 'node-name': node, file: { driver: 'file', filename: resolveVmFile(vm, f.imageFile) } }));
        a.push('-device', `floppy,bus=fdc0.0,unit=${i},drive=${node},id=${node}-dev`);
      } else {
        a.push('-device', `floppy,bus=fdc0.0,unit=${i},id=${node}-dev`);
      }
    });
  }
  (hw.serials ?? []).forEach((s, i) => {
    const id = `com${i + 2}`;
    const b = s.backing;
    if (b.kind === 'other') return;
    if (!s.connected) a.push('-chardev', `null,id=${id}`);
    else if (b.kind === 'file') a.push('-chardev', `file,id=${id},path=${qemuOptValue(resolveVmFile(vm, b.file))}`);
    else a.push('-chardev', `socket,id=${id},host=127.0.0.1,port=${b.port},server=on,wait=off`);
    a.push('-device', `isa-serial,chardev=${id},id=${s.device.toLowerCase()}-dev,index=${i + 1}`);
  });
  (hw.parallels ?? []).forEach((p, i) => {
    const id = `lpt${i + 1}`;
    if (p.file === null) return;
    if (p.connected) a.push('-chardev', `file,id=${id},path=${qemuOptValue(resolveVmFile(vm, p.file))}`);
    else a.push('-chardev', `null,id=${id}`);
    a.push('-device', `isa-parallel,chardev=${id},id=${p.device.toLowerCase()}-dev,index=${i}`);
  });
  for (const c of hw.controllers ?? []) {
    const dev = c.device.toLowerCase();
    if (usedControllers.has(dev)) continue;
    const id = `ctl-${dev}`;
    if (dev.startsWith('scsi')) a.push('-device', `${SCSI_DEVICES[c.model]},id=${id}`);
    else if (dev.startsWith('sata')) a.push('-device', `ich9-ahci,id=${id}`);
    else a.push('-device', `nvme,id=${id},serial=vmgate-${dev}`);
  }
  return a;
}

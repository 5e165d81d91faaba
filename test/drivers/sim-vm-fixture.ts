import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { VmHardware } from '../../src/core/model/index.ts';
import type { DriverVm } from '../../src/core/ports/driver.ts';

let seq = 0;

/** A DriverVm in its own folder under `root`, as core would build it. */
export function simTestVm(root: string, name: string, hardware: Partial<VmHardware> = {}, id = `vm-${++seq}`): DriverVm {
  const dir = join(root, name);
  return {
    id,
    uuid: randomUUID(),
    name,
    dir,
    vmxPath: join(dir, `${name}.vmx`),
    hardware: {
      cpuCount: 1,
      coresPerSocket: 1,
      memoryMiB: 256,
      guestOs: 'otherlinux-64',
      version: 19,
      firmware: 'bios',
      disks: [{ device: 'scsi0:0', fileName: `${name}.vmdk`, capacityMiB: 64 }],
      nics: [],
      cdroms: [],
      kernelBoot: null,
      ...hardware,
    },
  };
}

/**
 * The devices of a VM besides disks, CD-ROMs and NICs: floppy drives, serial and parallel
 * ports, and storage controllers (SCSI, SATA, NVMe) — as the .vmx keys them
 * (`floppy0`, `serial0`, `parallel0`, `scsi0`, `sata0`, `nvme0`).
 */

export interface VirtualFloppy {
  readonly device: string; // 'floppy0'
  /** Image file relative to the VM folder or absolute inside a datastore; null = empty drive. */
  readonly imageFile: string | null;
  readonly connected: boolean;
}

/**
 * Where a serial port's bytes go: a file (absolute inside a datastore or relative to the
 * VM's folder), a TCP server on the host's loopback, or something vmgate reads back from a
 * registered .vmx but does not run (`other`: a named pipe, a host device, a network client).
 */
export type SerialBacking =
  | { readonly kind: 'file'; readonly file: string }
  | { readonly kind: 'tcpServer'; readonly port: number }
  | { readonly kind: 'other'; readonly fileType: string; readonly fileName: string };

export interface VirtualSerial {
  readonly device: string; // 'serial0'
  readonly backing: SerialBacking;
  readonly connected: boolean;
  /** `yieldOnMsrRead`: the vCPU yields while the guest polls the port. */
  readonly yieldOnPoll: boolean;
}

export interface VirtualParallel {
  readonly device: string; // 'parallel0'
  /** Output file (as for serial ports); null = a host device vmgate does not run. */
  readonly file: string | null;
  readonly connected: boolean;
}

export const CONTROLLER_BUSES = ['scsi', 'sata', 'nvme'] as const;
export type ControllerBus = (typeof CONTROLLER_BUSES)[number];

export interface VirtualController {
  readonly device: string; // 'scsi0', 'sata1', 'nvme0'
  /** `scsiN.virtualDev` (lsilogic, pvscsi, lsisas1068, buslogic); 'ahci' for SATA, 'nvme' for NVMe. */
  readonly model: string;
}

/** Most devices of each kind a VM may have (VMware's limits). */
export const DEVICE_LIMITS = { floppies: 2, serials: 4, parallels: 3, scsi: 4, sata: 4, nvme: 4 } as const;

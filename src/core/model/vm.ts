import type { DriverKind } from './inventory.ts';
import type { VirtualController, VirtualFloppy, VirtualParallel, VirtualSerial } from './vm-devices.ts';

export const POWER_STATES = [
  'poweredOff',
  'poweringOn',
  'poweredOn',
  'suspending',
  'suspended',
  'poweringOff',
  'resetting',
  'paused',
] as const;
export type PowerState = (typeof POWER_STATES)[number];

export const TOOLS_STATES = ['unknown', 'notInstalled', 'running'] as const;
export type ToolsState = (typeof TOOLS_STATES)[number];

export interface VirtualDisk {
  /** Device key as in the .vmx: 'scsi0:0', 'ide0:0', 'sata0:1', 'nvme0:0'. */
  readonly device: string;
  /** File name relative to the VM's folder (or an absolute path inside a datastore). */
  readonly fileName: string;
  readonly capacityMiB: number;
}

export interface VirtualNic {
  readonly device: string; // 'ethernet0'
  readonly macAddress: string;
  readonly network: string; // network id or name
  readonly connected: boolean;
  readonly model: string; // 'e1000' | 'vmxnet3' | 'virtio'
  /** The MAC was given (`addressType = "static"`, vSphere's MANUAL), not generated. */
  readonly staticMac?: boolean;
}

export interface VirtualCdrom {
  readonly device: string; // 'ide1:0'
  /** ISO file relative to the VM folder or absolute inside a datastore; null = empty drive. */
  readonly isoFile: string | null;
  readonly connected: boolean;
}

/** Direct kernel boot for appliance-style guests (vmgate keys in the .vmx). */
export interface KernelBoot {
  readonly kernel: string;
  readonly initrd: string | null;
  readonly cmdline: string;
}

export interface VmHardware {
  readonly cpuCount: number;
  readonly coresPerSocket: number;
  readonly memoryMiB: number;
  readonly guestOs: string; // .vmx guestOS, e.g. 'otherlinux-64', 'windows9-64'
  readonly version: number; // virtualHW.version, e.g. 19
  readonly firmware: 'bios' | 'efi';
  readonly disks: readonly VirtualDisk[];
  readonly nics: readonly VirtualNic[];
  readonly cdroms: readonly VirtualCdrom[];
  readonly kernelBoot: KernelBoot | null;
  /** Floppy drives, serial and parallel ports (absent: none). */
  readonly floppies?: readonly VirtualFloppy[];
  readonly serials?: readonly VirtualSerial[];
  readonly parallels?: readonly VirtualParallel[];
  /**
   * Storage controllers beyond those implied: a controller a disk or CD-ROM uses is
   * implied (SCSI ones LSI Logic) and listed here only with another model; one no disk
   * uses is listed. Absent: none beyond the implied ones.
   */
  readonly controllers?: readonly VirtualController[];
}

export interface Vm {
  readonly id: string; // vm-<n>
  /** BIOS UUID / instance GUID, lower-case 8-4-4-4-12; RDV and View address VMs by it. */
  readonly uuid: string;
  readonly name: string;
  /** Computer name as the guest reports it (RDV COMPUTER_NAME_FQDN). */
  readonly fqdn: string;
  readonly datastoreId: string;
  /** Path of the .vmx relative to the datastore root: '<folder>/<name>.vmx'. */
  readonly vmxRel: string;
  readonly hardware: VmHardware;
  readonly powerState: PowerState;
  readonly toolsState: ToolsState;
  /** null = in the library (registered, not placed on any host). */
  readonly hostId: string | null;
  /** Driver that runs it; follows the host's, 'sim' in the library. */
  readonly driver: DriverKind;
  readonly ownerId: string | null;
  readonly currentSnapshotId: string | null;
  /** Free-form key/values (VIX ReadVariable/WriteVariable 'runtimeConfig'). */
  readonly annotation: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** Filter for VM queries; every field narrows (AND), values inside a field widen (OR). */
export interface VmFilter {
  readonly ids?: readonly string[];
  readonly uuids?: readonly string[];
  readonly names?: readonly string[];
  readonly hostIds?: readonly string[];
  readonly clusterIds?: readonly string[];
  readonly datacenterIds?: readonly string[];
  readonly datastoreIds?: readonly string[];
  readonly powerStates?: readonly PowerState[];
  /** true: only library VMs; false: only placed VMs. */
  readonly inLibrary?: boolean;
  readonly limit?: number;
  readonly offset?: number;
}

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

/** A kind of device the firmware may boot from (VMware's `bios.bootOrder` names). */
export type BootDeviceType = 'disk' | 'cdrom' | 'ethernet' | 'floppy';

/**
 * One entry of a VM's boot order: a kind of device and, for disks and NICs, which ones in
 * order (device keys, 'scsi0:0', 'ethernet0'); an empty list means every device of that kind.
 */
export interface BootDevice {
  readonly type: BootDeviceType;
  readonly devices: readonly string[];
}

/** Firmware boot settings (VMware's bios.bootDelay and bios.bootRetry.*). */
export interface BootOptions {
  /** Pause before the firmware boots, in milliseconds (0: none). */
  readonly delayMs: number;
  /** Try again when no device booted. */
  readonly retry: boolean;
  /** Wait before that retry, in milliseconds (whole seconds in the .vmx). */
  readonly retryDelayMs: number;
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
  /** Explicit boot order; absent or empty: the default (disks, then CD-ROMs with an ISO). */
  readonly bootOrder?: readonly BootDevice[];
  /** Absent: no delay, no retry (retry delay 10 s), as vSphere's defaults. */
  readonly boot?: BootOptions;
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

/**
 * A host port forwarded to a port of the guest (a VM on a `nat` network): connections to
 * `hostAddress:hostPort` on the host reach `guestPort` in the guest. Kept in the `.vmx`
 * (`vmgate.portForward<n>.*`); the driver applies them when the VM starts.
 */
export interface PortForward {
  readonly protocol: 'tcp' | 'udp';
  /** An IPv4 or IPv6 address of the host; 127.0.0.1 unless asked otherwise. */
  readonly hostAddress: string;
  readonly hostPort: number;
  readonly guestPort: number;
}

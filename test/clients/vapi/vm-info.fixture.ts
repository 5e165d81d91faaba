import type { VMInfo } from '../../../src/clients/vapi/index.ts';

/** A realistic `com.vmware.vcenter.VM.info` (one disk, one NIC, a CD-ROM, an LSI Logic adapter). */
export const vmInfo: VMInfo = {
  guest_OS: 'OTHER_LINUX_64',
  name: 'web-01',
  identity: { name: 'web-01', bios_uuid: '4203a4c4-5c43-1c7b-9e2d-7a0f6d8e8f11', instance_uuid: '5003a4c4-5c43-1c7b-9e2d-7a0f6d8e8f11' },
  power_state: 'POWERED_ON',
  hardware: { version: 'VMX_19', upgrade_policy: 'NEVER', upgrade_status: 'NONE' },
  boot: { type: 'BIOS', delay: 0, retry: false, retry_delay: 10000, enter_setup_mode: false },
  boot_devices: [],
  cpu: { count: 2, cores_per_socket: 1, hot_add_enabled: false, hot_remove_enabled: false },
  memory: { size_MiB: 2048, hot_add_enabled: false },
  disks: {
    '2000': {
      label: 'Hard disk 1',
      type: 'SCSI',
      scsi: { bus: 0, unit: 0 },
      backing: { type: 'VMDK_FILE', vmdk_file: '[datastore1] web-01/web-01.vmdk' },
      capacity: 17179869184,
    },
  },
  nics: {
    '4000': {
      label: 'Network adapter 1',
      type: 'VMXNET3',
      mac_type: 'GENERATED',
      mac_address: '00:50:56:aa:bb:cc',
      pci_slot_number: 160,
      wake_on_lan_enabled: false,
      backing: { type: 'STANDARD_PORTGROUP', network: 'network-1', network_name: 'VM Network' },
      state: 'CONNECTED',
      start_connected: true,
      allow_guest_control: true,
    },
  },
  cdroms: {
    '3000': {
      type: 'SATA',
      label: 'CD/DVD drive 1',
      sata: { bus: 0, unit: 0 },
      backing: { type: 'CLIENT_DEVICE', device_access_type: 'EMULATION' },
      state: 'NOT_CONNECTED',
      start_connected: false,
      allow_guest_control: true,
    },
  },
  floppies: {},
  parallel_ports: {},
  serial_ports: {},
  sata_adapters: { '15000': { label: 'SATA controller 0', type: 'AHCI', bus: 0, pci_slot_number: 33 } },
  scsi_adapters: { '1000': { label: 'SCSI controller 0', type: 'LSILOGIC', scsi: { bus: 0, unit: 7 }, sharing: 'NONE' } },
  nvme_adapters: {},
};

/**
 * The .vmx vmgate writes for a VM it creates. Header keys first (as VMware products
 * write them), then identity, sizing, devices and vmgate's own keys, all through the
 * same code path as writeVmxConfig so a new file reads back as the config it came from.
 */
import { parseVmx } from './vmx-document.ts';
import { applyConfig } from './vmx-hardware.ts';
import type { VmxConfig } from './vmx-hardware.ts';

/** `config.version` of every current VMware product. */
export const VMX_CONFIG_VERSION = '8';

/**
 * The text of a new VM's .vmx. Throws VmgateError invalid_argument for a config that
 * cannot be written (see writeVmxConfig). `uuid: null` leaves `uuid.bios` out (VMware
 * then generates one on first power-on; vmgate normally passes the VM's GUID).
 */
export function buildNewVmx(cfg: VmxConfig): string {
  const doc = parseVmx('');
  doc.set('.encoding', 'UTF-8');
  doc.set('config.version', VMX_CONFIG_VERSION);
  doc.set('virtualHW.version', String(cfg.hardware.version));
  // PCI and PCIe bridges: VMware places vmxnet3, PVSCSI and NVMe devices behind them.
  doc.set('pciBridge0.present', 'TRUE');
  for (const n of [4, 5, 6, 7]) {
    doc.set(`pciBridge${n}.present`, 'TRUE');
    doc.set(`pciBridge${n}.virtualDev`, 'pcieRootPort');
    doc.set(`pciBridge${n}.functions`, '8');
  }
  applyConfig(doc, cfg, true);
  return doc.toString();
}

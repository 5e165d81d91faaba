/**
 * Floppy drives, serial and parallel ports and storage controllers in a .vmx (part of
 * readVmxConfig / writeVmxConfig, vmx-hardware.ts):
 *
 *   floppy<n>.present/fileType/fileName/startConnected
 *       fileType "file": an image (fileName); "device" (or none): an empty drive
 *   serial<n>.present/fileType/fileName/network.endPoint/yieldOnMsrRead/startConnected
 *       fileType "file": output to fileName; "network" with endPoint "server" (the
 *       default) and fileName "tcp://127.0.0.1:<port>" (also telnet://, localhost or no
 *       host): a TCP server on loopback; anything else (pipe, device, a network client
 *       or a non-loopback address) is read as `other` and its keys are left alone
 *   parallel<n>.present/fileType/fileName/startConnected
 *       fileType "file": output to fileName; anything else: a host device (file null)
 *   scsi<n>.present/virtualDev, sata<n>.present, nvme<n>.present
 *       controllers; virtualDev defaults to "lsilogic"
 *
 * startConnected defaults to true, yieldOnMsrRead to false (VMware's defaults). A kind of
 * device whose list is absent from the hardware (VMs recorded before vmgate kept it) is
 * left as the file has it; controllers a disk or CD-ROM uses are never removed.
 */
import { invalidArgument } from '../errors.ts';
import type { SerialBacking, VirtualController, VirtualFloppy, VirtualParallel, VirtualSerial, VmHardware } from '../model/index.ts';
import { DEVICE_LIMITS } from '../model/index.ts';
import type { VmxDocument } from './vmx-document.ts';
import { deleteDevice, present, putBool, putText, readBool } from './vmx-hardware.ts';

const MODULE = 'core.vmx';
const TCP_SERVER = /^(?:tcp|telnet):\/\/(?:127\.0\.0\.1|localhost|\[::1\])?:(\d{1,5})$/i;

type Devices = Pick<VmHardware, 'floppies' | 'serials' | 'parallels' | 'controllers'>;

/**
 * `devices`: the disks' and CD-ROMs' slots ('scsi0:0'). Controllers those use are implied
 * and listed only when they are not what vmgate would make (a SCSI one other than LSI
 * Logic); `controllers` holds the others (see VmHardware.controllers).
 */
export function readDevices(doc: VmxDocument, devices: readonly { device: string }[]): Devices {
  const floppies: VirtualFloppy[] = present(doc, /^(floppy\d+)\.present$/i, true).map((device) => {
    const file = (doc.get(`${device}.fileType`) ?? '').toLowerCase() === 'file' ? doc.get(`${device}.fileName`) ?? '' : '';
    return { device, imageFile: file === '' ? null : file, connected: readBool(doc, `${device}.startConnected`, true) };
  });
  const serials: VirtualSerial[] = present(doc, /^(serial\d+)\.present$/i, true).map((device) => ({
    device,
    backing: readSerialBacking(doc, device),
    connected: readBool(doc, `${device}.startConnected`, true),
    yieldOnPoll: readBool(doc, `${device}.yieldOnMsrRead`, false),
  }));
  const parallels: VirtualParallel[] = present(doc, /^(parallel\d+)\.present$/i, true).map((device) => {
    const file = (doc.get(`${device}.fileType`) ?? '').toLowerCase() === 'file' ? doc.get(`${device}.fileName`) ?? '' : '';
    return { device, file: file === '' ? null : file, connected: readBool(doc, `${device}.startConnected`, true) };
  });
  const controllers: VirtualController[] = present(doc, /^((?:scsi|sata|nvme)\d+)\.present$/i, true).map((device) => ({
    device,
    model: device.startsWith('scsi') ? (doc.get(`${device}.virtualDev`) || 'lsilogic').toLowerCase() : device.startsWith('sata') ? 'ahci' : 'nvme',
  }));
  const used = usedControllers(devices);
  const extra = controllers.filter((c) => !used.has(c.device) || (c.device.startsWith('scsi') && c.model !== 'lsilogic'));
  // Only what the file has: hardware without these devices reads as before vmgate kept them.
  return {
    ...(floppies.length > 0 ? { floppies } : {}),
    ...(serials.length > 0 ? { serials } : {}),
    ...(parallels.length > 0 ? { parallels } : {}),
    ...(extra.length > 0 ? { controllers: extra } : {}),
  };
}

/** 'scsi0:1' → 'scsi0' for every disk / CD-ROM not on IDE. */
export function usedControllers(devices: readonly { device: string }[]): Set<string> {
  return new Set(devices.map((d) => d.device.toLowerCase()).filter((d) => !d.startsWith('ide')).map((d) => d.replace(/:\d+$/, '')));
}

function readSerialBacking(doc: VmxDocument, device: string): SerialBacking {
  const fileType = (doc.get(`${device}.fileType`) ?? '').toLowerCase();
  const fileName = doc.get(`${device}.fileName`) ?? '';
  if (fileType === 'file' && fileName !== '') return { kind: 'file', file: fileName };
  if (fileType === 'network' && (doc.get(`${device}.network.endPoint`) ?? 'server').toLowerCase() === 'server') {
    const m = TCP_SERVER.exec(fileName.trim());
    const port = m ? Number(m[1]) : NaN;
    if (port >= 1 && port <= 65535) return { kind: 'tcpServer', port };
  }
  return { kind: 'other', fileType, fileName };
}

/** Brings the file's floppies, ports and controllers in line with `hw` (see the module comment). */
export function writeDevices(doc: VmxDocument, hw: VmHardware): void {
  if (hw.floppies !== undefined) {
    sync(doc, /^(floppy\d+)\.present$/i, hw.floppies);
    for (const f of hw.floppies) {
      const dev = f.device.toLowerCase();
      putBool(doc, `${dev}.present`, true, false);
      if (f.imageFile !== null) {
        putText(doc, `${dev}.fileType`, 'file', false);
        putText(doc, `${dev}.fileName`, f.imageFile, false);
      } else if ((doc.get(`${dev}.fileType`) ?? '').toLowerCase() === 'file') {
        doc.set(`${dev}.fileType`, 'device');
        doc.delete(`${dev}.fileName`);
      }
      putBool(doc, `${dev}.startConnected`, f.connected, true);
    }
  }
  if (hw.serials !== undefined) {
    sync(doc, /^(serial\d+)\.present$/i, hw.serials);
    for (const p of hw.serials) {
      const dev = p.device.toLowerCase();
      putBool(doc, `${dev}.present`, true, false);
      const b = p.backing;
      if (b.kind === 'file') {
        putText(doc, `${dev}.fileType`, 'file', false);
        putText(doc, `${dev}.fileName`, b.file, false);
        doc.delete(`${dev}.network.endPoint`);
      } else if (b.kind === 'tcpServer') {
        const now = readSerialBacking(doc, dev);
        if (now.kind !== 'tcpServer' || now.port !== b.port) {
          doc.set(`${dev}.fileType`, 'network');
          doc.set(`${dev}.fileName`, `tcp://127.0.0.1:${b.port}`);
          doc.set(`${dev}.network.endPoint`, 'server');
        }
      }
      putBool(doc, `${dev}.yieldOnMsrRead`, p.yieldOnPoll, false);
      putBool(doc, `${dev}.startConnected`, p.connected, true);
    }
  }
  if (hw.parallels !== undefined) {
    sync(doc, /^(parallel\d+)\.present$/i, hw.parallels);
    for (const p of hw.parallels) {
      const dev = p.device.toLowerCase();
      putBool(doc, `${dev}.present`, true, false);
      if (p.file !== null) {
        putText(doc, `${dev}.fileType`, 'file', false);
        putText(doc, `${dev}.fileName`, p.file, false);
      }
      putBool(doc, `${dev}.startConnected`, p.connected, true);
    }
  }
  if (hw.controllers !== undefined) {
    const used = usedControllers([...hw.disks, ...hw.cdroms]);
    const wanted = new Set(hw.controllers.map((c) => c.device.toLowerCase()));
    for (const c of present(doc, /^((?:scsi|sata|nvme)\d+)\.present$/i, false)) {
      if (!wanted.has(c) && !used.has(c)) deleteDevice(doc, c);
    }
    for (const c of hw.controllers) {
      const dev = c.device.toLowerCase();
      putBool(doc, `${dev}.present`, true, false);
      if (dev.startsWith('scsi')) putText(doc, `${dev}.virtualDev`, c.model, false, 'lsilogic');
    }
  }
}

/** Devices of one kind that the file has and `wanted` does not lose all their keys. */
function sync(doc: VmxDocument, pattern: RegExp, wanted: readonly { device: string }[]): void {
  const keep = new Set(wanted.map((d) => d.device.toLowerCase()));
  for (const dev of present(doc, pattern, false)) if (!keep.has(dev)) deleteDevice(doc, dev);
}

export function validateDevices(hw: VmHardware): void {
  const bad = (m: string): never => {
    throw invalidArgument(m, { module: MODULE });
  };
  const names = (list: readonly { device: string }[] | undefined, pattern: RegExp, like: string, max: number, what: string): void => {
    if (list === undefined) return;
    if (list.length > max) bad(`a VM can have at most ${max} ${what}`);
    const seen = new Set<string>();
    for (const d of list) {
      if (typeof d.device !== 'string' || !pattern.test(d.device)) bad(`device ${JSON.stringify(d.device)} is not like "${like}"`);
      if (seen.has(d.device.toLowerCase())) bad(`device ${d.device} is listed twice`);
      seen.add(d.device.toLowerCase());
    }
  };
  names(hw.floppies, /^floppy\d$/i, 'floppy0', DEVICE_LIMITS.floppies, 'floppy drives');
  names(hw.serials, /^serial\d$/i, 'serial0', DEVICE_LIMITS.serials, 'serial ports');
  names(hw.parallels, /^parallel\d$/i, 'parallel0', DEVICE_LIMITS.parallels, 'parallel ports');
  names(hw.controllers, /^(scsi|sata|nvme)\d$/i, 'scsi0', DEVICE_LIMITS.scsi + DEVICE_LIMITS.sata + DEVICE_LIMITS.nvme, 'controllers');
  const text = (what: string, v: string | null): void => {
    if (v !== null && (typeof v !== 'string' || v === '' || v.includes('\0') || v.includes('"'))) bad(`${what} must be a file name without NUL characters or quotes`);
  };
  for (const f of hw.floppies ?? []) text(`image file of ${f.device}`, f.imageFile);
  for (const p of hw.parallels ?? []) text(`file of ${p.device}`, p.file);
  for (const p of hw.serials ?? []) {
    if (p.backing.kind === 'file') text(`file of ${p.device}`, p.backing.file);
    if (p.backing.kind === 'tcpServer' && (!Number.isInteger(p.backing.port) || p.backing.port < 1 || p.backing.port > 65535)) bad(`TCP port ${p.backing.port} of ${p.device} is not 1–65535`);
  }
  for (const c of hw.controllers ?? []) if (!/^[a-z0-9]{1,32}$/.test(c.model)) bad(`controller model ${JSON.stringify(c.model)} of ${c.device} is not valid`);
}

/**
 * VmxDocument ↔ a VM's boot order and firmware boot settings (VmHardware.bootOrder, .boot).
 *
 * Keys (VMware's):
 *
 *   bios.bootOrder          "hdd,cdrom,ethernet,floppy" — the kinds, in order
 *   bios.hddOrder           "scsi0:0,scsi0:1" — the disks of the "hdd" entry, in order
 *   bios.nicOrder           "ethernet0" — the NICs of the "ethernet" entry, in order
 *   bios.bootDelay          milliseconds (default 0)
 *   bios.bootRetry.enabled  TRUE/FALSE (default FALSE)
 *   bios.bootRetry.delay    seconds (default 10)
 *
 * A missing or empty bios.bootOrder is the default order (bootOrder absent). Unknown names
 * in bios.bootOrder are skipped when read. Keys are written only when the effective value
 * changes, so an untouched file stays byte-identical.
 */
import { invalidArgument } from '../errors.ts';
import type { BootDevice, BootDeviceType, BootOptions } from '../model/index.ts';
import type { VmxDocument } from './vmx-document.ts';

const MODULE = 'core.vmx';

/** VMware's names in bios.bootOrder ↔ vmgate's. */
const VMX_NAMES: ReadonlyMap<string, BootDeviceType> = new Map([
  ['hdd', 'disk'],
  ['cdrom', 'cdrom'],
  ['ethernet', 'ethernet'],
  ['floppy', 'floppy'],
]);
const NAME_OF: Readonly<Record<BootDeviceType, string>> = { disk: 'hdd', cdrom: 'cdrom', ethernet: 'ethernet', floppy: 'floppy' };

export const BOOT_DEFAULTS: BootOptions = { delayMs: 0, retry: false, retryDelayMs: 10_000 };

/** The boot order the file names; undefined for the default order. */
export function readBootOrder(doc: VmxDocument): BootDevice[] | undefined {
  const order = list(doc.get('bios.bootOrder'));
  if (order.length === 0) return undefined;
  const out: BootDevice[] = [];
  for (const name of order) {
    const type = VMX_NAMES.get(name.toLowerCase());
    if (type === undefined || out.some((e) => e.type === type)) continue;
    const devices = type === 'disk' ? list(doc.get('bios.hddOrder')) : type === 'ethernet' ? list(doc.get('bios.nicOrder')) : [];
    out.push({ type, devices: devices.map((d) => d.toLowerCase()) });
  }
  return out.length === 0 ? undefined : out;
}

/** The boot settings; undefined when every key is at its default (or missing). */
export function readBootOptions(doc: VmxDocument): BootOptions | undefined {
  const delayMs = int(doc, 'bios.bootDelay', BOOT_DEFAULTS.delayMs, 1);
  const retry = bool(doc, 'bios.bootRetry.enabled', BOOT_DEFAULTS.retry);
  const retryDelayMs = int(doc, 'bios.bootRetry.delay', BOOT_DEFAULTS.retryDelayMs / 1000, 1000) * 1000;
  if (delayMs === BOOT_DEFAULTS.delayMs && retry === BOOT_DEFAULTS.retry && retryDelayMs === BOOT_DEFAULTS.retryDelayMs) return undefined;
  return { delayMs, retry, retryDelayMs };
}

/** Brings the boot keys in line with `order` and `options` (absent: the defaults). */
export function putBoot(doc: VmxDocument, order: readonly BootDevice[] | undefined, options: BootOptions | undefined): void {
  const wanted = order ?? [];
  const now = lenient(() => readBootOrder(doc)) ?? [];
  if (JSON.stringify(now) !== JSON.stringify(wanted)) {
    if (wanted.length === 0) {
      for (const key of ['bios.bootOrder', 'bios.hddOrder', 'bios.nicOrder']) doc.delete(key);
    } else {
      doc.set('bios.bootOrder', wanted.map((e) => NAME_OF[e.type]).join(','));
      const disks = wanted.find((e) => e.type === 'disk')?.devices ?? [];
      const nics = wanted.find((e) => e.type === 'ethernet')?.devices ?? [];
      if (disks.length > 0) doc.set('bios.hddOrder', disks.join(','));
      else doc.delete('bios.hddOrder');
      if (nics.length > 0) doc.set('bios.nicOrder', nics.join(','));
      else doc.delete('bios.nicOrder');
    }
  }
  const o = options ?? BOOT_DEFAULTS;
  if (!Number.isSafeInteger(o.delayMs) || o.delayMs < 0) throw invalidArgument(`boot delay ${o.delayMs} ms is not a whole number of milliseconds`, { module: MODULE });
  if (!Number.isSafeInteger(o.retryDelayMs) || o.retryDelayMs < 0 || o.retryDelayMs % 1000 !== 0) throw invalidArgument(`boot retry delay ${o.retryDelayMs} ms is not a whole number of seconds`, { module: MODULE });
  const cur = lenient(() => readBootOptions(doc)) ?? BOOT_DEFAULTS;
  if (cur.delayMs !== o.delayMs) putOrDrop(doc, 'bios.bootDelay', o.delayMs === BOOT_DEFAULTS.delayMs ? null : String(o.delayMs));
  if (cur.retry !== o.retry) putOrDrop(doc, 'bios.bootRetry.enabled', o.retry ? 'TRUE' : null);
  if (cur.retryDelayMs !== o.retryDelayMs) putOrDrop(doc, 'bios.bootRetry.delay', o.retryDelayMs === BOOT_DEFAULTS.retryDelayMs ? null : String(o.retryDelayMs / 1000));
}

function putOrDrop(doc: VmxDocument, key: string, value: string | null): void {
  if (value === null) doc.delete(key);
  else doc.set(key, value);
}

function list(v: string | undefined): string[] {
  return (v ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
}

function int(doc: VmxDocument, key: string, fallback: number, unit: number): number {
  const v = doc.get(key);
  if (v === undefined || v.trim() === '') return fallback;
  const t = v.trim();
  const n = /^\d{1,12}$/.test(t) ? Number(t) : NaN;
  if (!Number.isSafeInteger(n * unit)) throw invalidArgument(`.vmx key "${key}" has an invalid value ${JSON.stringify(v)}: expected a whole number`, { module: MODULE, details: { key, value: v } });
  return n;
}

function bool(doc: VmxDocument, key: string, fallback: boolean): boolean {
  const v = doc.get(key);
  if (v === undefined) return fallback;
  const t = v.trim().toLowerCase();
  if (t === 'true' || t === 'yes' || t === '1' || t === 'on') return true;
  if (t === 'false' || t === 'no' || t === '0' || t === 'off') return false;
  throw invalidArgument(`.vmx key "${key}" has an invalid value ${JSON.stringify(v)}: expected "TRUE" or "FALSE"`, { module: MODULE, details: { key, value: v } });
}

function lenient<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/**
 * Confinement of the files a `.vmx` names, for `register`: a registered file is written
 * by whoever could put it on a datastore, so every key that names a file must stay on
 * vmgate's datastores, as `create` insists for the files it makes.
 *
 * Keys checked (any case; a device whose `.present` is FALSE is skipped):
 *
 *   <bus><c>:<u>.fileName      disks and CD-ROM images (scsi, ide, sata, nvme)
 *   floppy<n>.fileName         floppy images and drives
 *   serial<n>.fileName, parallel<n>.fileName   port output files, pipes and devices
 *   nvram, log.fileName, vmx.log.filename, extendedConfigFile, workingDir,
 *   checkpoint.vmState, suspend.directory, sched.swap.dir, sched.swap.derivedName,
 *   vmgate.boot.kernel, vmgate.boot.initrd
 *
 * A value passes when it is empty, VMware's `auto detect`, relative to the VM's folder
 * and still inside its datastore once `..` is resolved, or absolute inside one of the
 * datastores (lexically: the datastore layer refuses links that lead out when files are
 * opened through it). CD-ROMs of type `atapi-cdrom` / `cdrom-raw` are the host's drive,
 * which vmgate shows as an empty drive and never opens: their fileName is not a file.
 * Anything else is refused with invalid_argument naming the key.
 */
import { isAbsolute, posix, win32 } from 'node:path';
import { invalidArgument } from '../errors.ts';
import type { VmxDocument } from './vmx-document.ts';

const MODULE = 'core.vmx';

const DEVICE_FILE = /^((?:scsi|ide|sata|nvme)\d+:\d+|floppy\d+|serial\d+|parallel\d+)\.filename$/;
const PLAIN_FILE_KEYS = new Set([
  'nvram',
  'log.filename',
  'vmx.log.filename',
  'extendedconfigfile',
  'workingdir',
  'checkpoint.vmstate',
  'suspend.directory',
  'sched.swap.dir',
  'sched.swap.derivedname',
  'vmgate.boot.kernel',
  'vmgate.boot.initrd',
]);
const HOST_CDROM_TYPES = new Set(['atapi-cdrom', 'cdrom-raw']);

/** Where the .vmx is: its path relative to its datastore, and the datastores' roots. */
export interface VmxFileScope {
  /** The .vmx relative to its datastore's root ('web01/web01.vmx'). */
  readonly vmxRel: string;
  /** Absolute roots of every datastore (a file may live on another one). */
  readonly datastoreRoots: readonly string[];
}

/** Throws invalid_argument naming the first key whose file lies outside the datastores. */
export function checkVmxFileKeys(doc: VmxDocument, scope: VmxFileScope): void {
  const folder = posix.dirname(posix.normalize(scope.vmxRel));
  for (const [key, value] of doc.entries()) {
    const lower = key.toLowerCase();
    const device = DEVICE_FILE.exec(lower)?.[1];
    if (device === undefined && !PLAIN_FILE_KEYS.has(lower)) continue;
    if (device !== undefined) {
      if (/^(false|no|0|off)$/i.test((doc.get(`${device}.present`) ?? '').trim())) continue;
      if (HOST_CDROM_TYPES.has((doc.get(`${device}.deviceType`) ?? '').trim().toLowerCase())) continue;
    }
    const why = outsideReason(value, folder, scope.datastoreRoots);
    if (why !== null) {
      throw invalidArgument(`.vmx key "${key}" names ${JSON.stringify(value)}, which ${why}: register refuses files outside vmgate's datastores`, {
        module: MODULE,
        details: { key, value },
      });
    }
  }
}

/** Why `value` is not a file on the datastores, or null when it is. */
function outsideReason(value: string, folder: string, roots: readonly string[]): string | null {
  const v = value.trim();
  if (v === '' || v.toLowerCase() === 'auto detect') return null;
  if (v.includes('\0')) return 'contains a NUL byte';
  if (win32.isAbsolute(v) && !v.startsWith('/')) return 'is a Windows path';
  if (isAbsolute(v)) {
    const n = posix.normalize(v);
    const inside = roots.some((root) => {
      const r = posix.normalize(root).replace(/\/+$/, '');
      return n.startsWith(`${r}/`);
    });
    return inside ? null : 'is outside every datastore';
  }
  if (v.includes('\\')) return 'contains a backslash';
  const rel = posix.normalize(posix.join(folder, v));
  if (rel === '..' || rel.startsWith('../') || rel === '.') return 'leaves the datastore';
  return null;
}

/**
 * Files as vSphere names them, `[datastore] folder/file`, ↔ the paths core keeps in a
 * VM's hardware (relative to the VM's folder, or absolute inside a datastore).
 */
import { isAbsolute, join, posix, relative, sep } from 'node:path';
import { invalidArgument } from '../../../core/errors.ts';
import type { Datastore } from '../../../core/model/index.ts';
import type { VapiCall } from '../call.ts';

/** `[LocalDS_0] web01/web01.vmx` → `[LocalDS_0] web01` (the VM's folder, for its files). */
export function folderOfDatastorePath(vmxPath: string): string {
  const slash = vmxPath.lastIndexOf('/');
  if (slash >= 0) return vmxPath.slice(0, slash);
  return vmxPath.slice(0, vmxPath.indexOf(']') + 1);
}

/**
 * A file of a VM's hardware as a datastore path: relative names are in the VM's folder
 * (`vmFolder`, from {@link folderOfDatastorePath}); absolute ones inside a datastore get
 * that datastore's name; anything else is shown as it is.
 */
export function datastorePathOf(file: string, vmFolder: string, datastores: readonly Datastore[]): string {
  if (!isAbsolute(file)) return vmFolder.endsWith(']') ? `${vmFolder} ${file}` : `${vmFolder}/${file}`;
  for (const ds of datastores) {
    const rel = relative(ds.path, file);
    if (rel !== '' && !rel.startsWith('..') && !isAbsolute(rel)) return `[${ds.name}] ${rel.split(sep).join('/')}`;
  }
  return file;
}

/**
 * `[ds] folder/file.iso` → the absolute path core stores, inside that datastore. The
 * datastore is looked up for the caller (not_found when unknown or invisible); paths
 * that would leave it are refused.
 */
export async function fileInDatastore(call: VapiCall, text: string, field: string): Promise<string> {
  const m = /^\[([^\]]+)\][ \t]*(.+)$/s.exec(text);
  if (!m) throw invalidArgument(`${field}: ${JSON.stringify(text)} is not a datastore path like "[datastore1] iso/image.iso"`, { module: 'face.vapi' });
  const rel = posix.normalize(m[2]!.trim());
  if (rel.startsWith('/') || rel === '..' || rel.startsWith('../') || rel === '.' || rel.includes('\0')) {
    throw invalidArgument(`${field}: ${JSON.stringify(text)} must name a file inside the datastore`, { module: 'face.vapi' });
  }
  const ds = await call.core.inventory.getDatastore(call.caller, m[1]!);
  return join(ds.path, ...rel.split('/'));
}

/** Finding a VM by any of its four names: id, GUID, datastore path or file path, name. */
import { posix } from 'node:path';
import type { Authorizer } from './authorizer.ts';
import type { Caller } from './caller.ts';
import { formatDatastorePath, parseDatastorePath } from './datastore-path-syntax.ts';
import { notFound } from './errors.ts';
import type { Vm } from './model/index.ts';
import type { VmDeps } from './vm-deps.ts';

/** A VM by id ('vm-12'), GUID, datastore path ('[ds] folder/x.vmx') or name. */
export async function findVm(d: VmDeps, ref: string): Promise<Vm | undefined> {
  const s = d.ctx.store.vms;
  if (typeof ref !== 'string' || ref.length === 0 || ref.length > 1024) return undefined;
  if (/^vm-\d+$/.test(ref)) return s.get(ref);
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(ref)) return s.getByUuid(ref.toLowerCase());
  if (ref.startsWith('[')) {
    let p: { datastoreName: string; rel: string };
    try {
      p = parseDatastorePath(ref);
    } catch {
      return undefined;
    }
    const ds = await d.ctx.store.datastores.getByName(p.datastoreName);
    return ds ? s.getByPath(ds.id, posix.normalize(p.rel)) : undefined;
  }
  if (ref.startsWith('/')) {
    for (const ds of await d.ctx.store.datastores.list()) {
      if (ref.startsWith(ds.path + '/')) return s.getByPath(ds.id, ref.slice(ds.path.length + 1));
    }
    return undefined;
  }
  return s.getByName(ref);
}

/** Resolves and checks the privilege; unknown and invisible VMs answer the same not_found. */
export async function resolveVm(d: VmDeps, caller: Caller, ref: string, privilege: Parameters<Authorizer['require']>[1] = 'System.View'): Promise<Vm> {
  const vm = await findVm(d, ref);
  if (!vm) throw notFound(`virtual machine '${ref}' was not found`, { module: 'core.vm' });
  await d.authz.requireVisible(caller, privilege, vm.id, await d.authz.vmAncestry(vm));
  return vm;
}

/** The .vmx path as VMware prints it: '[datastore1] web01/web01.vmx'. */
export async function vmxPath(d: VmDeps, vm: Vm): Promise<string> {
  return formatDatastorePath((await d.rt.datastoreOf(vm)).name, vm.vmxRel);
}

/** VMs named by `.vmx` path, and replies of task-backed ops. */
import type { Task, Vm } from '../../core/index.ts';
import type { XmlElement, XmlValue } from '../../protocols/vmserverd/index.ts';
import { ExecError } from './errors.ts';
import { optBool, optStr, str } from './input.ts';
import type { OpContext } from './ops.ts';

/** `<vmx>[ds] folder/x.vmx</vmx>` (or the datastore's absolute path) → the VM, with privileges checked by core. */
export async function vmOf(ctx: OpContext, input: XmlElement | undefined, privilege?: 'VirtualMachine.PowerOps' | 'VirtualMachine.Inventory' | 'VirtualMachine.GuestOps'): Promise<Vm> {
  const path = vmxPath(input);
  return privilege ? ctx.core.vms.resolve(ctx.caller, path, privilege) : ctx.core.vms.get(ctx.caller, path);
}

export function vmxPath(input: XmlElement | undefined): string {
  const path = str(input, 'vmx');
  if (!(path.startsWith('[') || path.startsWith('/')) || !path.endsWith('.vmx')) throw new ExecError('bad_argument', `<vmx> must be a .vmx path like '[datastore1] folder/vm.vmx', not '${path.slice(0, 200)}'`);
  return path;
}

/** A task-backed op's reply: waits for the task unless <wait>0</wait>. */
export async function taskReply(c: OpContext, i: XmlElement | undefined, task: Task, extra: (result: unknown) => Promise<XmlValue> | XmlValue = () => ({})): Promise<XmlValue> {
  const wait = optStr(i, 'wait') === undefined ? true : optBool(i, 'wait');
  if (!wait) return { task: task.id };
  const result = await c.core.tasks.result(c.caller, task);
  const more = await extra(result);
  return { task: task.id, ...(more && typeof more === 'object' && !Array.isArray(more) ? (more as Record<string, XmlValue>) : {}) };
}


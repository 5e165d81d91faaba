import type { Authorizer } from './authorizer.ts';
import type { Caller } from './caller.ts';
import type { CoreContext } from './context.ts';
import type { EventLog } from './events.ts';
import type { InventoryService } from './inventory.ts';
import type { Vm } from './model/index.ts';
import type { TaskContext, TaskEngine } from './tasks.ts';
import type { VmRuntime } from './vm-runtime.ts';

/** What the VM operations (vm-*.ts) share: the services VmService was built with. */
export interface VmDeps {
  readonly ctx: CoreContext;
  readonly authz: Authorizer;
  readonly events: EventLog;
  readonly tasks: TaskEngine;
  readonly inventory: InventoryService;
  readonly rt: VmRuntime;
  /** Powers a VM on inside a running task (PowerService.powerOnInTask): clone's powerOn. */
  readonly powerOnInTask: <R>(caller: Caller, vm: Vm, t: TaskContext, result: R, range: readonly [number, number]) => Promise<R>;
}

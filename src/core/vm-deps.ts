import type { Authorizer } from './authorizer.ts';
import type { CoreContext } from './context.ts';
import type { EventLog } from './events.ts';
import type { InventoryService } from './inventory.ts';
import type { TaskEngine } from './tasks.ts';
import type { VmRuntime } from './vm-runtime.ts';

/** What the VM operations (vm-*.ts) share: the services VmService was built with. */
export interface VmDeps {
  readonly ctx: CoreContext;
  readonly authz: Authorizer;
  readonly events: EventLog;
  readonly tasks: TaskEngine;
  readonly inventory: InventoryService;
  readonly rt: VmRuntime;
}

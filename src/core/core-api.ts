import type { ConsoleService } from './consoles.ts';
import type { DatastoreFileService } from './datastore-file-service.ts';
import type { EventLog } from './events.ts';
import type { GuestService } from './guest.ts';
import type { IdentityService } from './identity.ts';
import type { InventoryService } from './inventory.ts';
import type { LiveService } from './live.ts';
import type { PortForwardService } from './port-forwards.ts';
import type { PowerService } from './power-service.ts';
import type { SnapshotService } from './snapshots.ts';
import type { StatisticsService } from './statistics.ts';
import type { TaskEngine } from './tasks.ts';
import type { VdiService } from './vdi.ts';
import type { VmService } from './vms.ts';
import type { VmDeviceService } from './vm-devices.ts';
import type { VmJobService } from './vm-jobs.ts';

/**
 * What a face may use of core: the services, and core's clock. No `ctx`, no store, no
 * drivers, no locks: a face translates a protocol into these calls and nothing else.
 * `Core` implements it; the server hands each face its Core typed as this.
 */
export interface CoreApi {
  readonly identity: IdentityService;
  readonly inventory: InventoryService;
  readonly vms: VmService;
  readonly power: PowerService;
  readonly snapshots: SnapshotService;
  readonly guest: GuestService;
  readonly vdi: VdiService;
  /** Broker jobs: look-up by name/GUID/FQDN, start-or-place, place, task watching (RDV). */
  readonly vmJobs: VmJobService;
  /** VM consoles: one-time VNC passwords and WebSocket proxy tickets. */
  readonly consoles: ConsoleService;
  /** Host ports forwarded into VMs on a nat network. */
  readonly portForwards: PortForwardService;
  /** A VM's devices one at a time (vSphere's vm.hardware.*): disks, CD-ROMs, boot settings, NICs, floppy drives, serial / parallel ports, storage controllers. */
  readonly devices: VmDeviceService;
  readonly tasks: TaskEngine;
  /** Live updates (VMs, tasks, events) filtered by what the caller may see: the web UI's stream. */
  readonly live: LiveService;
  /** CPU and memory samples of running VMs and of hosts, the last ten minutes. */
  readonly statistics: StatisticsService;
  readonly events: EventLog;
  /** Files on the datastores a caller may browse (vmserverd's file operations). */
  readonly datastoreFiles: DatastoreFileService;
  /** Core's time (a manual clock in tests): expiry and lockout are judged by it. */
  now(): Date;
}

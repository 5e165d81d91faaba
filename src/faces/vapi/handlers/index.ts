import type { ImplementedService } from '../call.ts';
import { consoleTicketsHandlers, vmgateConsoleHandlers } from './console.ts';
import { guestDirectoriesHandlers } from './guest-directories.ts';
import { guestFilesHandlers } from './guest-files.ts';
import { guestIdentityHandlers } from './guest-identity.ts';
import { guestNetworkingHandlers } from './guest-networking.ts';
import { guestPowerHandlers } from './guest-power.ts';
import { guestProcessesHandlers } from './guest-processes.ts';
import { guestTransfersHandlers } from './guest-transfers.ts';
import { hardwareHandlers } from './hardware.ts';
import { INVENTORY_HANDLERS } from './inventory.ts';
import { powerHandlers } from './power.ts';
import { sessionHandlers } from './session.ts';
import { tasksHandlers } from './tasks.ts';
import { vmHandlers } from './vm.ts';
import { vmgateEventsHandlers } from './vmgate-events.ts';
import { vmgateDatastoresHandlers } from './vmgate-datastores.ts';
import { vmgateHostsHandlers } from './vmgate-hosts.ts';
import { vmgateGroupsHandlers } from './vmgate-groups.ts';
import { vmgateGuestProgramsHandlers } from './vmgate-guest-programs.ts';
import { vmgatePermissionsHandlers } from './vmgate-permissions.ts';
import { vmgatePoolEntitlementsHandlers } from './vmgate-pool-entitlements.ts';
import { vmgatePoolApplicationsHandlers } from './vmgate-pool-applications.ts';
import { vmgatePoolsHandlers } from './vmgate-pools.ts';
import { vmgateRolesHandlers } from './vmgate-roles.ts';
import { vmgateSnapshotsHandlers } from './vmgate-snapshots.ts';
import { vmgateUsersHandlers } from './vmgate-users.ts';
import { vmgateSessionHandlers } from './vmgate-session.ts';
import { vmgateHostStatsHandlers, vmgateVmStatsHandlers } from './vmgate-stats.ts';
import { vmgateDesktopsHandlers } from './vmgate-desktops.ts';

/** Every implemented vAPI service: one file per service (inventory: one file for the six list/get services). */
export const IMPLEMENTED: readonly ImplementedService[] = [
  sessionHandlers,
  tasksHandlers,
  vmHandlers,
  powerHandlers,
  hardwareHandlers,
  guestProcessesHandlers,
  guestFilesHandlers,
  guestDirectoriesHandlers,
  guestTransfersHandlers,
  guestIdentityHandlers,
  guestNetworkingHandlers,
  guestPowerHandlers,
  consoleTicketsHandlers,
  ...INVENTORY_HANDLERS,
  // vmgate's own services
  vmgateSnapshotsHandlers,
  vmgateGuestProgramsHandlers,
  vmgateUsersHandlers,
  vmgateGroupsHandlers,
  vmgateRolesHandlers,
  vmgatePermissionsHandlers,
  vmgatePoolsHandlers,
  vmgatePoolEntitlementsHandlers,
  vmgatePoolApplicationsHandlers,
  vmgateEventsHandlers,
  vmgateDatastoresHandlers,
  vmgateHostsHandlers,
  vmgateConsoleHandlers,
  vmgateSessionHandlers,
  vmgateVmStatsHandlers,
  vmgateHostStatsHandlers,
  vmgateDesktopsHandlers,
];

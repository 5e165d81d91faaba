/**
 * The registry of the vAPI services vmgate speaks: serviceId → operationId →
 * { input, output, errors, rest }. One file per service beside this one declares its
 * structures and its operation table; this file only collects them.
 */
import type { OperationDef, ServiceDef } from './operation.ts';
import type { StructureType, VapiType } from './vapi-type.ts';
import { resolveType } from './vapi-type.ts';
import { STD_ERROR_TYPES, LocalizableMessage, LocalizationParam, NestedLocalizableMessage, DynamicID } from './std.ts';
import { SessionService } from './session.ts';
import { TasksService } from './tasks.ts';
import { VMService } from './vm.ts';
import { VmPowerService } from './power.ts';
import { VmHardwareService } from './hardware.ts';
import { VmGuestProcessesService } from './guest-processes.ts';
import { VmGuestFilesystemFilesService } from './guest-files.ts';
import { VmGuestFilesystemDirectoriesService } from './guest-directories.ts';
import { VmGuestFilesystemTransfersService } from './guest-transfers.ts';
import { VmGuestIdentityService } from './guest-identity.ts';
import { VmGuestPowerService } from './guest-power.ts';
import { VmConsoleTicketsService } from './console-tickets.ts';
import { VmGuestNetworkingInterfacesService } from './guest-networking.ts';
import { HostService } from './host.ts';
import { DatacenterService } from './datacenter.ts';
import { ClusterService } from './cluster.ts';
import { DatastoreService } from './datastore.ts';
import { NetworkService } from './network.ts';
import { FolderService } from './folder.ts';
import { ResourcePoolService } from './resource-pool.ts';
import { VmgateSnapshotsService } from './vmgate-snapshots.ts';
import { VmgateGuestProgramsService } from './vmgate-guest-programs.ts';
import { VmgateUsersService } from './vmgate-users.ts';
import { VmgateGroupsService } from './vmgate-groups.ts';
import { VmgateRolesService } from './vmgate-roles.ts';
import { VmgatePermissionsService } from './vmgate-permissions.ts';
import { VmgatePoolsService } from './vmgate-pools.ts';
import { VmgatePoolEntitlementsService } from './vmgate-pool-entitlements.ts';
import { VmgatePoolApplicationsService } from './vmgate-pool-applications.ts';
import { VmgateEventsService } from './vmgate-events.ts';
import { VmgateDatastoresService } from './vmgate-datastores.ts';
import { VmgateHostsService } from './vmgate-hosts.ts';
import { VmgateConsoleService } from './vmgate-console.ts';
import { VmgateSessionService } from './vmgate-session.ts';
import { VmgateHostStatsService, VmgateVmStatsService } from './vmgate-stats.ts';
import { VmgateDesktopsService } from './vmgate-desktops.ts';

export * from './vapi-type.ts';
export * from './operation.ts';
export * from './std.ts';
export * from './session.ts';
export * from './tasks.ts';
export * from './vm.ts';
export * from './guest-os.ts';
export * from './power.ts';
export * from './hardware.ts';
export * from './devices.ts';
export * from './guest-credentials.ts';
export * from './guest-processes.ts';
export * from './guest-files.ts';
export * from './guest-directories.ts';
export * from './guest-transfers.ts';
export * from './guest-identity.ts';
export * from './guest-power.ts';
export * from './console-tickets.ts';
export * from './guest-networking.ts';
export * from './host.ts';
export * from './datacenter.ts';
export * from './cluster.ts';
export * from './datastore.ts';
export * from './network.ts';
export * from './folder.ts';
export * from './resource-pool.ts';
export * from './vmgate-snapshots.ts';
export * from './vmgate-guest-programs.ts';
export * from './vmgate-users.ts';
export * from './vmgate-groups.ts';
export * from './vmgate-roles.ts';
export * from './vmgate-permissions.ts';
export * from './vmgate-pools.ts';
export * from './vmgate-pool-entitlements.ts';
export * from './vmgate-pool-applications.ts';
export * from './vmgate-events.ts';
export * from './vmgate-datastores.ts';
export * from './vmgate-hosts.ts';
export * from './vmgate-console.ts';
export * from './vmgate-session.ts';
export * from './vmgate-stats.ts';
export * from './vmgate-desktops.ts';

export const SERVICE_LIST = [
  SessionService,
  TasksService,
  VMService,
  VmPowerService,
  VmHardwareService,
  VmGuestProcessesService,
  VmGuestFilesystemFilesService,
  VmGuestFilesystemDirectoriesService,
  VmGuestFilesystemTransfersService,
  VmGuestIdentityService,
  VmGuestPowerService,
  VmConsoleTicketsService,
  VmGuestNetworkingInterfacesService,
  HostService,
  DatacenterService,
  ClusterService,
  DatastoreService,
  NetworkService,
  FolderService,
  ResourcePoolService,
  // vmgate's own services (REST under /api/vmgate/...)
  VmgateSnapshotsService,
  VmgateGuestProgramsService,
  VmgateUsersService,
  VmgateGroupsService,
  VmgateRolesService,
  VmgatePermissionsService,
  VmgatePoolsService,
  VmgatePoolEntitlementsService,
  VmgatePoolApplicationsService,
  VmgateEventsService,
  VmgateDatastoresService,
  VmgateHostsService,
  VmgateConsoleService,
  VmgateSessionService,
  VmgateVmStatsService,
  VmgateHostStatsService,
  VmgateDesktopsService,
] as const;

/**
 * serviceId → its definition. No prototype: an id such as `toString` or `__proto__` finds
 * nothing (look up with {@link findOperation} or `Object.hasOwn` all the same).
 */
export const SERVICES: Readonly<Record<string, ServiceDef>> = Object.freeze(Object.assign(Object.create(null) as Record<string, ServiceDef>, Object.fromEntries(SERVICE_LIST.map((s) => [s.id, s]))));

/** The operation, or undefined when the service or the operation is unknown. */
export function findOperation(serviceId: string, operationId: string): OperationDef | undefined {
  const svc = Object.hasOwn(SERVICES, serviceId) ? SERVICES[serviceId] : undefined;
  if (svc === undefined || !Object.hasOwn(svc.operations, operationId)) return undefined;
  return svc.operations[operationId];
}

/**
 * Every named structure and error reachable from the registry, by name — what a decoder of
 * `opaque` / `any_error` values uses to find the type a value names.
 */
export const NAMED_TYPES: ReadonlyMap<string, StructureType | VapiType> = collectNamedTypes();

function collectNamedTypes(): Map<string, VapiType> {
  const out = new Map<string, VapiType>();
  const visit = (t: VapiType): void => {
    const r = resolveType(t);
    switch (r.kind) {
      case 'structure':
      case 'error':
        if (out.has(r.name)) return;
        out.set(r.name, r);
        for (const f of Object.values(r.fields)) visit(f);
        return;
      case 'enum':
        out.set(r.name, r);
        return;
      case 'optional':
      case 'list':
      case 'set':
        visit(r.element);
        return;
      case 'map':
        visit(r.key);
        visit(r.value);
        return;
      default:
        return;
    }
  };
  for (const t of [LocalizableMessage, LocalizationParam, NestedLocalizableMessage, DynamicID]) visit(t);
  for (const t of Object.values(STD_ERROR_TYPES)) visit(t);
  for (const svc of SERVICE_LIST) {
    for (const op of Object.values(svc.operations) as OperationDef[]) {
      for (const f of Object.values(op.input.fields)) visit(f);
      visit(op.output);
    }
  }
  return out;
}

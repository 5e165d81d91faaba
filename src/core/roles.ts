import type { Privilege, Role } from './model/index.ts';
import { PRIVILEGES } from './model/index.ts';

/** The built-in roles. Custom roles can be added; these cannot be changed. */
export const SYSTEM_ROLES: readonly Role[] = [
  { id: 'administrator', name: 'Administrator', privileges: [...PRIVILEGES], system: true },
  {
    id: 'operator',
    name: 'Operator',
    privileges: [
      'System.View',
      'VirtualMachine.PowerOps',
      'VirtualMachine.Config',
      'VirtualMachine.Snapshot',
      'VirtualMachine.Inventory',
      'VirtualMachine.GuestOps',
      'VirtualMachine.Console',
      'Datastore.Browse',
      'Datastore.FileManagement',
      'Task.Cancel',
    ] satisfies Privilege[],
    system: true,
  },
  { id: 'read-only', name: 'Read-only', privileges: ['System.View'] satisfies Privilege[], system: true },
  {
    id: 'desktop-user',
    name: 'Desktop user',
    privileges: ['Desktop.Use', 'VirtualMachine.Console'] satisfies Privilege[],
    system: true,
  },
];

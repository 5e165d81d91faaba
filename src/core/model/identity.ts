export interface User {
  readonly id: string; // user-<n>
  readonly name: string;
  readonly fullName: string;
  /** 'scrypt$N$r$p$<salt b64>$<hash b64>' */
  readonly passwordHash: string;
  readonly disabled: boolean;
  /** The password must be changed before the account can log in (set by an administrator; the View broker's windows-password-expired screen changes it). */
  readonly mustChangePassword: boolean;
  readonly failedLogins: number;
  /** ISO time until which logins are refused, or null. */
  readonly lockedUntil: string | null;
  readonly lastLoginAt: string | null;
  readonly createdAt: string;
}

export interface Group {
  readonly id: string; // group-<n>
  readonly name: string;
  readonly description: string;
  readonly memberIds: readonly string[]; // user ids
  readonly createdAt: string;
}

export const PRIVILEGES = [
  'System.View', // read inventory, tasks, events
  'VirtualMachine.PowerOps',
  'VirtualMachine.Config', // hardware, upgrade, variables
  'VirtualMachine.Snapshot',
  'VirtualMachine.Inventory', // create, delete, register, unregister, clone, relocate
  'VirtualMachine.GuestOps',
  'VirtualMachine.Console',
  'Host.Config',
  'Datastore.Browse',
  'Datastore.FileManagement',
  'Desktop.Use',
  'Desktop.Admin', // pools, entitlements, sessions of others
  'Authorization.Modify', // users, groups, roles, permissions
  'Task.Cancel',
] as const;
export type Privilege = (typeof PRIVILEGES)[number];

export interface Role {
  readonly id: string; // 'administrator' | 'operator' | 'read-only' | 'desktop-user' | custom
  readonly name: string;
  readonly privileges: readonly Privilege[];
  readonly system: boolean;
}

/** A principal is 'user:<id>' or 'group:<id>'. */
export type Principal = `user:${string}` | `group:${string}`;

export interface Permission {
  readonly id: string; // permission-<n>
  readonly principal: Principal;
  /** 'root', 'library', a datacenter, cluster, host, VM or desktop pool id. */
  readonly entityId: string;
  readonly roleId: string;
  /** Applies to the entity's descendants too. */
  readonly propagate: boolean;
  readonly createdAt: string;
}

export interface Session {
  /** sha256 of the bearer token, hex; the token itself is never stored. */
  readonly id: string;
  readonly userId: string;
  readonly userName: string;
  /** Which face created it: 'vapi', 'view', 'authd', 'rdv', 'vix', 'web', 'cli'. */
  readonly face: string;
  readonly createdAt: string;
  readonly lastUsedAt: string;
  /** Absolute expiry. */
  readonly expiresAt: string;
  /** Idle expiry in seconds, counted from lastUsedAt. */
  readonly idleSeconds: number;
  /** Face-specific state (View locale, RDV callback address, …). */
  readonly data: Readonly<Record<string, unknown>>;
}

/**
 * Failed logins of one account from one source address: the lockout is keyed to the pair,
 * so a flood from one address never locks the account for the others.
 */
export interface LoginFailure {
  readonly userId: string;
  /** The remote address the attempts came from ('local' for the server's own tools). */
  readonly source: string;
  /** Wrong passwords in the current window (it restarts after lockoutSeconds without a failure). */
  readonly failures: number;
  /** ISO time until which this source may not log in to this account, or null. */
  readonly lockedUntil: string | null;
  readonly lastFailureAt: string;
}

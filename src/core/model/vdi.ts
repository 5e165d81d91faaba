import type { Principal } from './identity.ts';

export type DisplayProtocol = 'VNC' | 'RDP' | 'BLAST' | 'PCOIP';

export interface DesktopPool {
  readonly id: string; // pool-<n>
  readonly name: string;
  readonly displayName: string;
  /**
   * dedicated: a user keeps the same desktop; floating: any free one each time;
   * application: multi-session, one VM of the pool shared by many users' sessions,
   * offering its published applications (not listed as a desktop).
   */
  readonly type: 'dedicated' | 'floating' | 'application';
  readonly vmIds: readonly string[];
  readonly protocols: readonly DisplayProtocol[];
  readonly defaultProtocol: DisplayProtocol;
  readonly enabled: boolean;
  readonly resetAllowed: boolean;
  readonly createdAt: string;
}

export interface Entitlement {
  readonly id: string; // entitlement-<n>
  readonly poolId: string;
  readonly principal: Principal;
  readonly createdAt: string;
}

export interface DesktopAssignment {
  readonly poolId: string;
  readonly vmId: string;
  readonly userId: string;
  readonly createdAt: string;
}

export interface DesktopSession {
  readonly id: string; // GUID
  readonly poolId: string;
  readonly vmId: string;
  readonly userId: string;
  readonly protocol: DisplayProtocol;
  readonly state: 'connected' | 'disconnected';
  readonly startedAt: string;
  readonly updatedAt: string;
}

export interface PublishedApplication {
  readonly id: string; // app-<n>
  readonly name: string;
  readonly poolId: string;
  readonly path: string;
  readonly version: string;
  readonly publisher: string;
  /** A small `data:image/…;base64,…` URL, or null. */
  readonly icon: string | null;
  readonly createdAt: string;
}

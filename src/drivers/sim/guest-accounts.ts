/** A login in a simulated guest. */
export interface SimGuestAccount {
  readonly username: string;
  readonly password: string;
  /** 0 makes the account the superuser. */
  readonly uid: number;
  readonly home: string;
}

/**
 * The accounts every simulated guest has unless `SimDriverOptions.guestAccounts` says
 * otherwise: `root` / `vmware` (uid 0, home /root) and `user` / `vmware` (uid 1000, home
 * /home/user) — the same as the QEMU test guest.
 */
export const DEFAULT_GUEST_ACCOUNTS: readonly SimGuestAccount[] = Object.freeze([
  { username: 'root', password: 'vmware', uid: 0, home: '/root' },
  { username: 'user', password: 'vmware', uid: 1000, home: '/home/user' },
]);

import type { DriverVm } from '../../core/ports/driver.ts';
import type { SimGuestAccount } from './guest-accounts.ts';
import { BUILTIN_MARK } from './guest-exec.ts';
import { GuestFs } from './guest-fs.ts';
import { GUEST_PROGRAMS } from './guest-programs.ts';

const MiB = 1024 * 1024;

/**
 * The file system a fresh simulated guest boots with: the usual directories, one home per
 * account (/root for uid 0), /etc/passwd and /etc/group for the accounts, /etc/hostname
 * with the VM's name, and /bin holding one file per built-in program. The disk holds as
 * much as the VM's disks together (unlimited when it has none).
 */
export function defaultGuestFs(vm: DriverVm, accounts: readonly SimGuestAccount[]): GuestFs {
  const capacity = vm.hardware.disks.reduce((n, d) => n + d.capacityMiB * MiB, 0);
  const fs = new GuestFs(capacity > 0 ? capacity : null);
  for (const dir of ['/bin', '/sbin', '/usr/bin', '/usr/sbin', '/etc', '/var', '/var/log', '/home', '/mnt', '/opt']) fs.setupDirectory(dir, 0o755, 'root');
  fs.setupDirectory('/tmp', 0o1777, 'root');
  fs.setupFile('/dev/null', '', 0o666, 'root');
  fs.setupDirectory('/root', 0o700, 'root');
  for (const a of accounts) fs.setupDirectory(a.home, a.uid === 0 ? 0o700 : 0o755, a.username);

  const passwd = accounts.map((a) => `${a.username}:x:${a.uid}:${a.uid}:${a.username}:${a.home}:/bin/sh`).join('\n');
  const group = accounts.map((a) => `${a.username}:x:${a.uid}:`).join('\n');
  fs.setupFile('/etc/passwd', `${passwd}\n`, 0o644, 'root');
  fs.setupFile('/etc/group', `${group}\n`, 0o644, 'root');
  fs.setupFile('/etc/hostname', `${vm.name}\n`, 0o644, 'root');
  fs.setupFile('/etc/os-release', 'NAME="vmgate sim"\nID=vmgate-sim\nPRETTY_NAME="vmgate simulated guest"\n', 0o644, 'root');
  fs.setupFile('/etc/motd', `Welcome to ${vm.name}, a vmgate simulated guest.\n`, 0o644, 'root');
  for (const name of Object.keys(GUEST_PROGRAMS)) fs.setupFile(`/bin/${name}`, `${BUILTIN_MARK}${name}\n`, 0o755, 'root');
  return fs;
}

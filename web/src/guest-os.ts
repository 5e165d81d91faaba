/** The guest operating systems the create form offers (vSphere's com.vmware.vcenter.vm.guest_OS values), with their names. */
export const GUEST_OS: readonly [string, string][] = [
  ['OTHER_LINUX_64', 'Other Linux (64-bit)'],
  ['UBUNTU_64', 'Ubuntu Linux (64-bit)'],
  ['DEBIAN_11_64', 'Debian GNU/Linux 11 (64-bit)'],
  ['DEBIAN_10_64', 'Debian GNU/Linux 10 (64-bit)'],
  ['RHEL_9_64', 'Red Hat Enterprise Linux 9 (64-bit)'],
  ['RHEL_8_64', 'Red Hat Enterprise Linux 8 (64-bit)'],
  ['CENTOS_8_64', 'CentOS 8 (64-bit)'],
  ['FREEBSD_13_64', 'FreeBSD 13 (64-bit)'],
  ['WINDOWS_9_64', 'Windows 10 (64-bit)'],
  ['WINDOWS_SERVER_2019', 'Windows Server 2019'],
  ['OTHER_64', 'Other (64-bit)'],
];

const NAMES = new Map(GUEST_OS);

/** A guest OS value as people read it (the value itself when the table does not name it). */
export function guestOsLabel(value: string): string {
  return NAMES.get(value) ?? value;
}

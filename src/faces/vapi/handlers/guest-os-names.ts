/**
 * A vSphere guest OS (com.vmware.vcenter.vm.guest_OS) as guest.identity reports it: its
 * family and its full name. The .vmx guestOS key → enum mapping is vm-guest-os.ts's, so
 * identity.name always equals VM.get's guest_OS.
 */
import type { LocalizableMessage, VmGuestOS, VmGuestOSFamily } from '../../../protocols/vapi/types/index.ts';

const LINUX = /^(REDHAT|RHEL|CENTOS|ORACLE_LINUX|SUSE|SLES|NLD|OES|SJDS|MANDRAKE|MANDRIVA|TURBO_LINUX|UBUNTU|DEBIAN|ASIANUX|OPENSUSE|FEDORA|COREOS|VMWARE_PHOTON|AMAZONLINUX|CRXPOD)|LINUX/;

export function guestOsFamily(os: VmGuestOS): VmGuestOSFamily {
  if (/^WIN/.test(os)) return 'WINDOWS';
  if (LINUX.test(os)) return 'LINUX';
  if (/^SOLARIS/.test(os)) return 'SOLARIS';
  if (/^DARWIN/.test(os)) return 'DARWIN';
  if (/^NETWARE/.test(os)) return 'NETWARE';
  return 'OTHER';
}

/** Names as vSphere prints them, where the rule below would not. */
const FULL_NAMES: Readonly<Partial<Record<VmGuestOS, string>>> = {
  OTHER: 'Other (32-bit)',
  OTHER_64: 'Other (64-bit)',
  OTHER_LINUX: 'Other Linux (32-bit)',
  OTHER_LINUX_64: 'Other Linux (64-bit)',
  OTHER_3X_LINUX_64: 'Other 3.x Linux (64-bit)',
  OTHER_4X_LINUX_64: 'Other 4.x Linux (64-bit)',
  OTHER_5X_LINUX_64: 'Other 5.x or later Linux (64-bit)',
  WINDOWS_7_64: 'Microsoft Windows 7 (64-bit)',
  WINDOWS_8_64: 'Microsoft Windows 8.x (64-bit)',
  WINDOWS_9: 'Microsoft Windows 10 (32-bit)',
  WINDOWS_9_64: 'Microsoft Windows 10 (64-bit)',
  WINDOWS_9_SERVER_64: 'Microsoft Windows Server 2016 or later (64-bit)',
  WINDOWS_SERVER_2019: 'Microsoft Windows Server 2019 (64-bit)',
  WINDOWS_SERVER_2021: 'Microsoft Windows Server 2022 (64-bit)',
  UBUNTU_64: 'Ubuntu Linux (64-bit)',
  RHEL_8_64: 'Red Hat Enterprise Linux 8 (64-bit)',
  RHEL_9_64: 'Red Hat Enterprise Linux 9 (64-bit)',
  CENTOS_8_64: 'CentOS 8 (64-bit)',
  DEBIAN_11_64: 'Debian GNU/Linux 11 (64-bit)',
};

export function guestOsFullName(os: VmGuestOS): LocalizableMessage {
  let text = FULL_NAMES[os];
  if (text === undefined) {
    const is64 = os.endsWith('_64');
    const words = (is64 ? os.slice(0, -3) : os).split('_').map((w) => (/^\d/.test(w) ? w.toLowerCase() : w.charAt(0) + w.slice(1).toLowerCase()));
    text = `${words.join(' ')} (${is64 ? '64' : '32'}-bit)`;
  }
  return { id: `vmgate.guest_os.${os}`, default_message: text, args: [] };
}

/**
 * Guest OS identifiers: the `.vmx` `guestOS` keys core keeps ('otherlinux-64',
 * 'windows9-64') ↔ the vAPI enum com.vmware.vcenter.vm.guest_OS (OTHER_LINUX_64,
 * WINDOWS_9_64).
 *
 * Almost every enum value is its .vmx key upper-cased with the digits and words run
 * together and `-64` spelled `_64` (RHEL_7_64 ↔ rhel7-64, OTHER_26X_LINUX ↔
 * other26xlinux), so the table is that rule applied to the whole enum plus the keys that
 * do not follow it (IRREGULAR, from VMware's guest OS identifier list). A key the table
 * does not know reads as OTHER_64 when it names a 64-bit guest, else OTHER.
 */
import { VmGuestOS } from '../../../protocols/vapi/types/index.ts';
import type { VmGuestOS as GuestOS } from '../../../protocols/vapi/types/index.ts';

/** Enum values whose .vmx key does not follow the rule. */
const IRREGULAR: Readonly<Partial<Record<GuestOS, string>>> = {
  WIN_LONGHORN: 'longhorn',
  WIN_LONGHORN_64: 'longhorn-64',
  WINDOWS_7_SERVER_64: 'windows7srv-64',
  WINDOWS_8_SERVER_64: 'windows8srv-64',
  WINDOWS_9_SERVER_64: 'windows9srv-64',
  WINDOWS_HYPERV: 'winhyperv',
  WINDOWS_SERVER_2019: 'windows2019srv-64',
  WINDOWS_SERVER_2021: 'windows2019srvnext-64',
  VMWARE_PHOTON_64: 'vmware-photon-64',
};

function ruleKey(value: string): string {
  const is64 = value.endsWith('_64');
  const base = (is64 ? value.slice(0, -3) : value).replace(/_/g, '').toLowerCase();
  return is64 ? `${base}-64` : base;
}

/** enum value → .vmx key */
const TO_VMX: ReadonlyMap<GuestOS, string> = new Map(VmGuestOS.values.map((v) => [v, IRREGULAR[v] ?? ruleKey(v)]));
/** .vmx key (lower-case) → enum value */
const FROM_VMX: ReadonlyMap<string, GuestOS> = new Map([...TO_VMX].map(([v, k]) => [k, v]));

/** The vAPI guest OS of a .vmx guestOS key. */
export function vapiGuestOs(vmxKey: string): GuestOS {
  const key = vmxKey.trim().toLowerCase();
  return FROM_VMX.get(key) ?? (key.endsWith('-64') ? 'OTHER_64' : 'OTHER');
}

/** The .vmx guestOS key of a vAPI guest OS (the decoder has already refused unknown values). */
export function vmxGuestOs(value: GuestOS): string {
  return TO_VMX.get(value) ?? ruleKey(value);
}

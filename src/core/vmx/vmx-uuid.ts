/**
 * `uuid.bios` ↔ GUID. VMware writes the 16 BIOS UUID bytes as two groups of eight
 * space-separated hex pairs joined by a dash: "56 4d 12 34 56 78 9a bc-de f0 12 34 56 78 9a bc".
 * vSphere shows the same bytes, in the same order, as the GUID
 * "564d1234-5678-9abc-def0-123456789abc" (no byte swapping), which is what vmgate uses.
 */

const HEX32 = /^[0-9a-f]{32}$/;

function hex32(s: string): string | null {
  const h = s.replace(/[\s{}-]/g, '').toLowerCase();
  return HEX32.test(h) ? h : null;
}

/**
 * The lower-case 8-4-4-4-12 GUID of a `uuid.bios` value, or null when it is not 16 hex
 * bytes. Accepts VMware's spelling, a GUID (with or without braces) and any spacing.
 */
export function vmwareUuidToGuid(value: string): string | null {
  const h = hex32(value);
  if (h === null) return null;
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** VMware's spelling of a GUID, or null when it is not 16 hex bytes. */
export function guidToVmwareUuid(guid: string): string | null {
  const h = hex32(guid);
  if (h === null) return null;
  const pairs = h.match(/../g) as string[];
  return `${pairs.slice(0, 8).join(' ')}-${pairs.slice(8).join(' ')}`;
}

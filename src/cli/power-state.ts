import type { VmPowerState } from '../clients/vapi/index.ts';

/** How the CLI spells power states: `on`, `off`, `suspended`. */
export function shortPowerState(s: string): string {
  return s === 'POWERED_ON' ? 'on' : s === 'POWERED_OFF' ? 'off' : s === 'SUSPENDED' ? 'suspended' : s.toLowerCase();
}

const POWER_STATES: Readonly<Record<string, VmPowerState>> = {
  on: 'POWERED_ON',
  off: 'POWERED_OFF',
  suspended: 'SUSPENDED',
  powered_on: 'POWERED_ON',
  powered_off: 'POWERED_OFF',
};

/** `on` / `POWERED_ON` → `POWERED_ON`; undefined for anything else. */
export function parsePowerState(s: string): VmPowerState | undefined {
  return POWER_STATES[s.toLowerCase()];
}

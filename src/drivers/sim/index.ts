export { createSimDriver } from './sim-driver.ts';
export type { SimDriverOptions, SimDurations } from './sim-driver-options.ts';
export { DEFAULT_SIM_DURATIONS } from './sim-driver-options.ts';
export type { SimFault, SimOperation } from './faults.ts';
export type { SimGuestAccount } from './guest-accounts.ts';
export { DEFAULT_GUEST_ACCOUNTS } from './guest-accounts.ts';
export { defaultGuestFs } from './presets.ts';

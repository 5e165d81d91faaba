/**
 * Expected power behaviour, written by hand from the design (docs/design.md, "Power"):
 * never read from src/core/power.ts, so that a wrong entry there fails the tests.
 */
import type { PowerOp } from '../../src/core/power.ts';
import type { PowerState } from '../../src/core/model/index.ts';

/**
 * The transition table, written by hand from the design (not read from POWER_TRANSITIONS):
 * for each operation, what happens from each of the eight power states, in this column order:
 *   poweredOff, poweringOn, poweredOn, suspending, suspended, poweringOff, resetting, paused
 * A state name: allowed, and the VM ends in that state. Otherwise refused with
 * not_allowed_in_current_state and the reason: 'already' = already_in_state,
 * 'off' = vm_not_running, '-' = no reason.
 */
export const COLUMNS = ['poweredOff', 'poweringOn', 'poweredOn', 'suspending', 'suspended', 'poweringOff', 'resetting', 'paused'] as const;
export type Cell = PowerState | 'already' | 'off' | '-';
export const MATRIX: Readonly<Record<PowerOp, readonly Cell[]>> = {
  //              poweredOff    poweringOn  poweredOn      suspending  suspended     poweringOff  resetting  paused
  powerOn:       ['poweredOn',  '-',        'already',     '-',        '-',          '-',         '-',       '-'],
  resume:        ['off',        '-',        'already',     '-',        'poweredOn',  '-',         '-',       '-'],
  powerOff:      ['already',    '-',        'poweredOff',  '-',        'poweredOff', '-',         '-',       'poweredOff'],
  shutdownGuest: ['already',    '-',        'poweredOff',  '-',        '-',          '-',         '-',       '-'],
  reset:         ['off',        '-',        'poweredOn',   '-',        '-',          '-',         '-',       'poweredOn'],
  rebootGuest:   ['off',        '-',        'poweredOn',   '-',        '-',          '-',         '-',       '-'],
  suspend:       ['off',        '-',        'suspended',   '-',        'already',    '-',         '-',       '-'],
  standbyGuest:  ['off',        '-',        'suspended',   '-',        'already',    '-',         '-',       '-'],
  pause:         ['off',        '-',        'paused',      '-',        '-',          '-',         '-',       'already'],
  unpause:       ['off',        '-',        'already',     '-',        '-',          '-',         '-',       'poweredOn'],
};
export const OPS = Object.keys(MATRIX) as PowerOp[];
export const REASONS = { already: 'already_in_state', off: 'vm_not_running', '-': undefined } as const;
export const cell = (op: PowerOp, state: PowerState): Cell => MATRIX[op][COLUMNS.indexOf(state as (typeof COLUMNS)[number])]!;
export const isRefusal = (c: Cell): c is 'already' | 'off' | '-' => c === 'already' || c === 'off' || c === '-';


/** The transitional state shown while the driver works (null: none), and whether the guest's tools must run. */
export const VIA_AND_TOOLS: Readonly<Record<PowerOp, readonly [PowerState | null, boolean]>> = {
  powerOn: ['poweringOn', false],
  resume: ['poweringOn', false],
  powerOff: ['poweringOff', false],
  shutdownGuest: ['poweringOff', true],
  reset: ['resetting', false],
  rebootGuest: ['resetting', true],
  suspend: ['suspending', false],
  standbyGuest: ['suspending', true],
  pause: [null, false],
  unpause: [null, false],
};

/** The exact refusal of each operation for a VM 'vm-1' named 'web' that is resetting (no operation starts from there). */
export const REFUSED_WHILE_RESETTING: Readonly<Record<PowerOp, string>> = {
  powerOn: 'cannot power on vm-1 (web) while it is resetting; allowed from: powered off',
  resume: 'cannot resume vm-1 (web) while it is resetting; allowed from: suspended',
  powerOff: 'cannot power off vm-1 (web) while it is resetting; allowed from: powered on, paused, suspended',
  shutdownGuest: 'cannot shut down the guest of vm-1 (web) while it is resetting; allowed from: powered on',
  reset: 'cannot reset vm-1 (web) while it is resetting; allowed from: powered on, paused',
  rebootGuest: 'cannot reboot the guest of vm-1 (web) while it is resetting; allowed from: powered on',
  suspend: 'cannot suspend vm-1 (web) while it is resetting; allowed from: powered on',
  standbyGuest: 'cannot put the guest in standby of vm-1 (web) while it is resetting; allowed from: powered on',
  pause: 'cannot pause vm-1 (web) while it is resetting; allowed from: powered on',
  unpause: 'cannot unpause vm-1 (web) while it is resetting; allowed from: paused',
};

/** How messages name each state, and whether it counts against host capacity. */
export const STATE_WORDS_AND_RUNNING: Readonly<Record<PowerState, readonly [string, boolean]>> = {
  poweredOff: ['powered off', false],
  poweringOn: ['powering on', true],
  poweredOn: ['powered on', true],
  suspending: ['suspending', true],
  suspended: ['suspended', false],
  poweringOff: ['powering off', true],
  resetting: ['resetting', true],
  paused: ['paused', true],
};

import type { ErrorKind, ErrorReason, VmgateError } from '../../core/errors.ts';
import type { VmError } from '../../protocols/rdv/contract.ts';

/**
 * The RDV face's one error table: core error kinds (and the reasons that need finer
 * words) → `VMError`, the phase of a failed job → `VMError`, and every `VMError`'s text
 * in the three languages SetLocale offers. docs/faces/rdv.md repeats it.
 */

/** Core error kind → VMError. */
export const RDV_ERROR_TABLE: Readonly<Record<ErrorKind, VmError>> = {
  not_found: 'ERROR_VM_MISSING',
  already_exists: 'ERROR_VM_STATE',
  invalid_argument: 'ERROR_VM_MISSING',
  not_allowed_in_current_state: 'ERROR_VM_STATE',
  unauthenticated: 'ERROR_VM_NO_PERMISSION',
  unauthorized: 'ERROR_VM_NO_PERMISSION',
  resource_busy: 'ERROR_VM_LOCKED',
  resource_exhausted: 'ERROR_VM_PLACEMENT',
  timed_out: 'ERROR_SERVER_CONNECTION_LOST',
  unsupported: 'ERROR_VM_STATE',
  cancelled: 'ERROR_VM_START',
  internal: 'ERROR_SERVER_CONNECTION_SETUP',
};

/** Reasons that say more than their kind. */
const BY_REASON: Partial<Record<ErrorReason, VmError>> = {
  no_host_fits: 'ERROR_VM_PLACEMENT',
  host_disconnected: 'ERROR_SERVER_CONNECTION_LOST',
};

export function vmErrorOf(e: Pick<VmgateError, 'kind' | 'reason'>): VmError {
  return (e.reason && BY_REASON[e.reason]) || RDV_ERROR_TABLE[e.kind];
}

/**
 * A failed job's VMError: who-and-what errors keep their own value (missing, locked, no
 * permission, wrong state, connection lost); anything else is the phase's failure
 * (placement → ERROR_VM_PLACEMENT; start → ERROR_VM_START, or ERROR_VM_RESTORE when the
 * start was a resume from a suspended state).
 */
export function jobErrorOf(e: { kind: ErrorKind; reason?: ErrorReason | undefined }, phase: 'placement' | 'start' | null, resumed: boolean): VmError {
  const own = vmErrorOf({ kind: e.kind, reason: e.reason });
  if (own === 'ERROR_VM_MISSING' || own === 'ERROR_VM_LOCKED' || own === 'ERROR_VM_NO_PERMISSION' || own === 'ERROR_VM_STATE' || own === 'ERROR_SERVER_CONNECTION_LOST') return own;
  if (phase === 'placement') return 'ERROR_VM_PLACEMENT';
  return resumed ? 'ERROR_VM_RESTORE' : 'ERROR_VM_START';
}

export const LOCALES = ['en-US', 'de-DE', 'fr-FR'] as const;
export type Locale = (typeof LOCALES)[number];

/** The locale SetLocale's argument names (case-insensitive, `en`/`de`/`fr` too); null when not offered. */
export function matchLocale(s: string): Locale | null {
  const t = s.trim().toLowerCase().replace('_', '-');
  for (const l of LOCALES) if (l.toLowerCase() === t || l.slice(0, 2).toLowerCase() === t) return l;
  return null;
}

/** Every VMError's text, per locale. */
export const RDV_MESSAGES: Readonly<Record<VmError, Readonly<Record<Locale, string>>>> = {
  ERROR_VM_SUCCESS: { 'en-US': 'The operation succeeded.', 'de-DE': 'Der Vorgang war erfolgreich.', 'fr-FR': 'L’opération a réussi.' },
  ERROR_VM_START: { 'en-US': 'The virtual machine could not be started.', 'de-DE': 'Der virtuelle Computer konnte nicht gestartet werden.', 'fr-FR': 'La machine virtuelle n’a pas pu être démarrée.' },
  ERROR_VM_PLACEMENT: { 'en-US': 'No host can take the virtual machine.', 'de-DE': 'Kein Host kann den virtuellen Computer aufnehmen.', 'fr-FR': 'Aucun hôte ne peut accueillir la machine virtuelle.' },
  ERROR_VM_SAVE: { 'en-US': 'The state of the virtual machine could not be saved.', 'de-DE': 'Der Zustand des virtuellen Computers konnte nicht gespeichert werden.', 'fr-FR': 'L’état de la machine virtuelle n’a pas pu être enregistré.' },
  ERROR_VM_RESTORE: { 'en-US': 'The saved state of the virtual machine could not be restored.', 'de-DE': 'Der gespeicherte Zustand des virtuellen Computers konnte nicht wiederhergestellt werden.', 'fr-FR': 'L’état enregistré de la machine virtuelle n’a pas pu être restauré.' },
  ERROR_VM_MISSING: { 'en-US': 'The virtual machine was not found.', 'de-DE': 'Der virtuelle Computer wurde nicht gefunden.', 'fr-FR': 'La machine virtuelle est introuvable.' },
  ERROR_JOB_NOT_FOUND: { 'en-US': 'The job was not found.', 'de-DE': 'Der Auftrag wurde nicht gefunden.', 'fr-FR': 'La tâche est introuvable.' },
  ERROR_VM_LOCKED: { 'en-US': 'The virtual machine is busy with another operation.', 'de-DE': 'Der virtuelle Computer ist mit einem anderen Vorgang beschäftigt.', 'fr-FR': 'La machine virtuelle est occupée par une autre opération.' },
  ERROR_VM_NO_PERMISSION: { 'en-US': 'You do not have permission for this virtual machine.', 'de-DE': 'Sie haben keine Berechtigung für diesen virtuellen Computer.', 'fr-FR': 'Vous n’avez pas l’autorisation sur cette machine virtuelle.' },
  ERROR_VM_STATE: { 'en-US': 'The virtual machine is not in a state that allows this operation.', 'de-DE': 'Der virtuelle Computer befindet sich nicht in einem Zustand, der diesen Vorgang erlaubt.', 'fr-FR': 'La machine virtuelle n’est pas dans un état qui permet cette opération.' },
  ERROR_SERVER_CONNECTION_LOST: { 'en-US': 'The connection to the virtualization host was lost.', 'de-DE': 'Die Verbindung zum Virtualisierungshost wurde unterbrochen.', 'fr-FR': 'La connexion à l’hôte de virtualisation a été perdue.' },
  ERROR_SERVER_CONNECTION_SETUP: { 'en-US': 'The virtualization server failed internally.', 'de-DE': 'Im Virtualisierungsserver ist ein interner Fehler aufgetreten.', 'fr-FR': 'Le serveur de virtualisation a rencontré une erreur interne.' },
};

/** DetailedErrorString: the localized sentence, then vmgate's own (English) detail. */
export function detailedError(code: VmError, locale: Locale, detail: string | null): string {
  const text = RDV_MESSAGES[code][locale];
  return detail ? `${text} (${detail})` : text;
}

/**
 * The one check of object names and free text, called by every create and rename in core.
 *
 * Names (VMs, snapshots, pools, datacenters, clusters, hosts, datastores, roles…) are
 * shown in lists, logs, file names and other people's terminals, so they may hold no
 * control characters (C0, DEL, C1: tabs and line breaks included) and no bidirectional
 * overrides or isolates (U+202A–U+202E, U+2066–U+2069), which make a name read
 * differently from what it is ("Trojan Source"). `.` and `..` are not names.
 *
 * Free text (annotations, descriptions, full names, display names) may hold line breaks
 * and tabs but no NUL and no other control character, and is capped in length:
 * {@link TEXT_LIMITS}. Lengths count UTF-16 code units, as the rest of vmgate and the
 * vSphere API do. docs/operations.md lists the limits.
 */
import { invalidArgument } from './errors.ts';

/** Longest name of an inventory object (vSphere's limit for VM names). */
export const MAX_NAME_LENGTH = 80;

/** Longest free-text field, by kind. */
export const TEXT_LIMITS = {
  /** A user's full name, a pool's display name. */
  short: 256,
  /** A VM's annotation (notes), a snapshot's or a group's description. */
  long: 4096,
} as const;

// C0 controls, DEL, C1 controls; the bidi embeddings/overrides and isolates.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u;
const BIDI = /[\u202a-\u202e\u2066-\u2069]/u;
// Free text keeps tab, line feed and carriage return.
// eslint-disable-next-line no-control-regex
const TEXT_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/u;

export interface NameRules {
  /** Longest allowed (default {@link MAX_NAME_LENGTH}). */
  readonly max?: number;
  /** Characters refused besides controls and bidi marks, with how to say so: [/[\/]/, "no '/'"]. */
  readonly also?: readonly [RegExp, string];
  /** Module for the error (default core.names). */
  readonly module?: string;
}

/**
 * Throws invalid_argument unless `name` is a usable object name: 1–max characters, no
 * control characters, no bidi overrides or isolates, no leading or trailing spaces, not
 * `.` or `..`. `what` names the object in the message ("VM name", "snapshot name").
 */
export function checkObjectName(what: string, name: unknown, rules: NameRules = {}): asserts name is string {
  const max = rules.max ?? MAX_NAME_LENGTH;
  const bad = (why: string): never => {
    throw invalidArgument(`${what} ${typeof name === 'string' ? `'${shorten(name)}'` : String(name)} is not valid: ${why}`, {
      module: rules.module ?? 'core.names',
      details: { field: what },
    });
  };
  if (typeof name !== 'string') return bad('it must be text');
  if (name.length === 0 || name.length > max) bad(`it must have 1–${max} characters, not ${name.length}`);
  if (CONTROL.test(name)) bad('control characters (tabs, line breaks, NUL…) are not allowed');
  if (BIDI.test(name)) bad('bidirectional override characters (U+202A–U+202E, U+2066–U+2069) are not allowed');
  if (name.trim() !== name) bad('no leading or trailing spaces');
  if (name === '.' || name === '..') bad("'.' and '..' are not names");
  if (rules.also && rules.also[0].test(name)) bad(rules.also[1]);
}

/**
 * Throws invalid_argument unless `text` (when given) is free text of at most `max`
 * characters without NUL or control characters other than tab and line breaks, and
 * without bidi overrides. `undefined` and `null` pass (the field is not being set).
 */
export function checkFreeText(what: string, text: unknown, max: number, module = 'core.names'): void {
  if (text === undefined || text === null) return;
  const bad = (why: string): never => {
    throw invalidArgument(`${what} is not valid: ${why}`, { module, details: { field: what } });
  };
  if (typeof text !== 'string') bad('it must be text');
  const s = text as string;
  if (s.length > max) bad(`it has ${s.length} characters; at most ${max} are allowed`);
  if (TEXT_CONTROL.test(s)) bad('control characters other than tabs and line breaks are not allowed');
  if (BIDI.test(s)) bad('bidirectional override characters (U+202A–U+202E, U+2066–U+2069) are not allowed');
}

/** The name for a message: quoted, cut at 100 characters, controls and bidi marks as \uXXXX. */
function shorten(s: string): string {
  const cut = s.length > 100 ? `${s.slice(0, 100)}…` : s;
  // eslint-disable-next-line no-control-regex
  return cut.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

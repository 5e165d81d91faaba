/**
 * A desktop user's preferences (the View client's global ones and one set per desktop
 * pool): name → value pairs the client stores on the broker and reads back. Kept per
 * user in the settings table (key `vdi.preferences.<user id>`, JSON of pairs, never an
 * object keyed by client-chosen names); one read-modify-write at a time per user.
 */
import type { Store } from './ports/store.ts';
import { invalidArgument } from './errors.ts';
import { KeyedSerializer } from './keyed-serializer.ts';

export type Preferences = readonly (readonly [name: string, value: string])[];

export interface UserPreferences {
  readonly global: Preferences;
  /** Pool id → that desktop's preferences. */
  readonly desktops: ReadonlyMap<string, Preferences>;
}

export const PREFERENCE_LIMITS = { count: 64, nameChars: 64, valueChars: 1024 } as const;
const NAME_RE = /^[A-Za-z0-9._-]{1,64}$/;
// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** Checks a set a client sent: names of letters, digits, `. _ -`; no name twice; bounded. */
export function checkPreferences(prefs: Preferences): Preferences {
  if (prefs.length > PREFERENCE_LIMITS.count) throw invalidArgument(`at most ${PREFERENCE_LIMITS.count} preferences, not ${prefs.length}`, { module: 'core.vdi' });
  const seen = new Set<string>();
  for (const [name, value] of prefs) {
    if (!NAME_RE.test(name)) throw invalidArgument(`preference name '${name.slice(0, 64)}' is not valid: 1–64 letters, digits and . _ -`, { module: 'core.vdi' });
    if (seen.has(name)) throw invalidArgument(`preference '${name}' is given twice`, { module: 'core.vdi' });
    seen.add(name);
    if (value.length > PREFERENCE_LIMITS.valueChars || CONTROL_RE.test(value)) throw invalidArgument(`the value of preference '${name}' is not valid: at most ${PREFERENCE_LIMITS.valueChars} characters, no control characters`, { module: 'core.vdi' });
  }
  return prefs.map(([n, v]) => [n, v] as const);
}

interface Stored {
  readonly global: Preferences;
  readonly desktops: readonly (readonly [poolId: string, prefs: Preferences])[];
}

const EMPTY: Stored = { global: [], desktops: [] };

function isPairs(v: unknown): v is Preferences {
  return Array.isArray(v) && v.every((p) => Array.isArray(p) && p.length === 2 && typeof p[0] === 'string' && typeof p[1] === 'string');
}

export class PreferenceStore {
  readonly #serial = new KeyedSerializer();

  constructor(private readonly store: () => Store) {}

  async read(userId: string): Promise<UserPreferences> {
    const s = await this.#load(userId);
    return { global: s.global, desktops: new Map(s.desktops) };
  }

  /** Replaces the global set (`poolId` null) or one desktop's set. */
  async replace(userId: string, poolId: string | null, prefs: Preferences): Promise<void> {
    await this.#serial.run(userId, async () => {
      const s = await this.#load(userId);
      const next: Stored =
        poolId === null
          ? { global: prefs, desktops: s.desktops }
          : { global: s.global, desktops: [...s.desktops.filter(([id]) => id !== poolId), ...(prefs.length > 0 ? [[poolId, prefs] as const] : [])] };
      await this.store().settings.set(key(userId), JSON.stringify(next));
    });
  }

  async #load(userId: string): Promise<Stored> {
    const raw = await this.store().settings.get(key(userId));
    if (raw === undefined) return EMPTY;
    try {
      const v = JSON.parse(raw) as { global?: unknown; desktops?: unknown };
      const desktops = Array.isArray(v.desktops) ? (v.desktops as unknown[]).filter((d): d is [string, Preferences] => Array.isArray(d) && typeof d[0] === 'string' && isPairs(d[1])) : [];
      return { global: isPairs(v.global) ? v.global : [], desktops };
    } catch {
      return EMPTY;
    }
  }
}

const key = (userId: string) => `vdi.preferences.${userId}`;

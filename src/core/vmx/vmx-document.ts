/**
 * A .vmx file as an editable document that keeps every byte it does not change.
 *
 * The line grammar is VMware's dictionary format (open-vm-tools `lib/dict/dictll.c`):
 *
 *     <ws> <name> <ws> = <ws> "<quoted value>" <ws> <comment>
 *     <ws> <name> <ws> = <ws> <bare value> <ws> <comment>
 *     <ws> <name> <ws> = <ws> <comment>          (empty value)
 *     <ws> <comment>
 *
 * where <ws> is spaces and tabs, <name> has no whitespace, `=` or `#`, a quoted value
 * has no `"`, a bare value has no whitespace or `#`, and a comment runs from `#` to the
 * end of the line. Any other line (including blank ones) is kept verbatim and is not an
 * entry. Values are `|XX`-escaped (see vmx-escape.ts).
 *
 * Keys are case-insensitive (VMware's rule) and keep their original case. When a key
 * appears more than once the last line wins, as when VMware loads the file. Line endings
 * (LF or CRLF, per line), a UTF-8 byte-order mark, a missing final newline, comments,
 * spacing and unknown keys all survive `parseVmx(text).toString() === text`.
 */
import { invalidArgument } from '../errors.ts';
import { decodeVmxValue, encodeVmxValue } from './vmx-escape.ts';

/** Largest .vmx vmgate accepts (real ones are a few KiB). */
export const MAX_VMX_BYTES = 1024 * 1024;

const MODULE = 'core.vmx';
const BOM = '\uFEFF';
const WS = /^[ \t]*/;
/** What a key written by vmgate may contain: the grammar's name minus control chars and `"`. */
function isValidKey(key: string): boolean {
  if (typeof key !== 'string' || !/^[^ \t#="]+$/.test(key)) return false;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return false;
  }
  return true;
}
/** A value that can stay bare (unquoted) when a bare value is replaced. */
const BARE_SAFE = /^[^ \t#"][^ \t#]*$/;

interface Entry {
  readonly indent: string;
  readonly key: string;
  /** From the end of the key to the start of the value: `" = "`, `"="`, `"\t= "`. */
  readonly sep: string;
  readonly quoted: boolean;
  /** The value as written, still escaped. */
  readonly raw: string;
  /** After the value: whitespace and an optional comment. */
  readonly tail: string;
  /** Lower-case key, for lookups. */
  readonly lower: string;
  /** The decoded value. */
  readonly value: string;
}

interface Line {
  /** The line without its terminator. */
  content: string;
  /** '\n', '\r\n' or '' (last line without a newline). */
  eol: string;
  entry: Entry | null;
}

export class VmxDocument {
  readonly #bom: string;
  #lines: Line[];
  readonly #eol: string;
  /** Lower-case key → its lines in file order (the last one wins). */
  #index = new Map<string, Line[]>();

  private constructor(bom: string, lines: Line[]) {
    this.#bom = bom;
    this.#lines = lines;
    this.#eol = lines.find((l) => l.eol !== '')?.eol ?? '\n';
    this.#reindex();
  }

  /** Parses .vmx text; see `parseVmx`. */
  static parse(text: string): VmxDocument {
    if (typeof text !== 'string') {
      throw invalidArgument('a .vmx must be text', { module: MODULE });
    }
    if (text.length > MAX_VMX_BYTES || Buffer.byteLength(text, 'utf8') > MAX_VMX_BYTES) {
      throw invalidArgument(`the .vmx is larger than ${MAX_VMX_BYTES} bytes; refusing to parse it`, {
        module: MODULE,
        details: { bytes: Buffer.byteLength(text, 'utf8') },
      });
    }
    const nul = text.indexOf('\u0000');
    if (nul >= 0) {
      const line = text.slice(0, nul).split('\n').length;
      throw invalidArgument(`the .vmx contains a NUL byte (line ${line}); it is not a text file`, {
        module: MODULE,
        details: { line },
      });
    }
    const bom = text.startsWith(BOM) ? BOM : '';
    const body = bom === '' ? text : text.slice(1);
    const lines: Line[] = [];
    for (const m of body.matchAll(/([^\n]*)(\n|$)/g)) {
      if (m[0] === '') break; // the empty match at the very end
      let content = m[1];
      let eol = m[2];
      if (eol === '\n' && content.endsWith('\r')) {
        content = content.slice(0, -1);
        eol = '\r\n';
      }
      lines.push({ content, eol, entry: parseLine(content) });
    }
    return new VmxDocument(bom, lines);
  }

  /** The decoded value of `key` (case-insensitive), or undefined. */
  get(key: string): string | undefined {
    const lines = this.#index.get(key.toLowerCase());
    return lines === undefined ? undefined : lines[lines.length - 1].entry?.value;
  }

  has(key: string): boolean {
    return this.#index.has(key.toLowerCase());
  }

  /**
   * Sets `key` to `value`. An existing key is replaced in place (on its last line), keeping
   * the line's indentation, spacing around `=`, quoting style, trailing comment and the
   * key's original case; an unchanged value leaves the line untouched. A new key is
   * appended at the end as `key = "value"`.
   */
  set(key: string, value: string): void {
    if (!isValidKey(key)) {
      throw invalidArgument(`invalid .vmx key ${JSON.stringify(key)}: keys have no spaces, tabs, '=', '#', quotes or control characters`, {
        module: MODULE,
      });
    }
    if (typeof value !== 'string' || value.includes('\u0000')) {
      throw invalidArgument(`invalid value for .vmx key "${key}": it must be text without NUL characters`, {
        module: MODULE,
      });
    }
    const lower = key.toLowerCase();
    const existing = this.#index.get(lower);
    if (existing !== undefined) {
      const line = existing[existing.length - 1];
      const old = line.entry as Entry;
      if (old.value === value) return;
      const encoded = encodeVmxValue(value);
      const quoted = old.quoted || !BARE_SAFE.test(encoded);
      const entry: Entry = { ...old, quoted, raw: encoded, value };
      line.content = entryText(entry);
      line.entry = entry;
      return;
    }
    const entry: Entry = {
      indent: '',
      key,
      sep: ' = ',
      quoted: true,
      raw: encodeVmxValue(value),
      tail: '',
      lower,
      value,
    };
    const last = this.#lines[this.#lines.length - 1];
    let eol = this.#eol;
    if (last !== undefined && last.eol === '') {
      // The file had no final newline: keep it that way, after the new line.
      last.eol = this.#eol;
      eol = '';
    }
    const line: Line = { content: entryText(entry), eol, entry };
    this.#lines.push(line);
    this.#index.set(lower, [line]);
  }

  /** Removes every line of `key`; true when there was one. Other lines stay as they are. */
  delete(key: string): boolean {
    const lower = key.toLowerCase();
    const lines = this.#index.get(lower);
    if (lines === undefined) return false;
    const gone = new Set(lines);
    const wasLast = gone.has(this.#lines[this.#lines.length - 1]);
    const lastEol = this.#lines[this.#lines.length - 1].eol;
    this.#lines = this.#lines.filter((l) => !gone.has(l));
    this.#index.delete(lower);
    if (wasLast && lastEol === '' && this.#lines.length > 0) {
      // Keep "no final newline" when the last line went away.
      this.#lines[this.#lines.length - 1].eol = '';
    }
    return true;
  }

  /**
   * Effective entries: one per key (case-insensitive), in the order keys first appear,
   * with the key's spelling and value from its last line.
   */
  entries(): Array<readonly [key: string, value: string]> {
    const out: Array<readonly [string, string]> = [];
    for (const lines of this.#index.values()) {
      const e = lines[lines.length - 1].entry as Entry;
      out.push([e.key, e.value]);
    }
    return out;
  }

  /** Keys as in `entries()`. */
  keys(): string[] {
    return this.entries().map(([k]) => k);
  }

  get size(): number {
    return this.#index.size;
  }

  /** An independent copy. */
  clone(): VmxDocument {
    return new VmxDocument(
      this.#bom,
      this.#lines.map((l) => ({ ...l })),
    );
  }

  /** The file text; byte-identical to the parsed text until something is changed. */
  toString(): string {
    let out = this.#bom;
    for (const l of this.#lines) out += l.content + l.eol;
    return out;
  }

  #reindex(): void {
    this.#index = new Map();
    for (const line of this.#lines) {
      if (line.entry === null) continue;
      const list = this.#index.get(line.entry.lower);
      if (list === undefined) this.#index.set(line.entry.lower, [line]);
      else list.push(line);
    }
  }
}

/**
 * Parses .vmx text. Malformed lines never throw: they are kept verbatim and are not
 * entries. Throws VmgateError invalid_argument for input that cannot be a .vmx at all: a
 * NUL character or more than MAX_VMX_BYTES bytes of UTF-8.
 */
export function parseVmx(text: string): VmxDocument {
  return VmxDocument.parse(text);
}

function entryText(e: Entry): string {
  const value = e.quoted ? `"${e.raw}"` : e.raw;
  return e.indent + e.key + e.sep + value + e.tail;
}

/** One line per VMware's grammar, or null for a line that is not an entry. */
function parseLine(content: string): Entry | null {
  let i = WS.exec(content)?.[0].length ?? 0;
  const indent = content.slice(0, i);
  const keyStart = i;
  while (i < content.length && !' \t#='.includes(content[i])) i++;
  if (i === keyStart) return null;
  const key = content.slice(keyStart, i);
  const sepStart = i;
  while (content[i] === ' ' || content[i] === '\t') i++;
  if (content[i] !== '=') return null;
  i++;
  while (content[i] === ' ' || content[i] === '\t') i++;
  const sep = content.slice(sepStart, i);
  let quoted = false;
  let raw: string;
  if (content[i] === '"') {
    const close = content.indexOf('"', i + 1);
    if (close < 0) return null;
    quoted = true;
    raw = content.slice(i + 1, close);
    i = close + 1;
  } else {
    const start = i;
    while (i < content.length && !' \t#'.includes(content[i])) i++;
    raw = content.slice(start, i);
  }
  const tail = content.slice(i);
  if (!/^[ \t]*(#.*)?$/.test(tail)) return null;
  return { indent, key, sep, quoted, raw, tail, lower: key.toLowerCase(), value: decodeVmxValue(raw) };
}

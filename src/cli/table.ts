/**
 * A tiny table printer: column headers, widths from the content, two spaces between
 * columns, bold headers only on a terminal (and not with NO_COLOR).
 */

export interface Column<T> {
  /** Header text (printed as given; by convention upper case). */
  readonly header: string;
  readonly value: (row: T) => string | number | boolean | undefined | null;
  /** Right-align (numbers). */
  readonly align?: 'left' | 'right';
}

export interface TableOptions {
  /** Bold headers; default: the stream is a TTY and NO_COLOR is unset. */
  readonly color?: boolean;
}

/** The table as text: a header line and one line per row, each ending in a newline. */
export function formatTable<T>(rows: readonly T[], columns: readonly Column<T>[], options: TableOptions = {}): string {
  const cells = rows.map((r) => columns.map((c) => cellText(c.value(r))));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: readonly string[]): string =>
    values
      .map((v, i) => {
        const last = i === values.length - 1;
        if (columns[i]!.align === 'right') return v.padStart(widths[i]!);
        return last ? v : v.padEnd(widths[i]!);
      })
      .join('  ')
      .trimEnd();
  const header = line(columns.map((c) => c.header));
  const head = options.color === true ? `\u001b[1m${header}\u001b[22m` : header;
  return [head, ...cells.map(line)].map((l) => `${l}\n`).join('');
}

/** `key: value` lines, keys padded to one width (for `get` commands). */
export function formatDetails(pairs: readonly (readonly [string, string | number | boolean | undefined | null])[]): string {
  const width = Math.max(0, ...pairs.map(([k]) => k.length + 1));
  return pairs.map(([k, v]) => `${`${k}:`.padEnd(width)}  ${cellText(v)}\n`).join('');
}

function cellText(v: string | number | boolean | undefined | null): string {
  if (v === undefined || v === null || v === '') return '-';
  // One line per row: control characters (newlines in names or messages) become spaces.
  return String(v).replace(/\p{Cc}+/gu, ' ');
}

/** Bytes as `12.5 GiB`. */
export function formatBytes(n: number | undefined): string | undefined {
  if (n === undefined) return undefined;
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(v >= 100 ? 0 : 1)} ${units[u]}`;
}

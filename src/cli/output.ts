/**
 * What a command prints: a table (default) or the raw objects as JSON (`--json`).
 * Results go to stdout; progress, warnings and errors to stderr.
 */
import type { Column } from './table.ts';
import { formatDetails, formatTable } from './table.ts';

export class Output {
  constructor(
    readonly json: boolean,
    private readonly stdout: NodeJS.WriteStream = process.stdout,
  ) {}

  /** Colour only on a terminal, and never with NO_COLOR. */
  get color(): boolean {
    return this.stdout.isTTY === true && !process.env.NO_COLOR;
  }

  write(text: string): void {
    this.stdout.write(text);
  }

  /** `--json`: the value, pretty-printed. */
  printJson(value: unknown): void {
    this.stdout.write(`${JSON.stringify(value === undefined ? null : value, null, 2)}\n`);
  }

  /** The rows as a table, or `raw` (default: the rows) as JSON. */
  table<T>(rows: readonly T[], columns: readonly Column<T>[], raw: unknown = rows): void {
    if (this.json) this.printJson(raw);
    else this.stdout.write(formatTable(rows, columns, { color: this.color }));
  }

  /** `key: value` lines, or `raw` as JSON. */
  details(pairs: readonly (readonly [string, string | number | boolean | undefined | null])[], raw: unknown): void {
    if (this.json) this.printJson(raw);
    else this.stdout.write(formatDetails(pairs));
  }

  /** A one-line message, or `raw` as JSON. */
  result(text: string, raw: unknown): void {
    if (this.json) this.printJson(raw);
    else this.stdout.write(`${text}\n`);
  }
}

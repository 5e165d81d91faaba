import { readFileSync } from 'node:fs';

/** vmgate's version, shown in every reply's `<product>`. */
export const VERSION: string = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

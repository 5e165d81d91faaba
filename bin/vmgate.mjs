#!/usr/bin/env node
// The vmgate command: runs the compiled CLI in dist/ (`npm run build`; `npm ci` builds it).
// In a source checkout (src/ present: never in the published package), when dist/ is missing
// or older than something under src/, it runs the TypeScript sources through tsx instead, so
// an edit is never hidden behind a stale build.
import { existsSync, readdirSync, statSync } from 'node:fs';

const built = new URL('../dist/cli/main.js', import.meta.url);
const sources = new URL('../src/', import.meta.url);

/** The newest modification time of a directory, or of anything below it (a deletion changes its folder's). */
function newestUnder(dir) {
  let newest = statSync(dir).mtimeMs;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = new URL(e.isDirectory() ? `${e.name}/` : e.name, dir);
    newest = Math.max(newest, e.isDirectory() ? newestUnder(p) : statSync(p).mtimeMs);
  }
  return newest;
}

if (existsSync(sources) && (!existsSync(built) || newestUnder(sources) > statSync(built).mtimeMs)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/cli/main.ts', import.meta.url).href);
} else {
  await import(built.href);
}

#!/usr/bin/env node
// Removes dist/ before `npm run build`, so a source file that was deleted or renamed
// leaves no stale module behind in the build (tsc never deletes outputs).
import { rmSync } from 'node:fs';

rmSync(new URL('../dist/', import.meta.url), { recursive: true, force: true });

#!/usr/bin/env node
// Mutation testing (StrykerJS) of the security-critical scope, one Stryker pass per module
// group with only the test files that cover it (a whole-suite run per mutant would take hours
// on a small machine). Prints the score per module and in total; exits 1 when a group or
// the total is under stryker.config.json's thresholds.break.
// Usage: node scripts/mutation.mjs [group …]     (default: every group)
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const base = JSON.parse(readFileSync(join(root, 'stryker.config.json'), 'utf8'));

/** Module group → the files mutated and the test files that cover them (fastest first: a mutant stops at the first file that fails). */
export const GROUPS = {
  power: { mutate: ['src/core/power.ts'], tests: ['test/core/power-table.test.ts'] },
  identity: { mutate: ['src/core/identity*.ts', 'src/core/auth*.ts'], tests: ['test/core/authz.test.ts', 'test/core/identity-facade.test.ts', 'test/core/identity-admin.test.ts', 'test/core/identity.test.ts'] },
  'datastore-path': { mutate: ['src/datastore/datastore-path.ts', 'src/core/datastore-path*.ts'], tests: ['test/datastore/datastore-path.test.ts'] },
  vmx: { mutate: ['src/core/vmx/vmx-escape.ts', 'src/core/vmx/vmx-document.ts'], tests: ['test/core/vmx/vmx-document.test.ts'] },
  'vapi-errors-auth': { mutate: ['src/faces/vapi/errors.ts', 'src/faces/vapi/auth.ts'], tests: ['test/faces/vapi/errors.test.ts', 'test/faces/vapi/auth.test.ts'] },
  authd: { mutate: ['src/faces/vmserverd/authd-server.ts'], tests: ['test/faces/vmserverd/door-details.test.ts', 'test/faces/vmserverd/door-edges.test.ts', 'test/faces/vmserverd/door.test.ts'] },
};

const wanted = process.argv.slice(2);
for (const g of wanted) {
  if (!(g in GROUPS)) {
    console.error(`unknown group ${g}; groups: ${Object.keys(GROUPS).join(', ')}`);
    process.exit(2);
  }
}
const groups = wanted.length ? wanted : Object.keys(GROUPS);
const breakAt = base.thresholds?.break ?? 0;
const outDir = join(root, 'reports', 'mutation');
mkdirSync(outDir, { recursive: true });

/** Stryker's score: detected (killed, timeout) over valid mutants (those plus survived, no coverage). */
function tally(report) {
  const perFile = {};
  for (const [file, { mutants }] of Object.entries(report.files)) {
    const c = { detected: 0, survived: 0, noCoverage: 0 };
    for (const m of mutants) {
      if (m.status === 'Killed' || m.status === 'Timeout') c.detected++;
      else if (m.status === 'Survived') c.survived++;
      else if (m.status === 'NoCoverage') c.noCoverage++;
    }
    perFile[file] = c;
  }
  return perFile;
}
const score = (c) => {
  const valid = c.detected + c.survived + c.noCoverage;
  return valid === 0 ? 100 : (100 * c.detected) / valid;
};

const rows = [];
let failed = false;
for (const name of groups) {
  const g = GROUPS[name];
  const jsonFile = join(outDir, `${name}.json`);
  const config = {
    ...base,
    mutate: g.mutate,
    tap: { ...base.tap, testFiles: g.tests },
    jsonReporter: { fileName: `reports/mutation/${name}.json` },
    htmlReporter: { fileName: `reports/mutation/${name}.html` },
  };
  delete config.$schema;
  delete config._comment;
  const configFile = join(outDir, `stryker.${name}.config.json`);
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  console.log(`\n== ${name}: ${g.mutate.join(' ')} ← ${g.tests.join(' ')}`);
  const r = spawnSync(join(root, 'node_modules', '.bin', 'stryker'), ['run', configFile], { cwd: root, stdio: 'inherit' });
  if (!existsSync(jsonFile)) {
    console.error(`stryker produced no report for ${name} (exit ${r.status})`);
    failed = true;
    continue;
  }
  for (const [file, c] of Object.entries(tally(JSON.parse(readFileSync(jsonFile, 'utf8'))))) rows.push({ group: name, file, ...c });
}

const total = rows.reduce((a, r) => ({ detected: a.detected + r.detected, survived: a.survived + r.survived, noCoverage: a.noCoverage + r.noCoverage }), { detected: 0, survived: 0, noCoverage: 0 });
console.log('\nMutation score per module (killed+timeout / valid mutants):');
for (const r of rows) {
  console.log(`  ${score(r).toFixed(1).padStart(5)} %  ${r.file}  (${r.detected} detected, ${r.survived} survived, ${r.noCoverage} no coverage)  [${r.group}]`);
}
console.log(`  ${score(total).toFixed(1).padStart(5)} %  total  (${total.detected} detected, ${total.survived} survived, ${total.noCoverage} no coverage)`);
for (const name of groups) {
  const mine = rows.filter((r) => r.group === name);
  const c = mine.reduce((a, r) => ({ detected: a.detected + r.detected, survived: a.survived + r.survived, noCoverage: a.noCoverage + r.noCoverage }), { detected: 0, survived: 0, noCoverage: 0 });
  if (mine.length && score(c) < breakAt) {
    console.error(`group ${name}: ${score(c).toFixed(1)} % is under the break threshold ${breakAt} %`);
    failed = true;
  }
}
if (score(total) < breakAt) failed = true;
process.exit(failed ? 1 : 0);

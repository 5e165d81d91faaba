#!/usr/bin/env node
// Mutation testing (StrykerJS) of the security-critical scope, one Stryker pass per module
// group with only the test files that cover it (a whole-suite run per mutant would take hours
// on a small machine). Prints the score per module and in total; exits 1 when a group or
// the total is under stryker.config.json's thresholds.break.
//
// Incremental: each group's results are kept in mutation/<group>.incremental.json (committed).
// A run re-tests only the mutants whose code changed, the survivors that gained a covering
// test file, and the killed ones whose killing test file changed (the tap runner knows tests
// per file: any change to a test file re-tests every mutant it covers); the rest is reused.
//
// Usage: node scripts/mutation.mjs [--ci] [--force] [--concurrency N] [--parallel P] [group …]
//   (default: every group; --ci: the security-critical groups CI runs; --force: re-test every
//   mutant; --parallel P: P groups at a time, each with its output in reports/mutation/<group>.log
//   (a group's dry run, most of an incremental run, uses one process: on two cores
//   `--parallel 2 --concurrency 1` halves the wall time of a run that re-tests little))
import { readFileSync, writeFileSync, mkdirSync, existsSync, rmSync, openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const base = JSON.parse(readFileSync(join(root, 'stryker.config.json'), 'utf8'));

/**
 * Module group → the files mutated (a `:from-to` line range mutates part of a file) and the
 * test files that cover them (fastest first: a mutant stops at the first file that fails).
 * `ci`: CI runs it (`--ci`). Only a group whose baseline, mutation/<group>.incremental.json,
 * is committed may have it: without one every mutant is tested again on every CI run (far
 * over CI's 15 minutes). CI's groups: identity-login, identity-admin, datastore-path,
 * vapi-errors-auth, authd, view-auth, rdv-auth-errors, vmserverd-exec-auth and
 * vix-credentials. power and vmx have committed baselines but are not security-critical:
 * CI leaves them out; run them after changing those modules.
 */
export const GROUPS = {
  power: { mutate: ['src/core/power.ts'], tests: ['test/core/power-table.test.ts'] },
  'identity-login': {
    ci: true,
    mutate: ['src/core/identity/login.ts', 'src/core/identity/throttle.ts', 'src/core/identity/sessions.ts', 'src/core/identity/local-tickets.ts', 'src/core/identity/hash-pool.ts', 'src/core/one-time-tickets.ts'],
    tests: ['test/core/one-time-tickets.test.ts', 'test/core/identity-lock-prune.test.ts', 'test/core/identity-session-active.test.ts', 'test/core/identity-login-details.test.ts', 'test/core/identity-edges.test.ts', 'test/core/identity-local-tickets.test.ts', 'test/core/identity-must-change.test.ts', 'test/core/identity.test.ts', 'test/core/identity-login.test.ts'],
  },
  'identity-admin': {
    ci: true,
    mutate: ['src/core/identity.ts', 'src/core/identity/users.ts', 'src/core/identity/groups.ts', 'src/core/identity/permissions.ts', 'src/core/identity/names.ts', 'src/core/authorizer.ts', 'src/core/authz.ts'],
    tests: ['test/core/identity-admin.test.ts', 'test/core/identity-admin-details.test.ts', 'test/core/identity-facade.test.ts', 'test/core/authz.test.ts', 'test/core/identity.test.ts'],
  },
  'datastore-path': { ci: true, mutate: ['src/datastore/datastore-path.ts', 'src/core/datastore-path*.ts'], tests: ['test/datastore/datastore-path.test.ts'] },
  vmx: { mutate: ['src/core/vmx/vmx-escape.ts', 'src/core/vmx/vmx-document.ts'], tests: ['test/core/vmx/vmx-document.test.ts'] },
  'vapi-errors-auth': { ci: true, mutate: ['src/faces/vapi/errors.ts', 'src/faces/vapi/auth.ts'], tests: ['test/faces/vapi/errors.test.ts', 'test/faces/vapi/auth.test.ts'] },
  authd: { ci: true, mutate: ['src/faces/vmserverd/authd-server.ts'], tests: ['test/faces/vmserverd/door-details.test.ts', 'test/faces/vmserverd/door-edges.test.ts', 'test/faces/vmserverd/door.test.ts', 'test/faces/vmserverd/local-login.test.ts', 'test/faces/vmserverd/door-tickets.test.ts'] },
  // Round-2 faces: their authentication and error mapping (ranges: the parts of a file that authenticate or map errors).
  'view-auth': {
    ci: true,
    mutate: ['src/faces/view/errors.ts', 'src/faces/view/session.ts', 'src/faces/view/ops.ts:74-249', 'src/faces/view/ops.ts:460-474', 'src/faces/view/index.ts:72-100'],
    tests: ['test/faces/view/ops-login-errors.test.ts', 'test/faces/view/view-auth-units.test.ts', 'test/faces/view/ops-auth-units.test.ts', 'test/faces/view/broker-login.test.ts', 'test/faces/view/broker-screens.test.ts'],
  },
  'rdv-auth-errors': {
    ci: true,
    mutate: ['src/faces/rdv/errors.ts:1-59', 'src/faces/rdv/errors.ts:75-79', 'src/faces/rdv/callbacks.ts:1-29', 'src/faces/rdv/callbacks.ts:50-55', 'src/faces/rdv/index.ts:83-131'],
    tests: ['test/faces/rdv/callbacks.test.ts', 'test/faces/rdv/errors-table.test.ts', 'test/faces/rdv/errors.test.ts', 'test/faces/rdv/rdv-auth.test.ts', 'test/faces/rdv/soap.test.ts'],
  },
  'vmserverd-exec-auth': {
    ci: true,
    mutate: ['src/faces/vmserverd/errors.ts', 'src/faces/vmserverd/local-login.ts', 'src/faces/vmserverd/exec-session.ts:139-171', 'src/faces/vmserverd/ops.ts:34-36'],
    tests: ['test/faces/vmserverd/exec-auth-units.test.ts', 'test/faces/vmserverd/exec-auth.test.ts', 'test/faces/vmserverd/local-login.test.ts', 'test/faces/vmserverd/ops.test.ts'],
  },
  'vix-credentials': {
    ci: true,
    mutate: ['src/clients/vix/errors.ts:1-17', 'src/clients/vix/errors.ts:81-116', 'src/clients/vix/api.ts:417-419', 'src/clients/vix/api.ts:424-429'],
    tests: ['test/clients/vix/errors.test.ts', 'test/clients/vix/connect-args.test.ts', 'test/clients/vix/faithful.test.ts'],
  },
};

const args = process.argv.slice(2);
let ciOnly = false;
let force = false;
let concurrency = base.concurrency;
let parallel = 1;
const wanted = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--ci') ciOnly = true;
  else if (a === '--force') force = true;
  else if (a === '--concurrency') concurrency = Number(args[++i]);
  else if (a === '--parallel') parallel = Number(args[++i]);
  else if (a.startsWith('--')) {
    console.error(`unknown option ${a}; usage: node scripts/mutation.mjs [--ci] [--force] [--concurrency N] [--parallel P] [group …]`);
    process.exit(2);
  } else wanted.push(a);
}
if (!Number.isInteger(concurrency) || concurrency < 1) {
  console.error('--concurrency needs a whole number ≥ 1');
  process.exit(2);
}
if (!Number.isInteger(parallel) || parallel < 1) {
  console.error('--parallel needs a whole number ≥ 1');
  process.exit(2);
}
for (const g of wanted) {
  if (!Object.hasOwn(GROUPS, g)) {
    console.error(`unknown group ${g}; groups: ${Object.keys(GROUPS).join(', ')}`);
    process.exit(2);
  }
}
const groups = wanted.length ? wanted : Object.keys(GROUPS).filter((g) => !ciOnly || GROUPS[g].ci);
const breakAt = base.thresholds?.break ?? 0;
const outDir = join(root, 'reports', 'mutation');
mkdirSync(outDir, { recursive: true });

/** Stryker's score: detected (killed, timeout) over valid mutants (those plus survived, no coverage). */
function tally(report) {
  const perFile = {};
  for (const [file, { mutants }] of Object.entries(report.files)) {
    const c = { detected: 0, timeout: 0, survived: 0, noCoverage: 0 };
    for (const m of mutants) {
      if (m.status === 'Timeout') c.timeout++;
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
const seconds = {};
let failed = false;

/** Runs one group's Stryker pass; its output goes to the terminal, or to a log when groups run side by side. */
async function runGroup(name) {
  const g = GROUPS[name];
  const jsonFile = join(outDir, `${name}.json`);
  const config = {
    ...base,
    mutate: g.mutate,
    tap: { ...base.tap, testFiles: g.tests },
    concurrency,
    incremental: true,
    incrementalFile: `mutation/${name}.incremental.json`,
    force,
    // A temp directory per group: two groups may run at once without removing each other's sandboxes.
    tempDirName: `.stryker-tmp-${name}`,
    // Side by side, no node_modules symlinks in the sandboxes: to find node_modules folders
    // Stryker walks the whole project, other groups' temp directories included, and fails
    // when one of them is removed meanwhile (seen in CI). A sandbox lies inside the project,
    // so Node finds the project's node_modules from it anyway.
    ...(parallel > 1 ? { symlinkNodeModules: false } : {}),
    jsonReporter: { fileName: `reports/mutation/${name}.json` },
    htmlReporter: { fileName: `reports/mutation/${name}.html` },
  };
  delete config.$schema;
  delete config._comment;
  const configFile = join(outDir, `stryker.${name}.config.json`);
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  console.log(`\n== ${name}: ${g.mutate.join(' ')} ← ${g.tests.join(' ')}${parallel > 1 ? ` (output: reports/mutation/${name}.log)` : ''}`);
  rmSync(jsonFile, { force: true });
  const started = Date.now();
  const logFile = join(outDir, `${name}.log`);
  const fd = parallel > 1 ? openSync(logFile, 'w') : null;
  const code = await new Promise((resolve) => {
    const child = spawn(join(root, 'node_modules', '.bin', 'stryker'), ['run', configFile], { cwd: root, stdio: fd === null ? 'inherit' : ['ignore', fd, fd] });
    child.once('error', () => resolve(null));
    child.once('exit', (c) => resolve(c));
  });
  if (fd !== null) closeSync(fd);
  seconds[name] = Math.round((Date.now() - started) / 1000);
  if (!existsSync(jsonFile)) {
    console.error(`stryker produced no report for ${name} (exit ${code})${fd !== null ? `; the end of reports/mutation/${name}.log:\n${readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n')}` : ''}`);
    failed = true;
    return;
  }
  if (parallel > 1) console.log(`== ${name} done in ${seconds[name]} s`);
  for (const [file, c] of Object.entries(tally(JSON.parse(readFileSync(jsonFile, 'utf8'))))) rows.push({ group: name, file, ...c });
}

// P workers take the groups in order.
const queue = [...groups];
await Promise.all(
  Array.from({ length: Math.min(parallel, queue.length) }, async () => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) await runGroup(name);
  }),
);
rows.sort((a, b) => groups.indexOf(a.group) - groups.indexOf(b.group));

const total = rows.reduce((a, r) => ({ detected: a.detected + r.detected, survived: a.survived + r.survived, noCoverage: a.noCoverage + r.noCoverage }), { detected: 0, survived: 0, noCoverage: 0 });
console.log('\nMutation score per module (killed+timeout / valid mutants):');
for (const r of rows) {
  console.log(`  ${score(r).toFixed(1).padStart(5)} %  ${r.file}  (${r.detected} detected of which ${r.timeout} timed out, ${r.survived} survived, ${r.noCoverage} no coverage)  [${r.group}]`);
}
console.log(`  ${score(total).toFixed(1).padStart(5)} %  total  (${total.detected} detected, ${total.survived} survived, ${total.noCoverage} no coverage)`);
console.log('\nPer group (detected / valid mutants, wall time):');
for (const name of groups) {
  const mine = rows.filter((r) => r.group === name);
  const c = mine.reduce((a, r) => ({ detected: a.detected + r.detected, timeout: a.timeout + r.timeout, survived: a.survived + r.survived, noCoverage: a.noCoverage + r.noCoverage }), { detected: 0, timeout: 0, survived: 0, noCoverage: 0 });
  if (mine.length) console.log(`  ${score(c).toFixed(1).padStart(5)} %  group ${name}  (${c.detected} / ${c.detected + c.survived + c.noCoverage}, ${c.timeout} of them timed out; ${seconds[name]} s)`);
  if (mine.length && score(c) < breakAt) {
    console.error(`group ${name}: ${score(c).toFixed(1)} % is under the break threshold ${breakAt} %`);
    failed = true;
  }
}
if (score(total) < breakAt) failed = true;
process.exit(failed ? 1 : 0);

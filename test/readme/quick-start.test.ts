/**
 * The README's quick start, run as written: the shell lines between
 * `<!-- quickstart-test … -->` and `<!-- /quickstart-test -->` in README.md, one by one,
 * through /bin/sh, in a directory where a fresh `npm start`-style server (`vmgate serve
 * --demo`, data directory `./data`) runs, with `vmgate` on the PATH (as `npm link` puts
 * it) and a HOME of its own. The one change to the text: the server listens on a free port,
 * so `localhost:8443` becomes `localhost:<port>`. Every line must exit 0 and print what the
 * table below expects of it; a new line in the README needs an expectation here.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseTable } from '../cli/cli-fixture.ts';
import { spawnServer } from '../support/spawn-server.ts';
import type { SpawnedServer } from '../support/spawn-server.ts';

const ROOT = new URL('../../', import.meta.url).pathname;

/** The quick-start block's commands: its lines without blank lines and comments. */
export function quickStartCommands(readme: string): string[] {
  const m = /<!-- quickstart-test\b[^>]*-->\s*```sh\n([\s\S]*?)```\s*<!-- \/quickstart-test -->/.exec(readme);
  if (!m) throw new Error('README.md has no <!-- quickstart-test --> … <!-- /quickstart-test --> block around a ```sh block');
  return m[1]!
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

type Check = (stdout: string, stderr: string) => void;

/** What each README line must print (keyed by the line as the README has it). */
const EXPECT: Record<string, Check> = {
  'vmgate login --server https://localhost:8443 --ca data/tls/server.crt --password-stdin < data/initial-admin-password': (out) => {
    assert.match(out, /^logged in to https:\/\/localhost:\d+ as administrator \(session stored in .*\/home\/\.config\/vmgate\/sessions\.json; CA .*\/data\/tls\/server\.crt remembered\)\n$/);
  },
  'vmgate vm list --power-state on': (out) => {
    const rows = parseTable(out);
    const names = rows.map((r) => r.NAME);
    assert.ok(names.includes('DC0_C0_H0_VM0'), out);
    assert.ok(!names.includes('DC0_C0_H0_VM1'), out);
    assert.deepEqual([...new Set(rows.map((r) => r.POWER))], ['on']);
  },
  'vmgate vm power on DC0_C0_H0_VM1': (out) => {
    assert.deepEqual(
      parseTable(out).map((r) => [r.NAME, r.POWER]),
      [['DC0_C0_H0_VM1', 'on']],
    );
  },
  "VMGATE_GUEST_PASSWORD=vmware vmgate guest run DC0_C0_H0_VM0 --guest-user root -- /bin/sh -c 'uname -a'": (out) => {
    assert.match(out, /^Linux DC0_C0_H0_VM0 \S+ .*GNU\/Linux\n$/);
  },
  'vmgate vm snapshot create DC0_C0_H0_VM1 first-snapshot': (out) => {
    assert.match(out, /^created snapshot-\d+ of vm-\d+\n$/);
  },
  'vmgate task list --limit 3': (out) => {
    const rows = parseTable(out);
    assert.equal(rows.length, 3, out);
    const last = rows[rows.length - 1]!;
    assert.equal(last.DESCRIPTION, 'Take a snapshot of a virtual machine: DC0_C0_H0_VM1');
    assert.equal(last.STATUS, 'succeeded');
    assert.equal(last.USER, 'administrator');
  },
};

describe("the README's quick start, run as written", () => {
  let dir: string;
  let work: string;
  let server: SpawnedServer;
  let commands: string[];
  const env: NodeJS.ProcessEnv = {};

  before(async () => {
    commands = quickStartCommands(await readFile(join(ROOT, 'README.md'), 'utf8'));
    dir = await mkdtemp(join(tmpdir(), 'vmgate-readme-'));
    work = join(dir, 'checkout');
    await mkdir(work);
    // `vmgate` on the PATH, as `npm link` puts it.
    const bin = join(dir, 'bin');
    await mkdir(bin);
    await writeFile(join(bin, 'vmgate'), `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, 'bin/vmgate.mjs')}" "$@"\n`);
    await chmod(join(bin, 'vmgate'), 0o755);
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('VMGATE_') && k !== 'NODE_OPTIONS' && k !== 'XDG_CONFIG_HOME') env[k] = v;
    Object.assign(env, { PATH: `${bin}:${process.env.PATH ?? ''}`, HOME: join(dir, 'home'), NO_COLOR: '1' });
    // `npm start` in the checkout: vmgate serve --demo, data in ./data (a faster simulator; free ports).
    server = await spawnServer(join(work, 'data'), ['--demo', '--sim-speed', '20'], { VMGATE_ADMIN_PASSWORD: undefined, VMGATE_DEMO_PASSWORD: undefined, VMGATE_CONFIG_DIR: undefined }, work);
  });
  after(async () => {
    server.child.kill('SIGTERM');
    await server.exited;
    await rm(dir, { recursive: true, force: true });
  });

  it('the block logs in once with --ca; every later line names no server and no certificate', () => {
    assert.ok(commands.length >= 2, commands.join('\n'));
    assert.match(commands[0]!, /^vmgate login --server https:\/\/localhost:8443 --ca data\/tls\/server\.crt\b/);
    for (const c of commands.slice(1)) assert.doesNotMatch(c, /--server|--ca\b|--insecure|--fingerprint/, c);
    for (const c of commands) assert.ok(Object.hasOwn(EXPECT, c), `no expectation for the README line ${JSON.stringify(c)}: add one to EXPECT`);
    assert.match(server.stdout(), /First start: user 'administrator' was created with password/);
  });

  it('every line exits 0 and prints what it should', async () => {
    for (const readmeLine of commands) {
      const line = readmeLine.replace('https://localhost:8443', `https://localhost:${server.ports.https}`);
      const r = spawnSync('/bin/sh', ['-c', line], { cwd: work, env, encoding: 'utf8', timeout: 120_000 });
      assert.equal(r.status, 0, `${readmeLine}\nexit ${r.status}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
      EXPECT[readmeLine]!(r.stdout, r.stderr);
    }
    // Trust and the default server were stored under the test's HOME, not the real one.
    const known = JSON.parse(await readFile(join(dir, 'home', '.config', 'vmgate', 'servers.json'), 'utf8')) as { default: string };
    assert.equal(known.default, `https://localhost:${server.ports.https}`);
    assert.equal((await stat(join(dir, 'home', '.config', 'vmgate', 'servers.json'))).mode & 0o777, 0o600);
  });
});

/**
 * The published package, as a user gets it: `npm pack` on a copy of this checkout (its
 * `prepare` builds dist/), the tarball installed into a temporary plain-JavaScript project,
 * and `vmgate/vapi` imported there by plain `node`, with no TypeScript loader.
 *
 * The install is offline: the project gets a lockfile made of this repository's own
 * (production entries only), so npm takes every tarball from its cache, which `npm ci`
 * filled. `--ignore-scripts`: better-sqlite3 is not compiled, and the client must not
 * need it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_PASSWORD, startTestServer } from '../support/test-server.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; license: string; dependencies: Record<string, string>; bin: Record<string, string>; engines: Record<string, string> };
const LOCK = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };

/** Top-level entries of the checkout that are not sources (installed, built, local state). */
const NOT_COPIED = new Set(['node_modules', 'dist', '.git', 'data', '.cache', 'tmp']);

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command asynchronously (a test server in this process must keep answering). */
function run(cmd: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') reject(err);
      else resolve({ code: typeof err?.code === 'number' ? err.code : 0, stdout, stderr });
    });
  });
}

function ok(r: Run, what: string): Run {
  assert.equal(r.code, 0, `${what} failed (${r.code})\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

let tmp = '';
let app = '';
let packedFiles: string[] = [];

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'vmgate-pack-'));
  // Pack a copy, so the build that `npm pack` runs (prepare) never rewrites this checkout's
  // dist/ under other tests.
  const src = join(tmp, 'checkout');
  cpSync(ROOT, src, { recursive: true, filter: (from) => !NOT_COPIED.has(from.slice(ROOT.length).split('/')[0]!) });
  symlinkSync(join(ROOT, 'node_modules'), join(src, 'node_modules'));
  const pack = ok(await run('npm', ['pack', '--json', '--pack-destination', tmp], src), 'npm pack');
  const [info] = JSON.parse(pack.stdout) as { filename: string; integrity: string; files: { path: string }[] }[];
  assert.ok(info);
  packedFiles = info.files.map((f) => f.path).sort();

  app = join(tmp, 'app');
  mkdirSync(app);
  const spec = `file:../${info.filename}`;
  const packages: Record<string, unknown> = {
    '': { name: 'pack-check', dependencies: { vmgate: spec } },
    'node_modules/vmgate': { version: PKG.version, resolved: spec, integrity: info.integrity, license: PKG.license, dependencies: PKG.dependencies, bin: PKG.bin, engines: PKG.engines },
  };
  for (const [path, entry] of Object.entries(LOCK.packages)) if (path !== '' && !entry.dev) packages[path] = entry;
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'pack-check', private: true, type: 'module', dependencies: { vmgate: spec } }));
  writeFileSync(join(app, 'package-lock.json'), JSON.stringify({ name: 'pack-check', lockfileVersion: 3, requires: true, packages }));
  ok(await run('npm', ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], app), 'npm ci of the tarball (offline: run `npm ci` in the checkout first)');
});

after(() => {
  if (tmp !== '') rmSync(tmp, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('holds the build, the command, the README and package.json, and no sources or tests', () => {
    for (const f of ['package.json', 'README.md', 'bin/vmgate.mjs', 'dist/cli/main.js', 'dist/clients/vapi/index.js', 'dist/clients/vapi/index.d.ts', 'dist/protocols/vapi/types/index.js', 'dist/clients/vix/index.js', 'dist/clients/vix/index.d.ts', 'dist/clients/vix/io-worker.js', 'dist/web/index.html']) {
      assert.ok(packedFiles.includes(f), `${f} is packed`);
    }
    // dist/web: the web dashboard's built files (index.html, hashed scripts, styles, fonts), served by the web face.
    const stray = packedFiles.filter((f) => !/^(dist\/.*\.(js|d\.ts)|dist\/web\/(index\.html|assets\/[^/]+)|bin\/[^/]+\.mjs|package\.json|README\.md|LICENSE[^/]*)$/.test(f));
    assert.deepEqual(stray, []);
    assert.equal(packedFiles.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).length, 0);
  });

  it('installs without tsx: the TypeScript loader is only a development dependency', () => {
    assert.ok(existsSync(join(app, 'node_modules/vmgate/dist/clients/vapi/index.js')));
    assert.ok(existsSync(join(app, 'node_modules/fastify/package.json')), 'the runtime dependencies are installed');
    assert.equal(existsSync(join(app, 'node_modules/tsx')), false);
    assert.equal(existsSync(join(app, 'node_modules/typescript')), false);
  });

  it('runs the installed `vmgate` command from dist', async () => {
    const bin = join(app, 'node_modules/.bin/vmgate');
    const version = ok(await run(process.execPath, [bin, '--version'], app), 'vmgate --version');
    assert.equal(version.stdout, `${PKG.version}\n`);
    assert.equal(version.stderr, '');
    const help = ok(await run(process.execPath, [bin, 'vm', 'list', '--help'], app), 'vmgate vm list --help');
    assert.match(help.stdout, /^Usage: vmgate vm list \[options\]\n/);
    assert.equal(help.stderr, '');
  });

  it('lets plain node import vmgate/vapi and talk to a live vmgate with it, loading only its own modules', async () => {
    // A resolve hook (Node's module customization) writes every module URL the program
    // loads, so the test sees the client's whole import graph.
    writeFileSync(join(app, 'hooks.mjs'), "import { appendFileSync } from 'node:fs';\nexport async function resolve(spec, ctx, next) {\n  const r = await next(spec, ctx);\n  appendFileSync(process.env.RESOLVED_LOG, r.url + '\\n');\n  return r;\n}\n");
    writeFileSync(join(app, 'register.mjs'), "import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n");
    writeFileSync(
      join(app, 'client.mjs'),
      [
        "import { VapiClient, VapiError } from 'vmgate/vapi';",
        'const opts = { server: process.env.SERVER, ca: process.env.CA };',
        "let refused = 'no error';",
        "try { await new VapiClient(opts).login('administrator', 'wrong-password'); } catch (e) { refused = e instanceof VapiError ? e.errorType : String(e); }",
        'const c = new VapiClient(opts);',
        "await c.login('administrator', process.env.PASSWORD);",
        "const names = (await c.vm.list({ names: ['DC0_C0_H1_VM2', 'Desktop-3', 'no-such-vm'] })).map((v) => v.name).sort();",
        'await c.logout();',
        'console.log(JSON.stringify({ refused, names }));',
      ].join('\n'),
    );
    const server = await startTestServer();
    try {
      const log = join(app, 'resolved.log');
      const r = ok(await run(process.execPath, ['--import', './register.mjs', 'client.mjs'], app, { SERVER: server.baseUrl, CA: server.ca, PASSWORD: ADMIN_PASSWORD, RESOLVED_LOG: log }), 'the plain-JS client');
      assert.deepEqual(JSON.parse(r.stdout), {
        refused: 'UNAUTHENTICATED',
        names: ['DC0_C0_H1_VM2', 'Desktop-3'],
      });
      const urls = [...new Set(readFileSync(log, 'utf8').trim().split('\n'))];
      const own = `file://${join(app, 'node_modules/vmgate/dist/')}`;
      const foreign = urls.filter((u) => !u.startsWith('node:') && !u.startsWith(own) && !u.startsWith(`file://${join(app, 'client.mjs')}`));
      assert.deepEqual(foreign, [], 'no other package (fastify, better-sqlite3, …) is loaded');
      assert.ok(urls.includes(`${own}clients/vapi/index.js`));
    } finally {
      await server.close();
    }
  });

  it('lets plain node use vmgate/vix: its I/O worker starts from dist, a blocking VixJob_Wait connects', async () => {
    writeFileSync(
      join(app, 'vix.mjs'),
      [
        "import * as V from 'vmgate/vix';",
        'const port = Number(process.env.AUTHD_PORT);',
        "let job = V.VixHost_Connect(V.VIX_API_VERSION, V.VIX_SERVICEPROVIDER_VMWARE_SERVER, '127.0.0.1', port, 'administrator', 'wrong-password', 0, V.VIX_INVALID_HANDLE, null, null);",
        'const [bad] = V.VixJob_Wait(job, V.VIX_PROPERTY_NONE);',
        'V.Vix_ReleaseHandle(job);',
        "job = V.VixHost_Connect(V.VIX_API_VERSION, V.VIX_SERVICEPROVIDER_VMWARE_SERVER, '127.0.0.1', port, 'administrator', process.env.PASSWORD, 0, V.VIX_INVALID_HANDLE, null, null);",
        'const [err, host] = V.VixJob_Wait(job, V.VIX_PROPERTY_JOB_RESULT_HANDLE, V.VIX_PROPERTY_NONE);',
        'V.Vix_ReleaseHandle(job);',
        'console.log(JSON.stringify({ bad, badText: V.Vix_GetErrorText(bad, null), err, type: V.Vix_GetHandleType(host) }));',
        'V.VixHost_Disconnect(host);',
      ].join('\n'),
    );
    const server = await startTestServer();
    writeFileSync(join(app, 'ca.pem'), server.ca);
    try {
      const r = ok(await run(process.execPath, ['vix.mjs'], app, { AUTHD_PORT: String(server.server.ports.authd), VMGATE_CA: join(app, 'ca.pem'), PASSWORD: ADMIN_PASSWORD }), 'the plain-JS VIX program');
      assert.deepEqual(JSON.parse(r.stdout), { bad: 35, badText: 'Authentication failed: the host refused the user name or password', err: 0, type: 2 });
    } finally {
      await server.close();
    }
  });

  it('gives a strict TypeScript consumer the client types', async () => {
    writeFileSync(
      join(app, 'typed.ts'),
      [
        "import { VapiClient, VapiError } from 'vmgate/vapi';",
        "import type { VMSummary } from 'vmgate/vapi';",
        "const c = new VapiClient({ server: 'https://127.0.0.1:8443', insecure: true });",
        'export async function names(): Promise<string[]> {',
        '  const vms: readonly VMSummary[] = await c.vm.list();',
        '  return vms.map((v) => v.name);',
        '}',
        'export const isApiError = (e: unknown): boolean => e instanceof VapiError;',
        '// @ts-expect-error: the types are real, a field that does not exist is an error',
        'export const wrong = (v: VMSummary): number => v.no_such_field;',
      ].join('\n'),
    );
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const args = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--typeRoots', join(ROOT, 'node_modules/@types'), '--types', 'node', 'typed.ts'];
    ok(await run(process.execPath, [tsc, ...args], app), 'tsc on the consumer');
  });
});

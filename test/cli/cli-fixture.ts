/**
 * Runs the real `vmgate` CLI as a child process against a test server in this process:
 * its own config directory (VMGATE_CONFIG_DIR) and the server's certificate in a file
 * for `--ca`. The child must be spawned asynchronously: the server answers from this
 * process's event loop.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_PASSWORD, startTestServer } from '../support/test-server.ts';
import type { TestServer } from '../support/test-server.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const BIN = join(ROOT, 'bin/vmgate.mjs');

export { ADMIN_PASSWORD };

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  /** Added to (or, when undefined, removed from) the child's environment. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Written to the child's stdin (otherwise stdin is empty). */
  readonly input?: string | Buffer;
  /** Do not add --server / --ca. */
  readonly bare?: boolean;
  readonly timeoutMs?: number;
}

/** The parent's environment without any VMGATE_* variable, so a developer's setup cannot leak in. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('VMGATE_') && k !== 'NODE_OPTIONS') env[k] = v;
  env.NO_COLOR = '1';
  return env;
}

/** Runs `vmgate <args>`; resolves with the exit code and both outputs. */
export function runVmgate(args: readonly string[], opts: RunOptions & { configDir: string }): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...cleanEnv(), VMGATE_CONFIG_DIR: opts.configDir };
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`vmgate ${args.join(' ')} did not finish in time\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

export interface CliFixture {
  readonly server: TestServer;
  readonly configDir: string;
  readonly caFile: string;
  /** `vmgate <args> --server <url> --ca <file>` (the flags go before a `--`). */
  run(args: readonly string[], opts?: RunOptions): Promise<CliResult>;
  /** Runs and fails the test with both outputs unless the exit code is `code`. */
  ok(args: readonly string[], opts?: RunOptions & { code?: number }): Promise<CliResult>;
  close(): Promise<void>;
}

/**
 * A test server (the demo on the simulator unless `serve` says otherwise), a config
 * directory and a CA file; logged in as administrator unless `login` is false.
 */
export async function cliFixture(options: { login?: boolean; serve?: Parameters<typeof startTestServer>[0] } = {}): Promise<CliFixture> {
  const server = await startTestServer(options.serve);
  const dir = await mkdtemp(join(tmpdir(), 'vmgate-cli-'));
  const configDir = join(dir, 'config');
  const caFile = join(dir, 'server.crt');
  await writeFile(caFile, server.ca);
  const run = (args: readonly string[], opts: RunOptions = {}): Promise<CliResult> => {
    let full = [...args];
    if (!opts.bare) {
      const flags = ['--server', server.baseUrl, '--ca', caFile];
      const dd = full.indexOf('--');
      full = dd < 0 ? [...full, ...flags] : [...full.slice(0, dd), ...flags, ...full.slice(dd)];
    }
    return runVmgate(full, { ...opts, configDir });
  };
  const fixture: CliFixture = {
    server,
    configDir,
    caFile,
    run,
    async ok(args, opts = {}) {
      const r = await run(args, opts);
      const want = opts.code ?? 0;
      if (r.code !== want) throw new Error(`vmgate ${args.join(' ')} exited ${r.code}, expected ${want}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
      return r;
    },
    async close() {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  if (options.login !== false) await fixture.ok(['login'], { env: { VMGATE_PASSWORD: ADMIN_PASSWORD } });
  return fixture;
}

/**
 * The rows of a table the CLI printed, as header → cell. Cells are separated by two or
 * more spaces (cells never hold runs of spaces in these tests; empty cells print '-').
 */
export function parseTable(text: string): Record<string, string>[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) return [];
  const split = (l: string) => l.trim().split(/ {2,}/);
  const names = split(lines[0]!);
  return lines.slice(1).map((l) => {
    const cells = split(l);
    if (cells.length !== names.length) throw new Error(`table row has ${cells.length} cells, the header ${names.length}: ${JSON.stringify(l)}`);
    return Object.fromEntries(names.map((n, i) => [n, cells[i]!]));
  });
}

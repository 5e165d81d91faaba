import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

const ROOT = new URL('../../', import.meta.url).pathname;

export interface SpawnedServer {
  readonly child: ChildProcess;
  readonly ports: { https: number; http: number | null; authd: number | null };
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or signal name). */
  readonly exited: Promise<number | string>;
}

/** Runs `vmgate serve` as a real child process (in `cwd`, default the checkout) and waits until it listens. */
export async function spawnServer(dataDir: string, args: string[] = [], env: NodeJS.ProcessEnv = {}, cwd: string = ROOT): Promise<SpawnedServer> {
  const child = spawn(process.execPath, [join(ROOT, 'bin/vmgate.mjs'), 'serve', '--data-dir', dataDir, '--https-port', '0', '--authd-port', '0', '--host', '127.0.0.1', ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | string>((res) => child.on('exit', (code, sig) => res(code ?? sig ?? -1)));
  const deadline = Date.now() + 60_000;
  while (!out.includes('Ctrl-C stops vmgate')) {
    if (child.exitCode !== null) throw new Error(`vmgate exited early (${child.exitCode}): ${err}${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`vmgate did not start in time: ${err}${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const run = JSON.parse(await readFile(join(dataDir, 'vmgate.run.json'), 'utf8')) as { ports: SpawnedServer['ports'] };
  return { child, ports: run.ports, stdout: () => out, stderr: () => err, exited };
}

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SYSTEM_CALLER } from '../../src/core/index.ts';
import { resolveServeConfig } from '../../src/server/config.ts';
import { startServer } from '../../src/server/serve.ts';

describe('crash recovery', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vmgate-crash-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('kill -9 mid-task: on restart the task is failed with a reason, the VM state is true, nothing created is lost', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', new URL('./fixtures/crash-child.ts', import.meta.url).pathname, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const deadline = Date.now() + 60_000;
    while (!out.includes('\n')) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`child failed: ${err}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const { vm, task } = JSON.parse(out.trim()) as { vm: string; task: string };
    const exited = new Promise((r) => child.on('exit', r));
    child.kill('SIGKILL');
    await exited;

    const server = await startServer(resolveServeConfig({ dataDir: dir, httpsPort: 0, authdPort: 0, host: '127.0.0.1', simSpeed: 100 }, {}));
    try {
      const t = await server.core.tasks.get(SYSTEM_CALLER, task);
      assert.equal(t.state, 'error');
      assert.equal(t.error?.kind, 'internal');
      assert.match(t.error?.message ?? '', /vmgate stopped while this task was running/);
      assert.ok(t.finishedAt);
      const v = await server.core.vms.get(SYSTEM_CALLER, vm);
      assert.equal(v.name, 'crashy');
      assert.equal(v.powerState, 'poweredOff', 'a power-on that never finished leaves the VM off');
      const events = await server.core.events.list(SYSTEM_CALLER, vm, 10);
      assert.ok(events.some((e) => e.type === 'task.interrupted'));
      // And the VM works.
      await server.core.tasks.result(SYSTEM_CALLER, await server.core.power.run(SYSTEM_CALLER, vm, 'powerOn'));
      assert.equal((await server.core.vms.get(SYSTEM_CALLER, vm)).powerState, 'poweredOn');
    } finally {
      await server.close(1000);
    }
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cliFixture, parseTable, type CliFixture } from './cli-fixture.ts';

interface VmSummary {
  vm: string;
  name: string;
  power_state: string;
  cpu_count?: number;
  memory_size_MiB?: number;
}

describe('vmgate vm …', () => {
  let f: CliFixture;
  let vms: VmSummary[];
  const byName = (n: string) => vms.find((v) => v.name === n)!;

  before(async () => {
    f = await cliFixture();
    vms = JSON.parse((await f.ok(['vm', 'list', '--json'])).stdout) as VmSummary[];
  });
  after(async () => f.close());

  it('vm list prints an aligned table of every VM', async () => {
    const r = await f.ok(['vm', 'list']);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^VM\s+NAME\s+POWER\s+CPUS\s+MEMORY$/);
    const nameAt = lines[0]!.indexOf('NAME');
    for (const l of lines.slice(1)) {
      assert.equal(l[nameAt - 1], ' ', `a space before the NAME column in ${JSON.stringify(l)}`);
      assert.match(l.slice(nameAt), /^\S/, `the NAME column starts at the header in ${JSON.stringify(l)}`);
    }
    const rows = parseTable(r.stdout);
    assert.equal(rows.length, vms.length);
    const first = rows.find((x) => x.VM === 'vm-1')!;
    assert.equal(first.NAME, vms.find((v) => v.vm === 'vm-1')!.name);
    assert.match(first.MEMORY!, /^\d+ MiB$/);
    assert.ok(rows.every((x) => ['on', 'off', 'suspended'].includes(x.POWER!)));
  });

  it('vm list --json prints the raw summaries; filters by power state, host and name', async () => {
    assert.ok(vms.length >= 9);
    assert.ok(vms.every((v) => /^vm-\d+$/.test(v.vm) && typeof v.name === 'string' && /^POWERED_|SUSPENDED/.test(v.power_state)));
    const off = JSON.parse((await f.ok(['vm', 'list', '--power-state', 'off', '--json'])).stdout) as VmSummary[];
    assert.ok(off.length > 0 && off.every((v) => v.power_state === 'POWERED_OFF'));
    const hosts = JSON.parse((await f.ok(['host', 'list', '--json'])).stdout) as { host: string; name: string }[];
    const onHost = JSON.parse((await f.ok(['vm', 'list', '--host', hosts[0]!.name, '--json'])).stdout) as VmSummary[];
    const onHostById = JSON.parse((await f.ok(['vm', 'list', '--host', hosts[0]!.host, '--json', '--flavour', 'jsonrpc'])).stdout) as VmSummary[];
    assert.ok(onHost.length > 0 && onHost.length < vms.length);
    assert.deepEqual(onHostById, onHost);
    const named = JSON.parse((await f.ok(['vm', 'list', '--name', vms[0]!.name, '--json'])).stdout) as VmSummary[];
    assert.deepEqual(named.map((v) => v.vm), [vms[0]!.vm]);
  });

  it('vm get shows one VM by id or by name', async () => {
    const v = vms[1]!;
    const r = await f.ok(['vm', 'get', v.name]);
    assert.match(r.stdout, new RegExp(`^VM:\\s+${v.vm}\\n`));
    assert.match(r.stdout, new RegExp(`\\nName:\\s+${v.name}\\n`));
    assert.match(r.stdout, /\nMemory:\s+\d+ MiB\n/);
    const j = JSON.parse((await f.ok(['vm', 'get', v.vm, '--json'])).stdout) as { vm: string; name: string; cpu: { count: number } };
    assert.equal(j.vm, v.vm);
    assert.equal(j.name, v.name);
    assert.equal(j.cpu.count, v.cpu_count);
  });

  it('an unknown VM exits 1 with NOT_FOUND, by id and by name', async () => {
    const byId = await f.run(['vm', 'get', 'vm-9999']);
    assert.equal(byId.code, 1);
    assert.match(byId.stderr, /^vmgate: NOT_FOUND: .*vm-9999/);
    const byName = await f.run(['vm', 'power', 'on', 'no-such-vm']);
    assert.equal(byName.code, 1);
    assert.match(byName.stderr, /^vmgate: NOT_FOUND: no VM is named 'no-such-vm'\n$/);
  });

  it('vm power off / on change the state; doing it again exits 1 (already in that state)', async () => {
    const v = vms.find((x) => x.power_state === 'POWERED_ON' && !x.name.startsWith('Desktop'))!;
    const off = await f.ok(['vm', 'power', 'off', v.name]);
    assert.deepEqual(parseTable(off.stdout), [{ VM: v.vm, NAME: v.name, POWER: 'off' }]);
    const again = await f.run(['vm', 'power', 'off', v.vm]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^vmgate: ALREADY_IN_DESIRED_STATE: /);
    const on = await f.ok(['vm', 'power', 'on', v.vm, '--json', '--flavour', 'jsonrpc']);
    assert.deepEqual(JSON.parse(on.stdout), [{ vm: v.vm, name: v.name, operation: 'start', ok: true, power_state: 'on' }]);
    const state = JSON.parse((await f.ok(['vm', 'get', v.vm, '--json'])).stdout) as { power_state: string };
    assert.equal(state.power_state, 'POWERED_ON');
  });

  it('vm power on several VMs: each gets its result; one failure makes the exit code 1', async () => {
    const offs = vms.filter((x) => x.power_state === 'POWERED_OFF' && /^DC0_/.test(x.name)).slice(0, 2);
    assert.equal(offs.length, 2);
    const r = await f.run(['vm', 'power', 'on', offs[0]!.vm, 'vm-9999', offs[1]!.name]);
    assert.equal(r.code, 1);
    const rows = parseTable(r.stdout);
    assert.deepEqual(
      rows.map((x) => [x.VM, x.POWER]),
      [
        [offs[0]!.vm, 'on'],
        ['vm-9999', 'error: NOT_FOUND'],
        [offs[1]!.vm, 'on'],
      ],
    );
    assert.match(r.stderr, /^vmgate: NOT_FOUND: .*vm-9999.*\n$/);
    const suspended = await f.ok(['vm', 'power', 'suspend', offs[0]!.vm, offs[1]!.vm]);
    assert.deepEqual(parseTable(suspended.stdout).map((x) => x.POWER), ['suspended', 'suspended']);
    const reset = await f.run(['vm', 'power', 'reset', offs[0]!.vm]);
    assert.equal(reset.code, 1, 'a suspended VM cannot be reset');
    await f.ok(['vm', 'power', 'on', offs[0]!.vm, offs[1]!.vm]);
    await f.ok(['vm', 'power', 'reset', offs[0]!.vm]);
  });

  it('vm create, clone (a task), relocate (a task) and delete', async () => {
    const hosts = JSON.parse((await f.ok(['host', 'list', '--json'])).stdout) as { host: string; name: string }[];
    const created = await f.ok(['vm', 'create', 'cli-made', '--cpus', '2', '--memory', '768', '--disk', '64', '--host', hosts[0]!.name]);
    const id = /^created (vm-\d+) \(cli-made\)$/m.exec(created.stdout)![1]!;
    const info = JSON.parse((await f.ok(['vm', 'get', 'cli-made', '--json'])).stdout) as { vm: string; cpu: { count: number }; memory: { size_MiB: number }; power_state: string };
    assert.deepEqual([info.vm, info.cpu.count, info.memory.size_MiB, info.power_state], [id, 2, 768, 'POWERED_OFF']);
    const clone = await f.ok(['vm', 'clone', 'cli-made', 'cli-clone', '--json']);
    const cloned = JSON.parse(clone.stdout) as { vm: string; task: string };
    assert.match(cloned.vm, /^vm-\d+$/);
    assert.notEqual(cloned.vm, id);
    const relocated = await f.ok(['vm', 'relocate', cloned.vm, '--host', hosts[1]!.host]);
    assert.match(relocated.stdout, new RegExp(`^relocated ${cloned.vm} \\(task [0-9a-f-]+\\)$`, 'm'));
    const onNewHost = JSON.parse((await f.ok(['vm', 'list', '--host', hosts[1]!.host, '--json'])).stdout) as VmSummary[];
    assert.ok(onNewHost.some((v) => v.vm === cloned.vm));
    await f.ok(['vm', 'delete', cloned.vm]);
    const gone = await f.run(['vm', 'get', cloned.vm]);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /NOT_FOUND/);
    const lib = await f.ok(['vm', 'create', 'cli-library', '--library', '--json']);
    const libId = JSON.parse(lib.stdout) as string;
    const placed = JSON.parse((await f.ok(['vm', 'list', ...hosts.flatMap((h) => ['--host', h.host]), '--json'])).stdout) as VmSummary[];
    assert.ok(!placed.some((v) => v.vm === libId), 'a library VM is on no host');
  });

  it('a name two VMs share is an error listing their ids', async () => {
    const a = JSON.parse((await f.ok(['vm', 'create', 'twin', '--json'])).stdout) as string;
    const b = JSON.parse((await f.ok(['vm', 'create', 'twin', '--json'])).stdout) as string;
    const r = await f.run(['vm', 'get', 'twin']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `vmgate: INVALID_ARGUMENT: 2 VMs are named 'twin': ${a}, ${b}; name one by its id\n`);
  });

  it('vm snapshot create / list / revert / delete', async () => {
    const v = byName(vms.find((x) => x.power_state === 'POWERED_OFF' && x.name.startsWith('DC0_'))!.name);
    const one = await f.ok(['vm', 'snapshot', 'create', v.name, 'base', '--description', 'before changes']);
    assert.match(one.stdout, /^created snapshot-\d+ of vm-\d+$/m);
    const two = JSON.parse((await f.ok(['vm', 'snapshot', 'create', v.vm, 'next', '--json'])).stdout) as { snapshot: string };
    const rows = parseTable((await f.ok(['vm', 'snapshot', 'list', v.vm])).stdout);
    assert.deepEqual(
      rows.map((r) => [r.NAME, r.DESCRIPTION]),
      [
        ['base', 'before changes'],
        ['next *', '-'],
      ],
    );
    await f.ok(['vm', 'snapshot', 'revert', v.vm, 'base']);
    const list = JSON.parse((await f.ok(['vm', 'snapshot', 'list', v.vm, '--json'])).stdout) as { snapshot: string; name: string; current: boolean }[];
    assert.deepEqual(list.map((s) => [s.name, s.current]), [
      ['base', true],
      ['next', false],
    ]);
    await f.ok(['vm', 'snapshot', 'delete', v.vm, two.snapshot]);
    await f.ok(['vm', 'snapshot', 'delete', v.vm, 'base']);
    assert.deepEqual(JSON.parse((await f.ok(['vm', 'snapshot', 'list', v.vm, '--json'])).stdout), []);
    const missing = await f.run(['vm', 'snapshot', 'revert', v.vm, 'nope']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^vmgate: NOT_FOUND: /);
  });
});

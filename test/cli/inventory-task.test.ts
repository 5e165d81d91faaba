import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cliFixture, parseTable, type CliFixture } from './cli-fixture.ts';

describe('vmgate host / datacenter / cluster / datastore / task', () => {
  let f: CliFixture;

  before(async () => {
    f = await cliFixture();
  });
  after(async () => f.close());

  it('host list: a table and --json', async () => {
    const rows = parseTable((await f.ok(['host', 'list'])).stdout);
    assert.ok(rows.length >= 3);
    assert.deepEqual(Object.keys(rows[0]!), ['HOST', 'NAME', 'CONNECTION', 'POWER']);
    assert.ok(rows.every((r) => /^host-\d+$/.test(r.HOST!) && r.CONNECTION === 'connected'));
    const json = JSON.parse((await f.ok(['host', 'list', '--json', '--flavour', 'jsonrpc'])).stdout) as { host: string; name: string; connection_state: string }[];
    assert.deepEqual(
      json.map((h) => [h.host, h.name]),
      rows.map((r) => [r.HOST, r.NAME]),
    );
    assert.ok(json.every((h) => h.connection_state === 'CONNECTED'));
  });

  it('datacenter, cluster and datastore list', async () => {
    const dcs = parseTable((await f.ok(['datacenter', 'list'])).stdout);
    assert.deepEqual(Object.keys(dcs[0]!), ['DATACENTER', 'NAME']);
    assert.match(dcs[0]!.DATACENTER!, /^datacenter-\d+$/);
    const clusters = parseTable((await f.ok(['cluster', 'list'])).stdout);
    assert.deepEqual(Object.keys(clusters[0]!), ['CLUSTER', 'NAME', 'HA', 'DRS']);
    const ds = JSON.parse((await f.ok(['datastore', 'list', '--json'])).stdout) as { datastore: string; name: string; capacity?: number }[];
    assert.ok(ds.length > 0 && ds.every((d) => /^datastore-\d+$/.test(d.datastore)));
    const table = parseTable((await f.ok(['datastore', 'list'])).stdout);
    assert.equal(table.length, ds.length);
    assert.match(table[0]!.CAPACITY!, /^[\d.]+ (B|KiB|MiB|GiB|TiB)$|^-$/);
  });

  it('task list shows the tasks of power operations; --status and --vm filter; --json is the raw map', async () => {
    const vms = JSON.parse((await f.ok(['vm', 'list', '--power-state', 'off', '--json'])).stdout) as { vm: string; name: string }[];
    const v = vms.find((x) => x.name.startsWith('DC0_'))!;
    await f.ok(['vm', 'power', 'on', v.vm]);
    const rows = parseTable((await f.ok(['task', 'list', '--vm', v.vm])).stdout);
    assert.ok(rows.length >= 1);
    const last = rows[rows.length - 1]!;
    assert.deepEqual([last.TARGET, last.STATUS, last.PROGRESS, last.USER], [v.vm, 'succeeded', '100%', 'administrator']);
    assert.equal(last.DESCRIPTION, `Power on a virtual machine: ${v.name}`);
    const map = JSON.parse((await f.ok(['task', 'list', '--status', 'succeeded', '--limit', '0', '--json'])).stdout) as Record<string, { status: string; target?: { id: string } }>;
    assert.ok(Object.keys(map).length >= rows.length);
    assert.ok(Object.values(map).every((t) => t.status === 'SUCCEEDED'));
    assert.ok(Object.values(map).some((t) => t.target?.id === v.vm));
    const limited = JSON.parse((await f.ok(['task', 'list', '--limit', '1', '--json'])).stdout) as Record<string, unknown>;
    assert.equal(Object.keys(limited).length, 1);
    const bad = await f.run(['task', 'list', '--status', 'sleeping']);
    assert.equal(bad.code, 2);
  });

  it('task watch: exit 0 for a task that succeeded, with its description; NOT_FOUND for an unknown id', async () => {
    const vms = JSON.parse((await f.ok(['vm', 'list', '--power-state', 'on', '--json'])).stdout) as { vm: string; name: string }[];
    const v = vms.find((x) => x.name.startsWith('DC0_'))!;
    await f.ok(['vm', 'power', 'off', v.vm]);
    const map = JSON.parse((await f.ok(['task', 'list', '--vm', v.vm, '--json'])).stdout) as Record<string, { operation: string }>;
    const id = Object.entries(map).find(([, t]) => t.operation === 'stop')![0];
    const r = await f.ok(['task', 'watch', id]);
    assert.match(r.stdout, new RegExp(`^task ${id} succeeded`));
    const j = JSON.parse((await f.ok(['task', 'watch', id, '--json'])).stdout) as { task: string; status: string };
    assert.deepEqual([j.task, j.status], [id, 'SUCCEEDED']);
    const unknown = await f.run(['task', 'watch', '00000000-0000-4000-8000-000000000000']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^vmgate: NOT_FOUND: /);
  });

  it('task watch of a failed task exits 1 with its error', async () => {
    const on = JSON.parse((await f.ok(['vm', 'list', '--power-state', 'on', '--json'])).stdout) as { vm: string; name: string }[];
    const v = on.find((x) => x.name.startsWith('DC0_'))!;
    await f.ok(['guest', 'run', v.vm, '--guest-user', 'root', '--', 'true'], { env: { VMGATE_GUEST_PASSWORD: 'wrong' }, code: 3 });
    const failed = JSON.parse((await f.ok(['task', 'list', '--status', 'failed', '--vm', v.vm, '--json'])).stdout) as Record<string, { operation: string }>;
    const [id] = Object.keys(failed);
    assert.ok(id);
    const r = await f.run(['task', 'watch', id!]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(`^vmgate: UNAUTHENTICATED: task ${id}: guest login of user 'root' .*failed`));
    const j = await f.run(['task', 'watch', id!, '--json']);
    assert.equal(j.code, 1);
    assert.equal((JSON.parse(j.stdout) as { status: string }).status, 'FAILED');
    const table = parseTable((await f.ok(['task', 'list', '--status', 'failed'])).stdout);
    assert.equal(table.find((t) => t.TASK === id)?.STATUS, 'failed');
  });

  it('task watch waits for a clone started through the API and exits 0 with its result', async () => {
    // A small VM to clone (copying a demo VM's 2 GiB disk takes long on a busy machine).
    const src = { vm: JSON.parse((await f.ok(['vm', 'create', 'watch-src', '--disk', '8', '--json'])).stdout) as string };
    // Start the clone through the API so the CLI meets the task while it runs.
    const token = (await f.server.request('POST', '/api/session', { headers: { authorization: `Basic ${Buffer.from('administrator:test-admin-password-1').toString('base64')}` } })).body;
    const started = await f.server.request('POST', '/api/vcenter/vm?action=clone&vmw-task=true', {
      headers: { 'vmware-api-session-id': JSON.parse(token) as string, 'content-type': 'application/json' },
      body: JSON.stringify({ source: src.vm, name: 'watched-clone' }),
    });
    assert.equal(started.status, 202);
    const task = JSON.parse(started.body) as string;
    const r = await f.ok(['task', 'watch', task]);
    assert.match(r.stdout, new RegExp(`^task ${task} succeeded .*: "?vm-\\d+"?\\n$`));
  });
});

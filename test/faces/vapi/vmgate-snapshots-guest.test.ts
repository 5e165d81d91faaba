/**
 * com.vmgate.vm.snapshots and com.vmgate.vm.guest.programs over real HTTPS, both flavours,
 * through VapiClient (trusting the server's certificate) plus raw REST for statuses.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { VapiError } from '../../../src/clients/vapi/index.ts';
import type { VapiClient, VapiFlavour, VmGuestCredentials, VmgateSnapshotSummary } from '../../../src/clients/vapi/index.ts';
import { ADMIN_PASSWORD } from '../../support/test-server.ts';
import { rejectsWith, useVapiServer } from '../../support/vapi-kit.ts';

const ROOT: VmGuestCredentials = { interactive_session: false, type: 'USERNAME_PASSWORD', user_name: 'root', password: 'vmware' };

const kit = useVapiServer();
const { client, rest } = kit;

/** A demo VM by name, once its tools run (guest operations need them). */
async function runningVm(name: string): Promise<string> {
  const store = kit.s.server.core.ctx.store;
  for (let i = 0; i < 200; i++) {
    const vm = await store.vms.getByName(name);
    assert.ok(vm, name);
    if (vm.powerState === 'poweredOn' && vm.toolsState === 'running') return vm.id;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${name} never got running tools`);
}

const VMS: Readonly<Record<VapiFlavour, string>> = { jsonrpc: 'DC0_C0_H0_VM0', rest: 'DC0_C0_H0_VM2' };

for (const flavour of ['jsonrpc', 'rest'] as const) {
  describe(`vmgate snapshots and guest programs (${flavour})`, () => {
    let c: VapiClient;
    let vm: string;
    before(async () => {
      c = client(flavour);
      await c.login('administrator@vsphere.local', ADMIN_PASSWORD);
      vm = await runningVm(VMS[flavour]);
    });
    after(() => c.close());

    const sh = (script: string) => c.vmgate.guest.run(vm, ROOT, { path: '/bin/sh', arguments: ['-c', script] });
    const marker = async () => (await sh('cat /root/marker')).stdout;
    const byName = (list: readonly VmgateSnapshotSummary[], name: string) => {
      const x = list.find((e) => e.name === name);
      assert.ok(x, `snapshot ${name} in ${JSON.stringify(list.map((e) => e.name))}`);
      return x;
    };

    it('guest run: output, exit code, stdin, environment, working directory', async () => {
      const r = await c.vmgate.guest.run(vm, ROOT, { path: '/bin/sh', arguments: ['-c', 'echo out; echo err >&2; exit 3'] });
      assert.equal(r.stdout, 'out\n');
      assert.equal(r.stderr, 'err\n');
      assert.equal(r.exit_code, 3);
      assert.ok(r.pid > 0);
      assert.ok(Date.parse(r.finished) >= Date.parse(r.started));
      assert.equal((await c.vmgate.guest.run(vm, ROOT, { path: '/bin/cat', input: 'fed through stdin' })).stdout, 'fed through stdin');
      const env = await c.vmgate.guest.run(vm, ROOT, { path: '/bin/sh', arguments: ['-c', 'echo $GREETING; pwd'], environment_variables: { GREETING: 'hello' }, working_directory: '/tmp' });
      assert.equal(env.stdout, 'hello\n/tmp\n');
      assert.equal((await c.vmgate.guest.run(vm, ROOT, { path: '/bin/false' })).exit_code, 1);
    });

    it('guest run: a wrong guest password is unauthenticated; unknown VM not_found; bad spec invalid_argument', async () => {
      await rejectsWith(c.vmgate.guest.run(vm, { ...ROOT, password: 'wrong-password' }, { path: '/bin/true' }), 'UNAUTHENTICATED');
      await rejectsWith(c.vmgate.guest.run('vm-9999', ROOT, { path: '/bin/true' }), 'NOT_FOUND');
      await rejectsWith(c.vmgate.guest.run(vm, ROOT, { path: '' }), 'INVALID_ARGUMENT');
      await rejectsWith(c.vmgate.guest.run(vm, ROOT, { path: '/bin/true', timeout_seconds: 0 }), 'INVALID_ARGUMENT');
      await rejectsWith(c.vmgate.guest.run(vm, { ...ROOT, type: 'SAML_BEARER_TOKEN' }, { path: '/bin/true' }), 'UNSUPPORTED');
    });

    it('guest run: timeout_seconds kills the program and answers timed_out', async () => {
      // Ordering, not a duration: the answer comes before a 20 s timer armed with the call
      // (sleep 30 would end after it).
      const order: string[] = [];
      let timer: NodeJS.Timeout | undefined;
      const twenty = new Promise<void>((r) => {
        timer = setTimeout(() => r(void order.push('20 s timer')), 20_000);
      });
      await rejectsWith(c.vmgate.guest.run(vm, ROOT, { path: '/bin/sleep', arguments: ['30'], timeout_seconds: 1 }), 'TIMED_OUT', /did not end within/);
      order.push('timed_out');
      clearTimeout(timer);
      void twenty;
      assert.deepEqual(order, ['timed_out']);
    });

    it('guest run$task: the task id at once, the result through cis.tasks', async () => {
      const taskId = await c.vmgate.guest.run(vm, ROOT, { path: '/bin/echo', arguments: ['via', 'task'] }, { task: true });
      const info = await c.tasks.wait(taskId, undefined, { intervalMs: 50, timeoutMs: 10_000 });
      assert.equal(info.service, 'com.vmgate.vm.guest.programs');
      assert.equal(info.operation, 'run');
      const result = JSON.parse(String(info.result)) as { exitCode: number; stdout: string };
      assert.equal(result.exitCode, 0);
      assert.equal(result.stdout, 'via task\n');
    });

    it('guest run$task with a wrong password: the task fails with unauthenticated', async () => {
      const failing = await c.vmgate.guest.run(vm, { ...ROOT, password: 'nope-nope' }, { path: '/bin/true' }, { task: true });
      await assert.rejects(c.tasks.wait(failing, undefined, { intervalMs: 50, timeoutMs: 10_000 }), (e: unknown) => e instanceof VapiError && e.errorType === 'UNAUTHENTICATED');
    });

    it('snapshot with memory, change a file, revert: the file is back and the VM runs', async () => {
      await sh('echo before > /root/marker');
      const s1 = await c.vmgate.snapshots.create(vm, { name: 'base', description: 'before the change', memory: true });
      assert.match(s1, /^snapshot-\d+$/);
      const got = await c.vmgate.snapshots.get(vm, s1);
      assert.deepEqual({ ...got, created: 'x' }, { snapshot: s1, name: 'base', description: 'before the change', children: [], include_memory: true, power_state: 'POWERED_ON', created: 'x', current: true });
      assert.deepEqual(await c.vmgate.snapshots.get(vm, 'base'), got, 'by name too');
      await sh('echo after > /root/marker');
      assert.equal(await marker(), 'after\n');
      assert.equal(await c.vmgate.snapshots.revert(vm, s1), undefined);
      assert.equal((await kit.s.server.core.ctx.store.vms.get(vm))!.powerState, 'poweredOn');
      await runningVm(VMS[flavour]);
      assert.equal(await marker(), 'before\n');
    });

    it('the tree: children, current, delete without and with children', async () => {
      const base = (await c.vmgate.snapshots.get(vm, 'base')).snapshot;
      const a = await c.vmgate.snapshots.create(vm, { name: 'a' });
      await c.vmgate.snapshots.revert(vm, base);
      await runningVm(VMS[flavour]);
      const b = await c.vmgate.snapshots.create(vm, { name: 'b' });
      const b1 = await c.vmgate.snapshots.create(vm, { name: 'b1' });
      let list = await c.vmgate.snapshots.list(vm);
      assert.deepEqual(byName(list, 'base').children, [a, b]);
      assert.equal(byName(list, 'a').parent, base);
      assert.deepEqual(byName(list, 'b').children, [b1]);
      assert.deepEqual(list.filter((x) => x.current).map((x) => x.name), ['b1']);
      assert.equal(byName(list, 'base').parent, undefined);
      assert.equal((await c.vmgate.snapshots.get(vm, 'base/b/b1')).snapshot, b1, 'a path of names');

      // Without children: b goes, b1 moves up to base.
      await c.vmgate.snapshots.delete(vm, b);
      list = await c.vmgate.snapshots.list(vm);
      assert.deepEqual(list.map((x) => x.name).sort(), ['a', 'b1', 'base']);
      assert.equal(byName(list, 'b1').parent, base);
      assert.deepEqual(byName(list, 'base').children, [a, b1]);
      await rejectsWith(c.vmgate.snapshots.get(vm, b), 'NOT_FOUND');

      // With children: base and everything under it.
      await c.vmgate.snapshots.delete(vm, base, true);
      assert.deepEqual(await c.vmgate.snapshots.list(vm), []);
    });

    it('errors: unknown VM or snapshot, bad names, ambiguous names', async () => {
      await rejectsWith(c.vmgate.snapshots.list('vm-9999'), 'NOT_FOUND');
      await rejectsWith(c.vmgate.snapshots.get(vm, 'snapshot-99999'), 'NOT_FOUND');
      await rejectsWith(c.vmgate.snapshots.revert(vm, 'no-such-snapshot'), 'NOT_FOUND');
      await rejectsWith(c.vmgate.snapshots.create(vm, { name: 'a/b' }), 'INVALID_ARGUMENT');
      await rejectsWith(c.vmgate.snapshots.create(vm, { name: '' }), 'INVALID_ARGUMENT');
      const x1 = await c.vmgate.snapshots.create(vm, { name: 'twin' });
      await c.vmgate.snapshots.create(vm, { name: 'twin' });
      await rejectsWith(c.vmgate.snapshots.get(vm, 'twin'), 'INVALID_ARGUMENT', /not unique/);
      await c.vmgate.snapshots.delete(vm, x1, true);
      assert.deepEqual(await c.vmgate.snapshots.list(vm), []);
    });

    it('$task variants: create, revert and delete return task ids; cis.tasks shows them', async () => {
      const t1 = await c.vmgate.snapshots.create(vm, { name: 'tasked', memory: true }, { task: true });
      const i1 = await c.tasks.wait(t1, undefined, { intervalMs: 50, timeoutMs: 10_000 });
      assert.equal(i1.service, 'com.vmgate.vm.snapshots');
      assert.equal(i1.operation, 'create');
      const snap = String(i1.result);
      assert.equal((await c.vmgate.snapshots.get(vm, snap)).name, 'tasked');
      const t2 = await c.vmgate.snapshots.revert(vm, snap, { task: true });
      assert.equal((await c.tasks.wait(t2, undefined, { intervalMs: 50, timeoutMs: 10_000 })).operation, 'revert');
      await runningVm(VMS[flavour]);
      const t3 = await c.vmgate.snapshots.delete(vm, snap, true, { task: true });
      assert.equal((await c.tasks.wait(t3, undefined, { intervalMs: 50, timeoutMs: 10_000 })).operation, 'delete');
      assert.deepEqual(await c.vmgate.snapshots.list(vm), []);
    });
  });
}

describe('vmgate snapshots and guest programs: REST statuses and vmw-task', () => {
  const vmName = 'DC0_H0_VM0';
  let vm: string;
  before(async () => {
    vm = await runningVm(vmName);
  });

  async function waitTask(id: string): Promise<{ status: string; result?: unknown; service: string; operation: string }> {
    for (let i = 0; i < 200; i++) {
      const r = await rest('GET', `/api/cis/tasks/${id}`);
      assert.equal(r.status, 200);
      const info = r.json as { status: string; result?: unknown; service: string; operation: string };
      if (info.status === 'SUCCEEDED' || info.status === 'FAILED') return info;
      await new Promise((res) => setTimeout(res, 50));
    }
    throw new Error(`task ${id} did not end`);
  }

  it('create 201 + id; list/get 200; vmw-task=true → 202 + task id; revert 204; delete 204', async () => {
    const created = await rest('POST', `/api/vmgate/vm/${vm}/snapshots`, { body: { name: 'r1', memory: true } });
    assert.equal(created.status, 201);
    const id = created.json as string;
    assert.match(id, /^snapshot-\d+$/);
    const list = await rest('GET', `/api/vmgate/vm/${vm}/snapshots`);
    assert.equal(list.status, 200);
    assert.equal((list.json as { snapshot: string; current: boolean }[]).find((x) => x.snapshot === id)?.current, true);
    const one = await rest('GET', `/api/vmgate/vm/${vm}/snapshots/${id}`);
    assert.equal(one.status, 200);
    assert.equal((one.json as { include_memory: boolean }).include_memory, true);

    const tasked = await rest('POST', `/api/vmgate/vm/${vm}/snapshots?vmw-task=true`, { body: { name: 'r2' } });
    assert.equal(tasked.status, 202);
    const info = await waitTask(tasked.json as string);
    assert.equal(info.status, 'SUCCEEDED');
    assert.deepEqual([info.service, info.operation], ['com.vmgate.vm.snapshots', 'create']);
    const r2 = info.result as string;
    assert.equal(((await rest('GET', `/api/vmgate/vm/${vm}/snapshots/${r2}`)).json as { parent: string }).parent, id);

    assert.equal((await rest('POST', `/api/vmgate/vm/${vm}/snapshots/${id}?action=revert`)).status, 204);
    const rt = await rest('POST', `/api/vmgate/vm/${vm}/snapshots/${id}?action=revert&vmw-task=true`);
    assert.equal(rt.status, 202);
    assert.equal((await waitTask(rt.json as string)).status, 'SUCCEEDED');
    await runningVm(vmName);

    assert.equal((await rest('DELETE', `/api/vmgate/vm/${vm}/snapshots/${r2}`)).status, 204);
    const dt = await rest('DELETE', `/api/vmgate/vm/${vm}/snapshots/${id}?vmw-task=true&remove_children=true`);
    assert.equal(dt.status, 202);
    assert.equal((await waitTask(dt.json as string)).status, 'SUCCEEDED');
    assert.deepEqual((await rest('GET', `/api/vmgate/vm/${vm}/snapshots`)).json, []);
  });

  it('guest programs run: 200 with the result; vmw-task → 202; wrong password 401', async () => {
    const creds = { type: 'USERNAME_PASSWORD', user_name: 'root', password: 'vmware', interactive_session: false };
    const r = await rest('POST', `/api/vmgate/vm/${vm}/guest/programs?action=run`, { body: { credentials: creds, spec: { path: '/bin/echo', arguments: ['hi'] } } });
    assert.equal(r.status, 200);
    const out = r.json as Record<string, unknown>;
    assert.deepEqual(Object.keys(out).sort(), ['exit_code', 'finished', 'pid', 'started', 'stderr', 'stdout']);
    assert.equal(out.stdout, 'hi\n');
    assert.equal(out.exit_code, 0);
    const t = await rest('POST', `/api/vmgate/vm/${vm}/guest/programs?action=run&vmw-task=true`, { body: { credentials: creds, spec: { path: '/bin/true' } } });
    assert.equal(t.status, 202);
    assert.equal((await waitTask(t.json as string)).status, 'SUCCEEDED');
    const bad = await rest('POST', `/api/vmgate/vm/${vm}/guest/programs?action=run`, { body: { credentials: { ...creds, password: 'wrong-one' }, spec: { path: '/bin/true' } } });
    assert.equal(bad.status, 401);
    assert.equal((bad.json as { error_type: string }).error_type, 'UNAUTHENTICATED');
  });

  it('malformed input answers invalid_argument (REST 400) and the server keeps serving', async () => {
    const cases: [string, string, unknown][] = [
      ['POST', `/api/vmgate/vm/${vm}/snapshots`, { name: 42 }],
      ['POST', `/api/vmgate/vm/${vm}/snapshots`, { description: 'no name' }],
      ['POST', `/api/vmgate/vm/${vm}/snapshots`, ['not', 'an', 'object']],
      ['POST', `/api/vmgate/vm/${vm}/guest/programs?action=run`, { spec: { path: '/bin/true' } }],
      ['POST', `/api/vmgate/vm/${vm}/guest/programs?action=run`, { credentials: { type: 'USERNAME_PASSWORD', interactive_session: false }, spec: { path: '/bin/true', arguments: 'not a list' } }],
      ['POST', `/api/vmgate/vm/${vm}/guest/programs?action=run`, { credentials: { type: 'USERNAME_PASSWORD', interactive_session: false, user_name: 'root', password: 'vmware' }, spec: { path: '/bin/true', timeout_seconds: 'soon' } }],
    ];
    for (const [method, path, body] of cases) {
      const r = await rest(method, path, { body });
      assert.equal(r.status, 400, `${method} ${path} ${JSON.stringify(body)}`);
      assert.equal((r.json as { error_type: string }).error_type, 'INVALID_ARGUMENT');
    }
    const snapDel = await rest('DELETE', `/api/vmgate/vm/${vm}/snapshots/snapshot-1?remove_children=maybe`);
    assert.equal(snapDel.status, 400);
    assert.equal((await rest('GET', `/api/vmgate/vm/${vm}/snapshots`)).status, 200);
  });

  it('JSON-RPC: wrong types in the specialized input are invalid_argument', async () => {
    const r = await kit.s.request('POST', '/api', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        method: 'invoke',
        id: '7',
        params: {
          serviceId: 'com.vmgate.vm.snapshots',
          operationId: 'create',
          input: { STRUCTURE: { 'operation-input': { vm, spec: { STRUCTURE: { 'com.vmgate.vm.snapshots.create_spec': { name: 5, description: { OPTIONAL: null }, memory: { OPTIONAL: null } } } } } } },
          ctx: { securityCtx: { schemeId: 'com.vmware.vapi.std.security.session_id', sessionId: kit.adminToken } },
        },
      }),
    });
    const j = JSON.parse(r.body) as { id: string; result: { error: { ERROR: Record<string, unknown> } } };
    assert.equal(j.id, '7');
    assert.ok(j.result.error.ERROR['com.vmware.vapi.std.errors.invalid_argument']);
  });
});

/**
 * GET /api/vmgate/events/stream over real HTTPS: server-sent events of VM changes, task
 * progress and the event log, filtered by core for each caller; the stream ends with its
 * session, leaves no listener behind, and drops a client that does not read.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SYSTEM_CALLER } from '../../../src/core/index.ts';
import type { Vm } from '../../../src/core/index.ts';
import { ADMIN_PASSWORD } from '../../support/test-server.ts';
import { openSse, type SseMessage, type SseStream } from '../../support/sse-client.ts';
import { useVapiServer } from '../../support/vapi-kit.ts';

const kit = useVapiServer();
const PATH = '/api/vmgate/events/stream';

const stream = (headers: Record<string, string>): Promise<SseStream> => openSse(kit.s.port, kit.s.ca, PATH, headers);
const asToken = (token: string) => stream({ 'vmware-api-session-id': token });
const core = () => kit.s.server.core;
const vmNamed = async (name: string): Promise<Vm> => (await core().vms.list(SYSTEM_CALLER)).find((v) => v.name === name)!;

async function login(user: string, password: string): Promise<string> {
  const r = await kit.s.request('POST', '/api/session', { headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` } });
  assert.equal(r.status, 201, r.body);
  return JSON.parse(r.body) as string;
}

async function power(vm: Vm, action: 'start' | 'stop'): Promise<void> {
  const r = await kit.rest('POST', `/api/vcenter/vm/${vm.id}/power?action=${action}`);
  assert.equal(r.status, 204, JSON.stringify(r.json));
}

const data = (m: SseMessage) => m.data as Record<string, unknown>;
const mentions = (m: SseMessage, vmId: string): boolean => {
  const d = data(m);
  return d.vm === vmId || d.object === vmId || (d.target as { id?: string } | undefined)?.id === vmId;
};

describe('vAPI event stream (GET /api/vmgate/events/stream)', () => {
  it('an administrator sees a VM another session powers on: its state, the task’s progress to SUCCEEDED, the event', async () => {
    const vm = await vmNamed('DC0_C0_H0_VM1');
    assert.equal(vm.powerState, 'poweredOff');
    const s = await asToken(kit.adminToken);
    assert.equal(s.status, 200);
    assert.equal(s.headers['content-type'], 'text/event-stream; charset=utf-8');
    assert.equal(s.headers['cache-control'], 'no-store');
    await power(vm, 'start');
    const on = await s.next((m) => m.event === 'vm' && data(m).vm === vm.id && data(m).power_state === 'POWERED_ON');
    assert.deepEqual({ ...data(on), tools_run_state: undefined }, { vm: vm.id, name: 'DC0_C0_H0_VM1', power_state: 'POWERED_ON', cpu_count: 2, memory_size_MiB: 1024, tools_run_state: undefined });
    assert.ok(['RUNNING', 'NOT_RUNNING'].includes(data(on).tools_run_state as string));
    const done = await s.next((m) => m.event === 'task' && (data(m).target as { id: string } | undefined)?.id === vm.id && data(m).status === 'SUCCEEDED');
    const d = data(done);
    assert.match(d.task as string, /^[0-9a-f-]{36}$/);
    assert.deepEqual(d.progress, { total: 100, completed: 100, message: { id: 'vmgate.task.step', default_message: 'Completed', args: [] } });
    assert.equal(d.operation, 'start');
    assert.equal(d.user, 'administrator');
    // The task's earlier messages came first, while it ran.
    const first = s.messages.find((m) => m.event === 'task' && data(m).task === d.task)!;
    assert.equal(data(first).status, 'RUNNING');
    // The same task as GET /api/cis/tasks/{task} shows it.
    const got = await kit.rest('GET', `/api/cis/tasks/${d.task as string}`);
    assert.deepEqual({ ...d, task: undefined }, { ...(got.json as object), task: undefined });
    const ev = await s.next((m) => m.event === 'event' && data(m).object === vm.id && data(m).type === 'vm.poweredOn');
    assert.equal(data(ev).severity, 'INFO');
    assert.equal(data(ev).user, 'administrator');
    assert.equal(data(ev).task, d.task);
    s.close();
  });

  it('the web cookie with X-Vmgate-Web: 1 opens it; the cookie alone, Basic and nothing are 401 in the vAPI vocabulary', async () => {
    const r = await kit.s.request('POST', '/api/session', { headers: { authorization: `Basic ${Buffer.from(`administrator:${ADMIN_PASSWORD}`).toString('base64')}`, 'x-vmgate-web': '1' } });
    const token = JSON.parse(r.body) as string;
    const web = await stream({ cookie: `vmgate-session=${token}`, 'x-vmgate-web': '1' });
    assert.equal(web.status, 200);
    web.close();
    const refusals: Record<string, string>[] = [{ cookie: `vmgate-session=${token}` }, { authorization: `Basic ${Buffer.from(`administrator:${ADMIN_PASSWORD}`).toString('base64')}` }, {}];
    for (const headers of refusals) {
      const bad = await stream(headers);
      assert.equal(bad.status, 401, JSON.stringify(headers));
      assert.equal((JSON.parse(bad.body) as { error_type: string }).error_type, 'UNAUTHENTICATED');
    }
  });

  it('a user with System.View on one VM sees that VM’s changes and nothing of another', async () => {
    const watched = await vmNamed('DC0_H0_VM1');
    const other = await vmNamed('DC0_C0_H0_VM2');
    assert.equal(watched.powerState, 'poweredOff');
    assert.equal(other.powerState, 'poweredOn');
    const u = await core().identity.createUser(SYSTEM_CALLER, { name: 'watcher', password: 'watcher-password-1' });
    await core().identity.setPermission(SYSTEM_CALLER, { principal: `user:${u.user.id}`, entityId: watched.id, roleId: 'read-only' });
    const s = await asToken(await login('watcher', 'watcher-password-1'));
    await power(other, 'stop');
    await power(watched, 'start');
    await s.next((m) => m.event === 'vm' && data(m).vm === watched.id && data(m).power_state === 'POWERED_ON');
    await s.next((m) => m.event === 'task' && (data(m).target as { id: string } | undefined)?.id === watched.id && data(m).status === 'SUCCEEDED');
    await s.next((m) => m.event === 'event' && data(m).object === watched.id && data(m).type === 'vm.poweredOn');
    // Updates keep core's order: anything about the other VM would have come before these.
    assert.deepEqual(s.messages.filter((m) => mentions(m, other.id)), []);
    s.close();
  });

  it('the demo desktop user sees its entitled desktop powering on, not the other VMs', async () => {
    const desktop = await vmNamed('Desktop-2');
    const other = await vmNamed('DC0_H0_VM2');
    assert.equal(desktop.powerState, 'poweredOff');
    assert.equal(other.powerState, 'poweredOn');
    const s = await asToken(await login('demo', 'demo-password-1'));
    await power(other, 'stop');
    await power(desktop, 'start');
    const on = await s.next((m) => m.event === 'vm' && data(m).vm === desktop.id && data(m).power_state === 'POWERED_ON');
    assert.equal(data(on).name, 'Desktop-2');
    await s.next((m) => m.event === 'task' && (data(m).target as { id: string } | undefined)?.id === desktop.id && data(m).status === 'SUCCEEDED');
    assert.deepEqual(s.messages.filter((m) => mentions(m, other.id)), []);
    s.close();
  });

  it('logging out ends the stream with a session-ended message', async () => {
    const token = await login('administrator', ADMIN_PASSWORD);
    const s = await asToken(token);
    const out = await kit.s.request('DELETE', '/api/session', { headers: { 'vmware-api-session-id': token } });
    assert.equal(out.status, 204);
    const ended = await s.next((m) => m.event === 'session-ended');
    assert.deepEqual(ended.data, { reason: 'logout' });
    await s.ended;
  });

  it('50 streams opened and closed leave no listener on core’s event bus', async () => {
    const before = core().live.listenerCount();
    for (let i = 0; i < 50; i++) {
      const s = await asToken(kit.adminToken);
      assert.equal(s.status, 200);
      s.close();
      await s.ended;
    }
    // The server sees each close on its own time: wait (bounded) for the count to come back.
    for (let i = 0; i < 200 && core().live.listenerCount() !== before; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(core().live.listenerCount(), before);
  });

  it('a client that does not read is disconnected instead of buffered for', async () => {
    const before = core().live.listenerCount();
    const s = await asToken(kit.adminToken);
    s.response!.pause();
    assert.equal(core().live.listenerCount(), before + 5);
    const big = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 400; i++) {
      core().bus.emit('event.appended', { id: 1_000_000 + i, time: '2026-12-07T19:30:00.000Z', objectId: 'root', type: 'test.flood', severity: 'info', message: big, userName: null, taskId: null });
      if (i % 50 === 49) await new Promise((r) => setImmediate(r));
    }
    for (let i = 0; i < 400 && core().live.listenerCount() !== before; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(core().live.listenerCount(), before, 'the server ended the subscription of the client that did not read');
    s.close();
  });
});

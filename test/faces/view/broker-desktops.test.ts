/**
 * Listing and launching desktops through the View broker: entitlements direct and
 * through a group, dedicated and floating pools, the console token and a VNC handshake
 * with it, kill-session, reset-desktop, and every error these answer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SYSTEM_CALLER } from '../../../src/core/index.ts';
import { child, children, textAt } from '../../../src/protocols/view/index.ts';
import type { XmlElement } from '../../../src/protocols/view/index.ts';
import { startTestServer, type TestServer } from '../../support/test-server.ts';
import { BrokerConversation, GET_DESKTOPS, LOGIN, expectElement } from './view-kit.ts';
import { vncHandshake } from './vnc-handshake.ts';

const connectOp = (id: string, protocol = 'VNC') =>
  `<get-desktop-connection><desktop-id>${id}</desktop-id><protocol><name>${protocol}</name></protocol><environment-information><info name="IP_Address">127.0.0.1</info></environment-information></get-desktop-connection>`;

async function loggedIn(s: TestServer, user: string, password: string): Promise<BrokerConversation> {
  const c = new BrokerConversation(s);
  const x = await c.ops('15.0', LOGIN(user, password));
  expectElement(x.elements[0], 'submit-authentication', 'ok');
  return c;
}

function desktopsOf(e: XmlElement): [string, string, string][] {
  return children(e, 'desktop').map((d) => [textAt(d, 'name'), textAt(d, 'type'), textAt(d, 'state')]);
}

describe('View broker: desktops', () => {
  let s: TestServer;
  let demoPool: string;
  let floatPool: string;
  let offPool: string;
  let floatVm: string;
  let twoPool: string;
  before(async () => {
    s = await startTestServer({ demoHosts: 1, demoVms: 1 });
    const core = s.server.core;
    const c = SYSTEM_CALLER;
    for (const name of ['alice', 'bob']) await core.identity.createUser(c, { name, password: `${name}-password-1` });
    const staff = await core.identity.createGroup(c, { name: 'staff', members: ['alice'] });
    const bob = await core.identity.resolveUser('bob');
    await core.identity.setPermission(c, { principal: `group:${staff.id}`, entityId: 'root', roleId: 'desktop-user', propagate: true });
    await core.identity.setPermission(c, { principal: `user:${bob.id}`, entityId: 'root', roleId: 'desktop-user', propagate: true });
    const cluster = (await core.ctx.store.clusters.getByName('DC0_C0'))!;
    const vm = await core.vms.create(c, { name: 'Float-0', guestOs: 'windows9-64', cpuCount: 1, memoryMiB: 512, disks: [{ capacityMiB: 1024 }], placement: { clusterId: cluster.id } });
    floatVm = vm.id;
    floatPool = (await core.vdi.createPool(c, { name: 'float-one', displayName: 'Floating', type: 'floating', vmIds: [vm.id] })).id;
    await core.vdi.entitle(c, floatPool, 'group:staff');
    await core.vdi.entitle(c, floatPool, 'user:bob');
    const other = await core.vms.create(c, { name: 'Off-0', guestOs: 'windows9-64', cpuCount: 1, memoryMiB: 512, disks: [{ capacityMiB: 1024 }], placement: { clusterId: cluster.id } });
    offPool = (await core.vdi.createPool(c, { name: 'off-pool', displayName: 'Switched off', type: 'dedicated', vmIds: [other.id] })).id;
    await core.vdi.entitle(c, offPool, 'group:staff');
    await core.vdi.setPoolEnabled(c, offPool, false);
    demoPool = (await core.vdi.getPool(c, 'demo-desktops')).id;
    const two = [];
    for (let i = 0; i < 2; i++) two.push((await core.vms.create(c, { name: `Two-${i}`, guestOs: 'windows9-64', cpuCount: 1, memoryMiB: 512, disks: [{ capacityMiB: 1024 }], placement: { clusterId: cluster.id } })).id);
    twoPool = (await core.vdi.createPool(c, { name: 'float-two', displayName: 'Two', type: 'floating', vmIds: two })).id;
    await core.vdi.entitle(c, twoPool, 'group:staff');
    await core.vdi.entitle(c, twoPool, 'user:bob');
    await core.vdi.entitle(c, twoPool, `user:${(await core.identity.resolveUser('demo')).id}`);
  });
  after(async () => s.close());

  it('each user sees what they are entitled to, directly or through a group, with state', async () => {
    const alice = await loggedIn(s, 'alice', 'alice-password-1');
    const a = await alice.ops('15.0', GET_DESKTOPS);
    assert.deepEqual(desktopsOf(expectElement(a.elements[0], 'desktops', 'ok')), [['Floating', 'floating', 'available'], ['Switched off', 'dedicated', 'disabled'], ['Two', 'floating', 'available']]);
    const bob = await loggedIn(s, 'bob', 'bob-password-1');
    const b = await bob.ops('15.0', '<get-launch-items/>');
    assert.deepEqual(desktopsOf(child(expectElement(b.elements[0], 'launch-items', 'ok'), 'desktops')!), [['Floating', 'floating', 'available'], ['Two', 'floating', 'available']]);
    const demo = await loggedIn(s, 'demo', 'demo-password-1');
    const d = await demo.ops('15.0', GET_DESKTOPS);
    const desk = child(expectElement(d.elements[0], 'desktops', 'ok'), 'desktop')!;
    assert.deepEqual([textAt(desk, 'id'), textAt(desk, 'reset-allowed'), textAt(desk, 'in-maintenance-mode'), textAt(desk, 'offline-state')], [demoPool, 'true', 'false', 'online']);
  });

  it('dedicated: connect returns address, port, VNC and a one-time token the console accepts once; the same VM every time', async () => {
    const demo = await loggedIn(s, 'demo', 'demo-password-1');
    const x = await demo.ops('15.0', connectOp(demoPool));
    const e = expectElement(x.elements[0], 'desktop-connection', 'ok');
    assert.equal(textAt(e, 'id'), demoPool);
    assert.equal(textAt(e, 'address'), '127.0.0.1');
    assert.equal(textAt(e, 'protocol'), 'VNC');
    assert.equal(textAt(e, 'user-name'), 'demo');
    assert.equal(textAt(e, 'domain-name'), 'VMGATE');
    const port = Number(textAt(e, 'port'));
    const token = textAt(e, 'protocol-settings', 'token');
    assert.match(token, /^[A-Za-z2-9]{8}$/);
    const demoUser = await s.server.core.identity.resolveUser('demo');
    const sessions = await s.server.core.ctx.store.desktopSessions.listForUser(demoUser.id);
    assert.equal(sessions.length, 1);
    assert.equal(textAt(e, 'session-id'), sessions[0]!.id);
    const vm = (await s.server.core.ctx.store.vms.get(sessions[0]!.vmId))!;
    assert.equal(vm.powerState, 'poweredOn');

    // a wrong token is refused; the right one completes the handshake, once
    await assert.rejects(vncHandshake('127.0.0.1', port, 'wrong-pw'), /VNC authentication failed: authentication failed/);
    const hs = await vncHandshake('127.0.0.1', port, token);
    assert.deepEqual(hs.types, [2]);
    assert.equal(hs.name, vm.name);
    await assert.rejects(vncHandshake('127.0.0.1', port, token), /VNC authentication failed: the console password was used/);
    // nor without a password (security type None is no longer offered)
    await assert.rejects(vncHandshake('127.0.0.1', port, null), /VNC authentication failed/);

    // again: the same VM, a new token; the state shows the session
    const y = await demo.ops('15.0', `${connectOp(demoPool)}${GET_DESKTOPS}`);
    const e2 = expectElement(y.elements[0], 'desktop-connection', 'ok');
    assert.equal(textAt(e2, 'port'), String(port));
    const token2 = textAt(e2, 'protocol-settings', 'token');
    assert.notEqual(token2, token);
    assert.equal((await vncHandshake('127.0.0.1', port, token2)).name, vm.name);
    const desk = child(expectElement(y.elements[1], 'desktops', 'ok'), 'desktop')!;
    assert.deepEqual([textAt(desk, 'state'), textAt(desk, 'session-id'), textAt(desk, 'reset-allowed-on-session')], ['connected', sessions[0]!.id, 'true']);
    const assignments = await s.server.core.ctx.store.assignments.listForPool(demoPool);
    assert.deepEqual(assignments.map((a) => [a.userId, a.vmId]), [[demoUser.id, vm.id]]);
  });

  it('floating: the one free desktop is powered on for the first user; the next gets DESKTOP_LAUNCH_ERROR until it is freed with kill-session', async () => {
    assert.equal((await s.server.core.ctx.store.vms.get(floatVm))!.powerState, 'poweredOff');
    const alice = await loggedIn(s, 'alice', 'alice-password-1');
    const a = await alice.ops('15.0', connectOp(floatPool));
    const e = expectElement(a.elements[0], 'desktop-connection', 'ok');
    assert.equal((await s.server.core.ctx.store.vms.get(floatVm))!.powerState, 'poweredOn');
    assert.equal((await vncHandshake('127.0.0.1', Number(textAt(e, 'port')), textAt(e, 'protocol-settings', 'token'))).name, 'Float-0');

    const bob = await loggedIn(s, 'bob', 'bob-password-1');
    const b = await bob.ops('15.0', connectOp(floatPool));
    const err = expectElement(b.elements[0], 'desktop-connection', 'error', 'DESKTOP_LAUNCH_ERROR');
    assert.equal(textAt(err, 'error-message'), "desktop pool 'float-one' has no free desktop (1 in use)");
    assert.match(textAt(err, 'user-message'), /^The desktop could not be launched\. desktop pool 'float-one' has no free desktop/);
    // bob cannot end alice's session
    const sid = textAt(e, 'session-id');
    const k = await bob.ops('15.0', `<kill-session><session-id>${sid}</session-id></kill-session>`);
    expectElement(k.elements[0], 'kill-session', 'error', 'NOT_ENTITLED');
    const ka = await alice.ops('15.0', `<kill-session><session-id>${sid}</session-id></kill-session>${GET_DESKTOPS}`);
    expectElement(ka.elements[0], 'kill-session', 'ok');
    assert.equal(desktopsOf(expectElement(ka.elements[1], 'desktops', 'ok'))[0]![2], 'available');
    const b2 = await bob.ops('15.0', connectOp(floatPool));
    expectElement(b2.elements[0], 'desktop-connection', 'ok');
  });

  it('three users launching at the same moment on a floating pool of two: two different desktops, and no free desktop for the third', async () => {
    const users = await Promise.all([loggedIn(s, 'alice', 'alice-password-1'), loggedIn(s, 'bob', 'bob-password-1'), loggedIn(s, 'demo', 'demo-password-1')]);
    const replies = await Promise.all(users.map((u) => u.ops('15.0', connectOp(twoPool))));
    const results = replies.map((r) => [textAt(r.elements[0], 'result'), textAt(r.elements[0], 'error-code')]);
    assert.deepEqual(results.map((r) => r.join(' ')).sort(), ['error DESKTOP_LAUNCH_ERROR', 'ok ', 'ok ']);
    const oks = replies.map((r) => r.elements[0]!).filter((e) => textAt(e, 'result') === 'ok');
    const sessions = (await s.server.core.ctx.store.desktopSessions.list()).filter((x) => x.poolId === twoPool);
    assert.equal(sessions.length, 2);
    assert.equal(new Set(sessions.map((x) => x.vmId)).size, 2);
    const names = await Promise.all(oks.map((e) => vncHandshake('127.0.0.1', Number(textAt(e, 'port')), textAt(e, 'protocol-settings', 'token')).then((h) => h.name)));
    assert.deepEqual(names.sort(), ['Two-0', 'Two-1']);
  });

  it('launch errors: disabled pool, not entitled, unknown pool, unknown or unoffered protocol, no desktop-id', async () => {
    const alice = await loggedIn(s, 'alice', 'alice-password-1');
    const bob = await loggedIn(s, 'bob', 'bob-password-1');
    const x = await alice.ops('15.0', `${connectOp(offPool)}${connectOp('pool-999')}${connectOp(floatPool, 'SPICE')}${connectOp(floatPool, 'RDP')}<get-desktop-connection/>`);
    const msgs = x.elements.map((e) => [textAt(e, 'result'), textAt(e, 'error-code'), textAt(e, 'error-message')]);
    assert.deepEqual(msgs, [
      ['error', 'DESKTOP_LAUNCH_ERROR', "desktop pool 'off-pool' is disabled"],
      ['error', 'NOT_ENTITLED', "desktop pool 'pool-999' was not found"],
      ['error', 'DESKTOP_LAUNCH_ERROR', "display protocol 'SPICE' is not known"],
      ['error', 'DESKTOP_LAUNCH_ERROR', "pool 'float-one' offers VNC, not RDP"],
      ['error', 'INVALID_REQUEST', 'desktop-id is missing'],
    ]);
    // a pool bob is not entitled to reads like one that does not exist
    const y = await bob.ops('15.0', connectOp(offPool));
    assert.deepEqual([textAt(y.elements[0], 'error-code'), textAt(y.elements[0], 'error-message')], ['NOT_ENTITLED', `desktop pool '${offPool}' was not found`]);
  });

  it('reset-desktop resets the VM of the user’s session; without a session or entitlement it is refused', async () => {
    const demo = await loggedIn(s, 'demo', 'demo-password-1');
    const demoUser = await s.server.core.identity.resolveUser('demo');
    const vmId = (await s.server.core.ctx.store.desktopSessions.listForUser(demoUser.id))[0]!.vmId;
    const resetsBefore = (await s.server.core.ctx.store.tasks.list()).filter((t) => t.kind === 'vm.reset' && t.targetId === vmId).length;
    const x = await demo.ops('15.0', `<reset-desktop><desktop-id>${demoPool}</desktop-id></reset-desktop><reset-desktop><desktop-id>${floatPool}</desktop-id></reset-desktop><reset-desktop/>`);
    expectElement(x.elements[0], 'reset-desktop', 'ok');
    expectElement(x.elements[1], 'reset-desktop', 'error', 'NOT_ENTITLED');
    expectElement(x.elements[2], 'reset-desktop', 'error', 'INVALID_REQUEST');
    const resets = (await s.server.core.ctx.store.tasks.list()).filter((t) => t.kind === 'vm.reset' && t.targetId === vmId);
    assert.equal(resets.length, resetsBefore + 1);
    const alice = await loggedIn(s, 'alice', 'alice-password-1');
    const y = await alice.ops('15.0', `<reset-desktop><desktop-id>${floatPool}</desktop-id></reset-desktop>`);
    assert.equal(textAt(expectElement(y.elements[0], 'reset-desktop', 'error', 'OPERATION_FAILED'), 'user-message'), 'There is no running desktop to reset.');
  });

  it('what is not built says NOT_SUPPORTED; rollback-checkout says there are no local desktops; the tunnel is always bypassed', async () => {
    const demo = await loggedIn(s, 'demo', 'demo-password-1');
    const x = await demo.ops('15.0', '<get-application-connection/><get-application-session-connection/><rollback-checkout-desktop/><do-lock/><get-tunnel-connection/><kill-session/><set-user-global-preferences/><set-user-desktop-preferences><preferences/></set-user-desktop-preferences>');
    assert.deepEqual(
      x.elements.map((e) => [e.name, textAt(e, 'result'), textAt(e, 'error-code')]),
      [
        ['application-session-connection', 'error', 'INVALID_REQUEST'],
        ['application-session-connection', 'error', 'NOT_SUPPORTED'],
        ['rollback-checkout-desktop', 'error', 'NOT_SUPPORTED'],
        ['lock', 'error', 'NOT_SUPPORTED'],
        ['tunnel-connection', 'ok', ''],
        ['kill-session', 'error', 'INVALID_REQUEST'],
        ['set-user-global-preferences', 'error', 'INVALID_REQUEST'],
        ['set-user-desktop-preferences', 'error', 'INVALID_REQUEST'],
      ],
    );
    assert.deepEqual(
      [textAt(x.elements[2], 'error-message'), textAt(x.elements[2], 'user-message')],
      ['vmgate has no local (offline, checked-out) desktops: there is no checkout to roll back', 'Local (offline) desktops are not supported by this server.'],
    );
    assert.equal(textAt(x.elements[4], 'bypass-tunnel'), 'true');
    assert.deepEqual([textAt(x.elements[6], 'error-message'), textAt(x.elements[7], 'error-message')], ['preferences is missing', 'desktop-id is missing']);
  });

  it('preferences: global and per desktop, stored per user through core (a new login sees them, another user does not), checked', async () => {
    const pref = (name: string, value: string) => `<preference name="${name}">${value}</preference>`;
    const prefsOf = (e: XmlElement | undefined) => children(child(e, 'preferences') ?? child(e, 'user-preferences'), 'preference').map((p) => [p.attrs.get('name'), p.text]);
    const bob = await loggedIn(s, 'bob', 'bob-password-1');
    const empty = await bob.ops('15.0', '<get-user-global-preferences/>');
    assert.deepEqual(prefsOf(expectElement(empty.elements[0], 'user-global-preferences', 'ok')), []);
    const set = await bob.ops(
      '15.0',
      `<set-user-global-preferences><preferences>${pref('alwaysConnect', 'true')}${pref('autoConnectDesktop', 'Two')}</preferences></set-user-global-preferences>` +
        `<set-user-desktop-preferences><desktop-id>${twoPool}</desktop-id><preferences>${pref('screenSize', 'full')}${pref('protocol', 'VNC')}</preferences></set-user-desktop-preferences>` +
        `<get-user-global-preferences/>${GET_DESKTOPS}`,
    );
    expectElement(set.elements[0], 'set-user-global-preferences', 'ok');
    expectElement(set.elements[1], 'set-user-desktop-preferences', 'ok');
    assert.deepEqual(prefsOf(expectElement(set.elements[2], 'user-global-preferences', 'ok')), [['alwaysConnect', 'true'], ['autoConnectDesktop', 'Two']]);
    const desks = children(expectElement(set.elements[3], 'desktops', 'ok'), 'desktop');
    assert.deepEqual(desks.map((d) => [textAt(d, 'name'), prefsOf(d)]), [['Floating', []], ['Two', [['screenSize', 'full'], ['protocol', 'VNC']]]]);

    // a new broker session of bob reads them back; the global set is replaced as a whole
    const again = await loggedIn(s, 'bob', 'bob-password-1');
    const r = await again.ops('15.0', `<set-user-global-preferences><preferences>${pref('alwaysConnect', 'false')}</preferences></set-user-global-preferences><get-user-global-preferences/><get-launch-items/>`);
    assert.deepEqual(prefsOf(r.elements[1]), [['alwaysConnect', 'false']]);
    const items = children(child(expectElement(r.elements[2], 'launch-items', 'ok'), 'desktops'), 'desktop');
    assert.deepEqual(prefsOf(items.find((d) => textAt(d, 'name') === 'Two')), [['screenSize', 'full'], ['protocol', 'VNC']]);
    // alice shares the pool, not bob's preferences
    const alice = await loggedIn(s, 'alice', 'alice-password-1');
    const a = await alice.ops('15.0', `<get-user-global-preferences/>${GET_DESKTOPS}`);
    assert.deepEqual(prefsOf(a.elements[0]), []);
    assert.ok(children(a.elements[1], 'desktop').every((d) => prefsOf(d).length === 0));

    // refused: a pool bob is not entitled to (reads as not found), bad names, a name twice, too many
    const bad = await bob.ops(
      '15.0',
      `<set-user-desktop-preferences><desktop-id>${offPool}</desktop-id><preferences>${pref('x', '1')}</preferences></set-user-desktop-preferences>` +
        `<set-user-global-preferences><preferences>${pref('bad name', '1')}</preferences></set-user-global-preferences>` +
        `<set-user-global-preferences><preferences><preference>no name</preference></preferences></set-user-global-preferences>` +
        `<set-user-global-preferences><preferences>${pref('a', '1')}${pref('a', '2')}</preferences></set-user-global-preferences>` +
        `<set-user-global-preferences><preferences>${Array.from({ length: 65 }, (_, i) => pref(`p${i}`, 'v')).join('')}</preferences></set-user-global-preferences>`,
    );
    assert.deepEqual(
      bad.elements.map((e) => [textAt(e, 'error-code'), textAt(e, 'error-message')]),
      [
        ['NOT_ENTITLED', `desktop pool '${offPool}' was not found`],
        ['INVALID_REQUEST', "preference name 'bad name' is not valid: 1–64 letters, digits and . _ -"],
        ['INVALID_REQUEST', "preference name '' is not valid: 1–64 letters, digits and . _ -"],
        ['INVALID_REQUEST', "preference 'a' is given twice"],
        ['INVALID_REQUEST', 'at most 64 preferences, not 65'],
      ],
    );
    assert.deepEqual(prefsOf((await bob.ops('15.0', '<get-user-global-preferences/>')).elements[0]), [['alwaysConnect', 'false']]);
    // names are pairs, never keys of an object: '__proto__' and 'constructor' are just names
    const odd = await bob.ops('15.0', `<set-user-global-preferences><preferences>${pref('__proto__', 'x')}${pref('constructor', 'y')}</preferences></set-user-global-preferences><get-user-global-preferences/>`);
    expectElement(odd.elements[0], 'set-user-global-preferences', 'ok');
    assert.deepEqual(prefsOf(odd.elements[1]), [['__proto__', 'x'], ['constructor', 'y']]);
  });
});

/**
 * Published applications end to end: an administrator makes an application pool and
 * publishes applications through the vAPI (VapiClient and raw REST over HTTPS); View
 * broker users entitled through a group see them in get-launch-items with their fields,
 * connect with get-application-connection and complete a VNC handshake with the one-time
 * token on the pool's shared VM; a user not entitled sees nothing and is refused;
 * unpublishing removes an application.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { VapiClient } from '../../../src/clients/vapi/index.ts';
import { SYSTEM_CALLER } from '../../../src/core/index.ts';
import { child, children, textAt } from '../../../src/protocols/view/index.ts';
import type { XmlElement } from '../../../src/protocols/view/index.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../support/test-server.ts';
import { rejectsWith } from '../../support/vapi-kit.ts';
import { BrokerConversation, LOGIN, expectElement } from './view-kit.ts';
import { vncHandshake } from './vnc-handshake.ts';

const ICON = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

const appConnect = (id: string, protocol = 'VNC') =>
  `<get-application-connection><application-id>${id}</application-id><protocol><name>${protocol}</name></protocol></get-application-connection>`;

async function loggedIn(s: TestServer, user: string, password: string): Promise<BrokerConversation> {
  const c = new BrokerConversation(s);
  const x = await c.ops('15.0', LOGIN(user, password));
  expectElement(x.elements[0], 'submit-authentication', 'ok');
  return c;
}

/** The applications of a launch-items reply, each field as the client reads it. */
function applicationsOf(launchItems: XmlElement): Record<string, unknown>[] {
  return children(child(launchItems, 'applications'), 'application').map((a) => ({
    id: textAt(a, 'id'),
    name: textAt(a, 'name'),
    type: textAt(a, 'type'),
    version: textAt(a, 'version'),
    publisher: textAt(a, 'publisher'),
    path: textAt(a, 'launch-path'),
    icons: children(child(a, 'icons'), 'icon').map((i) => [textAt(i, 'path'), textAt(i, 'width'), textAt(i, 'height')]),
    protocols: children(child(a, 'protocols'), 'protocol').map((p) => [textAt(p, 'name'), textAt(p, 'is-default')]),
    multiSession: textAt(a, 'multi-session-mode'),
  }));
}

describe('View broker: published applications', () => {
  let s: TestServer;
  let admin: VapiClient;
  let adminToken: string;
  let pool: string;
  let appsVm: string;
  let calc: string;
  let notepad: string;
  const rest = async (method: string, path: string, body?: unknown) => {
    const r = await s.request(method, path, { headers: { 'vmware-api-session-id': adminToken, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: r.status, json: r.body === '' ? undefined : (JSON.parse(r.body) as unknown) };
  };

  before(async () => {
    s = await startTestServer({ demoHosts: 1, demoVms: 1 });
    const core = s.server.core;
    const c = SYSTEM_CALLER;
    for (const name of ['carol', 'erin', 'dave']) await core.identity.createUser(c, { name, password: `${name}-password-1` });
    const office = await core.identity.createGroup(c, { name: 'office', members: ['carol', 'erin'] });
    const dave = await core.identity.resolveUser('dave');
    await core.identity.setPermission(c, { principal: `group:${office.id}`, entityId: 'root', roleId: 'desktop-user', propagate: true });
    await core.identity.setPermission(c, { principal: `user:${dave.id}`, entityId: 'root', roleId: 'desktop-user', propagate: true });
    const cluster = (await core.ctx.store.clusters.getByName('DC0_C0'))!;
    appsVm = (await core.vms.create(c, { name: 'Apps-0', guestOs: 'windows9-64', cpuCount: 1, memoryMiB: 512, disks: [{ capacityMiB: 1024 }], placement: { clusterId: cluster.id } })).id;
    admin = new VapiClient({ server: s.baseUrl, flavour: 'rest', ca: s.ca });
    adminToken = await admin.login('administrator', ADMIN_PASSWORD);
  });
  after(async () => {
    admin?.close();
    await s?.close();
  });

  it('an administrator makes an application pool and publishes applications through the vAPI', async () => {
    pool = await admin.vmgate.pools.create({ name: 'office-apps', display_name: 'Office applications', type: 'APPLICATION', vms: [appsVm] });
    assert.equal((await admin.vmgate.pools.get(pool)).type, 'APPLICATION');
    await admin.vmgate.pools.entitlements.add(pool, 'group:office');
    calc = await admin.vmgate.pools.applications.create(pool, { name: 'Calculator', path: 'C:\\Windows\\System32\\calc.exe', version: '10.0.19041', publisher: 'Microsoft Corporation', icon: ICON });
    assert.match(calc, /^app-\d+$/);
    // raw REST: the spec is the body, 201 with the new id
    const r = await rest('POST', `/api/vmgate/pools/office-apps/applications`, { name: 'Notepad', path: 'C:\\Windows\\notepad.exe' });
    assert.equal(r.status, 201);
    notepad = r.json as string;
    const list = (await admin.vmgate.pools.applications.list(pool)).map((a) => ({ ...a, created: 'x' }));
    assert.deepEqual(list, [
      { application: calc, name: 'Calculator', path: 'C:\\Windows\\System32\\calc.exe', version: '10.0.19041', publisher: 'Microsoft Corporation', icon: ICON, created: 'x' },
      { application: notepad, name: 'Notepad', path: 'C:\\Windows\\notepad.exe', version: '', publisher: '', created: 'x' },
    ]);
  });

  it('publishing refuses a desktop pool, a name already published, a bad icon, an empty path; an unknown pool is not found', async () => {
    await rejectsWith(admin.vmgate.pools.applications.create('demo-desktops', { name: 'Paint', path: 'mspaint.exe' }), 'INVALID_ARGUMENT', /pool 'demo-desktops' is a dedicated desktop pool; applications are published on pools of type 'application'/);
    await rejectsWith(admin.vmgate.pools.applications.create(pool, { name: 'Calculator', path: 'calc.exe' }), 'ALREADY_EXISTS', /application 'Calculator' is already published on 'office-apps'/);
    await rejectsWith(admin.vmgate.pools.applications.create(pool, { name: 'Paint', path: 'mspaint.exe', icon: 'https://example.invalid/paint.png' }), 'INVALID_ARGUMENT', /icon must be a data:image/);
    await rejectsWith(admin.vmgate.pools.applications.create(pool, { name: 'Paint', path: '  ' }), 'INVALID_ARGUMENT', /path must be 1 to 1024 printable characters/);
    await rejectsWith(admin.vmgate.pools.applications.list('no-such-pool'), 'NOT_FOUND', /desktop pool 'no-such-pool' was not found/);
    await rejectsWith(admin.vmgate.pools.applications.delete(pool, 'app-999'), 'NOT_FOUND', /application 'app-999' is not published on 'office-apps'/);
    assert.equal((await admin.vmgate.pools.applications.list(pool)).length, 2, 'nothing was added');
  });

  it('a user entitled through a group sees the applications with their fields, and no desktop for the application pool', async () => {
    const carol = await loggedIn(s, 'carol', 'carol-password-1');
    const x = await carol.ops('15.0', '<get-launch-items/><get-desktops/>');
    const items = expectElement(x.elements[0], 'launch-items', 'ok');
    assert.deepEqual(applicationsOf(items), [
      { id: calc, name: 'Calculator', type: 'remote', version: '10.0.19041', publisher: 'Microsoft Corporation', path: 'C:\\Windows\\System32\\calc.exe', icons: [[ICON, '32', '32']], protocols: [['VNC', 'true']], multiSession: 'enabled' },
      { id: notepad, name: 'Notepad', type: 'remote', version: '', publisher: '', path: 'C:\\Windows\\notepad.exe', icons: [], protocols: [['VNC', 'true']], multiSession: 'enabled' },
    ]);
    assert.equal(children(child(items, 'desktops'), 'desktop').length, 0);
    assert.equal(children(expectElement(x.elements[1], 'desktops', 'ok'), 'desktop').length, 0);
  });

  it('connecting powers the shared VM on and returns its console with a one-time token the VNC handshake accepts; a second user shares the VM', async () => {
    assert.equal((await s.server.core.ctx.store.vms.get(appsVm))!.powerState, 'poweredOff');
    const carol = await loggedIn(s, 'carol', 'carol-password-1');
    const x = await carol.ops('15.0', appConnect(calc));
    const e = expectElement(x.elements[0], 'application-session-connection', 'ok');
    assert.equal(textAt(e, 'id'), calc);
    assert.equal(textAt(e, 'address'), '127.0.0.1');
    assert.equal(textAt(e, 'protocol'), 'VNC');
    assert.equal(textAt(e, 'user-name'), 'carol');
    assert.equal(textAt(e, 'domain-name'), 'VMGATE');
    const port = Number(textAt(e, 'port'));
    const token = textAt(e, 'protocol-settings', 'token');
    assert.match(token, /^[A-Za-z2-9]{8}$/);
    assert.equal((await s.server.core.ctx.store.vms.get(appsVm))!.powerState, 'poweredOn');
    await assert.rejects(vncHandshake('127.0.0.1', port, 'wrong-pw'), /VNC authentication failed/);
    assert.equal((await vncHandshake('127.0.0.1', port, token)).name, 'Apps-0');
    await assert.rejects(vncHandshake('127.0.0.1', port, token), /VNC authentication failed: the console password was used/);

    const erin = await loggedIn(s, 'erin', 'erin-password-1');
    const y = await erin.ops('15.0', appConnect(notepad));
    const f = expectElement(y.elements[0], 'application-session-connection', 'ok');
    assert.equal(textAt(f, 'port'), String(port), 'the same VM');
    assert.notEqual(textAt(f, 'session-id'), textAt(e, 'session-id'));
    assert.equal((await vncHandshake('127.0.0.1', port, textAt(f, 'protocol-settings', 'token'))).name, 'Apps-0');
    const sessions = (await s.server.core.ctx.store.desktopSessions.list()).filter((x) => x.poolId === pool);
    assert.deepEqual(sessions.map((x) => x.vmId), [appsVm, appsVm]);

    // the shared VM is not one user's to reset: not through the broker, not through core
    const resets = async () => (await s.server.core.ctx.store.tasks.list()).filter((t) => t.kind === 'vm.reset' && t.targetId === appsVm).length;
    const before = await resets();
    const r = await carol.ops('15.0', `<reset-desktop><desktop-id>${pool}</desktop-id></reset-desktop>`);
    expectElement(r.elements[0], 'reset-desktop', 'error', 'NOT_ENTITLED');
    const { caller } = await s.server.core.identity.login('carol', 'carol-password-1', 'view', {});
    await assert.rejects(s.server.core.vdi.resetDesktop(caller, appsVm), (e: Error & { kind?: string }) => e.kind === 'unauthorized' && /shared by the sessions of application pool users; only an administrator resets it/.test(e.message));
    assert.equal(await resets(), before);
  });

  it('a user not entitled sees no application and is refused with NOT_ENTITLED; bad requests are answered', async () => {
    const dave = await loggedIn(s, 'dave', 'dave-password-1');
    const x = await dave.ops('15.0', `<get-launch-items/>${appConnect(calc)}${appConnect('app-999')}<get-application-connection/>${appConnect(notepad, 'SPICE')}`);
    assert.deepEqual(applicationsOf(expectElement(x.elements[0], 'launch-items', 'ok')), []);
    assert.deepEqual(
      x.elements.slice(1).map((e) => [textAt(e, 'result'), textAt(e, 'error-code'), textAt(e, 'error-message')]),
      [
        ['error', 'NOT_ENTITLED', `user 'dave' is not entitled to application '${calc}'`],
        ['error', 'NOT_ENTITLED', "user 'dave' is not entitled to application 'app-999'"],
        ['error', 'INVALID_REQUEST', 'application-id is missing'],
        ['error', 'DESKTOP_LAUNCH_ERROR', "display protocol 'SPICE' is not known"],
      ],
    );
    // the application pool is not a desktop to launch either
    const carol = await loggedIn(s, 'carol', 'carol-password-1');
    const y = await carol.ops('15.0', `<get-desktop-connection><desktop-id>${pool}</desktop-id></get-desktop-connection>`);
    assert.equal(textAt(expectElement(y.elements[0], 'desktop-connection', 'error', 'DESKTOP_LAUNCH_ERROR'), 'error-message'), "pool 'office-apps' publishes applications; launch one of its applications");
  });

  it('unpublishing removes the application from the users’ lists and refuses its connection', async () => {
    const r = await rest('DELETE', `/api/vmgate/pools/${pool}/applications/${calc}`);
    assert.equal(r.status, 204);
    assert.deepEqual((await admin.vmgate.pools.applications.list(pool)).map((a) => a.name), ['Notepad']);
    const carol = await loggedIn(s, 'carol', 'carol-password-1');
    const x = await carol.ops('15.0', `<get-launch-items/>${appConnect(calc)}`);
    assert.deepEqual(applicationsOf(expectElement(x.elements[0], 'launch-items', 'ok')).map((a) => a.name), ['Notepad']);
    expectElement(x.elements[1], 'application-session-connection', 'error', 'NOT_ENTITLED');
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SYSTEM_CALLER } from '../../../src/core/index.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../support/test-server.ts';

const NS = 'http://Microsoft.Virtualization.RDV';
const NS_DATA = 'http://schemas.datacontract.org/2004/07/Microsoft.Virtualization.RDV';
const basic = (user: string, pw: string): string => 'Basic ' + Buffer.from(`${user}:${pw}`).toString('base64');
const ADMIN = basic('administrator', ADMIN_PASSWORD);

/** A raw SOAP 1.1 request body. */
function env(body: string, header = ''): string {
  return `<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">${header ? `<s:Header>${header}</s:Header>` : ''}<s:Body>${body}</s:Body></s:Envelope>`;
}
const op = (name: string, inner: string): string => env(`<${name} xmlns="${NS}">${inner}</${name}>`);
const byName = (o: string, name: string, type = 'VM_NAME'): string => op(o, `<name>${name}</name><type>${type}</type>`);

/** The text of the first `<a:Tag>` (data-contract prefix `a`) or `<Tag>` in a reply. */
function pick(xml: string, tag: string): string | null {
  const m = new RegExp(`<(?:a:)?${tag}(?: [^>]*)?>([^<]*)</(?:a:)?${tag}>`).exec(xml);
  return m ? m[1]! : null;
}

describe('the RDV face over real HTTPS', () => {
  let s: TestServer;
  const post = (body: string, opts: { auth?: string | null; action?: string; type?: string; cookie?: string } = {}) =>
    s.request('POST', '/RDV', {
      headers: {
        'content-type': opts.type ?? 'text/xml; charset=utf-8',
        ...(opts.auth === null ? {} : { authorization: opts.auth ?? ADMIN }),
        ...(opts.action ? { soapaction: `"${NS}/IRDVServer/${opts.action}"` } : {}),
        ...(opts.cookie ? { cookie: opts.cookie } : {}),
      },
      body,
    });
  const getVm = async (name: string, type = 'VM_NAME') => {
    const r = await post(byName('GetVM', name, type), { action: 'GetVM' });
    assert.equal(r.status, 200, r.body);
    return r.body;
  };
  const waitJob = async (id: string) => s.server.core.tasks.wait(SYSTEM_CALLER, id);

  before(async () => {
    s = await startTestServer();
    const core = s.server.core;
    const { user: viewer } = await core.identity.createUser(SYSTEM_CALLER, { name: 'viewer', password: 'viewer-password-1' });
    await core.identity.setPermission(SYSTEM_CALLER, { principal: `user:${viewer.id}`, entityId: 'root', roleId: 'read-only', propagate: true });
    // Two VMs whose guests report the same FQDN (an ambiguous name) and one no host can take.
    await core.vms.create(SYSTEM_CALLER, { name: 'twin-a', fqdn: 'twin.example.test', placement: { library: true } });
    await core.vms.create(SYSTEM_CALLER, { name: 'twin-b', fqdn: 'twin.example.test', placement: { library: true } });
    await core.vms.create(SYSTEM_CALLER, { name: 'Huge', cpuCount: 64, memoryMiB: 4 * 1024 * 1024, placement: { library: true } });
  });
  after(async () => s.close());

  it('serves a WSDL with the contract names, http namespaces and the listener address', async () => {
    const r = await s.request('GET', '/RDV?wsdl', { headers: { host: 'evil.example:1' } });
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /^text\/xml/);
    for (const name of ['StartVM', 'GetVM', 'PlaceVM', 'SetLocale', 'JobUpdated', 'VMResult', 'ArrayOfVM', 'VMError', 'VMStatus', 'VMHostType', 'JobStatus', 'NameType', 'DefaultBinding_IRDVServer']) assert.ok(r.body.includes(`name="${name}"`), name);
    assert.ok(r.body.includes(`targetNamespace="${NS}"`));
    assert.ok(r.body.includes(`targetNamespace="${NS_DATA}"`));
    assert.ok(r.body.includes('targetNamespace="http://schemas.microsoft.com/2003/10/Serialization/"'));
    assert.ok(!r.body.includes('https://Microsoft'), 'no https:// namespaces');
    assert.ok(r.body.includes(`<soap:address location="https://127.0.0.1:${s.port}/RDV"/>`), 'the address is the listener, not the Host header');
    assert.ok(r.body.includes(`soapAction="${NS}/IRDVServer/GetVM"`));
  });

  it('names --public-url in the WSDL when it is set', async () => {
    const p = await startTestServer({ demo: false, publicUrl: 'https://vdi.example.test:9443' });
    try {
      const r = await p.request('GET', '/RDV?wsdl');
      assert.ok(r.body.includes('<soap:address location="https://vdi.example.test:9443/RDV"/>'), r.body.slice(-400));
    } finally {
      await p.close();
    }
  });

  it('GetVM by VM_NAME: a library VM, members in the data-contract namespace, nil with xsi declared', async () => {
    const vm = (await s.server.core.vms.find('Library_VM0'))!;
    const body = await getVm('Library_VM0');
    assert.ok(body.includes(`<GetVMResponse xmlns="${NS}"><GetVMResult xmlns:a="${NS_DATA}" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">`), body);
    assert.ok(body.includes('<a:DetailedErrorString i:nil="true"/><a:ErrorID>ERROR_VM_SUCCESS</a:ErrorID>'));
    assert.ok(body.includes(`<a:VM><a:HostFQDN i:nil="true"/><a:HostType>VM_LIBRARY</a:HostType><a:ID>${vm.uuid}</a:ID><a:Name>Library_VM0</a:Name><a:Status>VM_STATUS_STOPPED</a:Status></a:VM>`), body);
  });

  it('GetVM by GUID and by COMPUTER_NAME_FQDN finds the same VM; status per power state', async () => {
    const vm = (await s.server.core.vms.find('DC0_C0_H1_VM0'))!;
    const byGuid = await getVm(vm.uuid.toUpperCase(), 'GUID');
    assert.equal(pick(byGuid, 'Name'), 'DC0_C0_H1_VM0');
    assert.equal(pick(byGuid, 'HostType'), 'VM_HOST');
    assert.equal(pick(byGuid, 'HostFQDN'), 'DC0_C0_H1');
    assert.equal(pick(byGuid, 'Status'), 'VM_STATUS_HIBERNATED');
    const byFqdn = await getVm('DC0-C0-H1-VM0.vmgate.local', 'COMPUTER_NAME_FQDN');
    assert.equal(pick(byFqdn, 'ID'), vm.uuid);
    assert.equal(pick(await getVm('DC0_C0_H1_VM2'), 'Status'), 'VM_STATUS_PAUSED');
    assert.equal(pick(await getVm('DC0_C0_H0_VM0'), 'Status'), 'VM_STATUS_GUEST_READY');
  });

  it('GetVM errors: ERROR_VM_MISSING for an unknown name, an ambiguous FQDN is an error (not a guess)', async () => {
    const missing = await getVm('no-such-vm');
    assert.equal(pick(missing, 'ErrorID'), 'ERROR_VM_MISSING');
    assert.ok(missing.includes('<a:VMList i:nil="true"/>'));
    assert.match(pick(missing, 'DetailedErrorString')!, /^The virtual machine was not found\. \(virtual machine 'no-such-vm' was not found\)$/);
    const amb = await getVm('twin.example.test', 'COMPUTER_NAME_FQDN');
    assert.equal(pick(amb, 'ErrorID'), 'ERROR_VM_MISSING');
    assert.match(pick(amb, 'DetailedErrorString')!, /names 2 virtual machines .* ambiguous/);
  });

  it('SetLocale sets the language of error strings for the session (cookie), fallback en-US', async () => {
    const r = await post(op('SetLocale', '<locale>de-DE</locale>'), { action: 'SetLocale' });
    assert.equal(r.status, 200);
    assert.equal(pick(r.body, 'SetLocaleResult'), 'de-DE');
    const cookie = String(r.headers['set-cookie']).split(';')[0]!;
    assert.match(cookie, /^RDVSession=[0-9a-f]{32}$/);
    const de = await post(byName('GetVM', 'nope'), { cookie });
    assert.match(pick(de.body, 'DetailedErrorString')!, /^Der virtuelle Computer wurde nicht gefunden\./);
    const fr = await post(op('SetLocale', '<locale>fr-FR</locale>'), { cookie });
    assert.equal(fr.headers['set-cookie'], undefined, 'the same session keeps its cookie');
    const frErr = await post(byName('StartVM', 'DC0_C0_H0_VM0'), { cookie });
    assert.match(frErr.body, /La machine virtuelle n’est pas dans un état qui permet cette opération\./);
    const other = await post(byName('GetVM', 'nope'));
    assert.match(pick(other.body, 'DetailedErrorString')!, /^The virtual machine was not found\./, 'another session is still en-US');
    const xx = await post(op('SetLocale', '<locale>xx-XX</locale>'));
    assert.equal(pick(xx.body, 'SetLocaleResult'), 'en-US');
  });

  it('StartVM of a library VM places it on a host and starts it: a job GUID at once', async () => {
    const r = await post(byName('StartVM', 'Library_VM1'), { action: 'StartVM' });
    assert.equal(r.status, 200, r.body);
    const id = pick(r.body, 'StartVMResult')!;
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.ok(r.body.includes(`<StartVMResponse xmlns="${NS}"><StartVMResult>${id}</StartVMResult></StartVMResponse>`));
    const t = await waitJob(id);
    assert.equal(t.state, 'success', JSON.stringify(t.error));
    const after = await getVm('Library_VM1');
    assert.equal(pick(after, 'HostType'), 'VM_HOST');
    assert.notEqual(pick(after, 'HostFQDN'), null);
    assert.equal(pick(after, 'Status'), 'VM_STATUS_GUEST_READY');
  });

  it('StartVM of a stopped VM on a host starts it there', async () => {
    const before = (await s.server.core.vms.find('DC0_H0_VM1'))!;
    const r = await post(byName('StartVM', before.uuid, 'GUID'));
    const t = await waitJob(pick(r.body, 'StartVMResult')!);
    assert.equal(t.state, 'success');
    const vm = (await s.server.core.vms.find('DC0_H0_VM1'))!;
    assert.equal(vm.hostId, before.hostId);
    assert.equal(vm.powerState, 'poweredOn');
  });

  it('PlaceVM moves a library VM to a host (a job); it stays stopped', async () => {
    const r = await post(byName('PlaceVM', 'library-vm2.vmgate.local', 'COMPUTER_NAME_FQDN'), { action: 'PlaceVM' });
    assert.equal(r.status, 200, r.body);
    const t = await waitJob(pick(r.body, 'PlaceVMResult')!);
    assert.equal(t.state, 'success');
    const body = await getVm('Library_VM2');
    assert.equal(pick(body, 'HostType'), 'VM_HOST');
    assert.equal(pick(body, 'Status'), 'VM_STATUS_STOPPED');
  });

  it('refusals before a job: ERROR_VM_STATE, ERROR_VM_PLACEMENT, ERROR_VM_NO_PERMISSION, ERROR_VM_MISSING as faults with the VMError', async () => {
    const cases: [string, string, string | undefined][] = [
      [byName('StartVM', 'DC0_C0_H0_VM0'), 'ERROR_VM_STATE', undefined],
      [byName('PlaceVM', 'DC0_C0_H0_VM1'), 'ERROR_VM_STATE', undefined],
      [byName('PlaceVM', 'Huge'), 'ERROR_VM_PLACEMENT', undefined],
      [byName('StartVM', 'Huge'), 'ERROR_VM_PLACEMENT', undefined],
      [byName('StartVM', 'DC0_C0_H0_VM1'), 'ERROR_VM_NO_PERMISSION', basic('viewer', 'viewer-password-1')],
      [byName('StartVM', 'no-such-vm'), 'ERROR_VM_MISSING', undefined],
    ];
    const tasksBefore = (await s.server.core.tasks.list(SYSTEM_CALLER)).length;
    for (const [body, code, auth] of cases) {
      const r = await post(body, auth ? { auth } : {});
      assert.equal(r.status, 500, body);
      assert.ok(r.body.includes('<faultcode>s:Client</faultcode>'), r.body);
      assert.ok(r.body.includes(`<VMError xmlns="${NS_DATA}">${code}</VMError>`), `${code}: ${r.body}`);
    }
    assert.equal((await s.server.core.tasks.list(SYSTEM_CALLER)).length, tasksBefore, 'no job was made');
    const huge = (await s.server.core.vms.find('Huge'))!;
    assert.equal(huge.hostId, null);
  });

  it('authentication: no credentials or a wrong password is a 401 fault; lockout is shared', async () => {
    const none = await post(byName('GetVM', 'Library_VM0'), { auth: null });
    assert.equal(none.status, 401);
    assert.match(String(none.headers['www-authenticate']), /^Basic realm="vmgate RDV"/);
    assert.ok(none.body.includes('<faultcode>s:Client</faultcode>'));
    const bad = await post(byName('GetVM', 'Library_VM0'), { auth: basic('viewer', 'wrong') });
    assert.equal(bad.status, 401);
    assert.ok(!bad.body.includes('Library_VM0</a:Name>'));
    // Garbage from an unknown caller gets the 401, not a parser error.
    const garbage = await post('<!DOCTYPE x>', { auth: null });
    assert.equal(garbage.status, 401);
    // Five wrong passwords over RDV lock the account for every face.
    await s.server.core.identity.createUser(SYSTEM_CALLER, { name: 'locky', password: 'locky-password-1' });
    for (let i = 0; i < 5; i++) assert.equal((await post(byName('GetVM', 'x'), { auth: basic('locky', 'wrong') })).status, 401);
    const locked = await post(byName('GetVM', 'x'), { auth: basic('locky', 'locky-password-1') });
    assert.equal(locked.status, 401);
    assert.match(locked.body, /locked/);
    const vapi = await s.request('POST', '/api/session', { headers: { authorization: basic('locky', 'locky-password-1') } });
    assert.equal(vapi.status, 401, 'the vAPI face sees the same lockout');
  });

  it('bad input: faults, the server still serves, nothing stored changes', async () => {
    const core = s.server.core;
    const vmsBefore = JSON.stringify(await core.vms.list(SYSTEM_CALLER));
    const deep = '<a>'.repeat(5000) + '</a>'.repeat(5000);
    const bad: [string, number, RegExp, { type?: string; action?: string }?][] = [
      ['not xml at all <', 500, /not well-formed|root element/],
      [`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><GetVM xmlns="${NS}"><name>&e;</name></GetVM></s:Body></s:Envelope>`, 500, /DOCTYPE and entity declarations are not accepted/],
      [env(`<GetVM xmlns="http://example.test/wrong"><name>x</name></GetVM>`), 500, /must be in namespace http:\/\/Microsoft\.Virtualization\.RDV/],
      [env(`<GetVM xmlns="https://Microsoft.Virtualization.RDV"><name>x</name></GetVM>`), 500, /must be in namespace/],
      [op('RebootEverything', ''), 500, /unknown operation 'RebootEverything'/],
      [byName('GetVM', 'x', 'VM_BANANA'), 500, /'VM_BANANA' is not a NameType value/],
      [byName('GetVM', 'x'), 500, /unknown SOAPAction/, { action: 'Nope' }],
      [byName('GetVM', 'x'), 500, /SOAPAction names StartVM but the body holds GetVM/, { action: 'StartVM' }],
      [`<Envelope xmlns="http://www.w3.org/2003/05/soap-envelope"><Body/></Envelope>`, 500, /SOAP 1\.1/],
      [env(deep), 500, /nested deeper than 64/],
      ['<'.repeat(1_000_000), 500, /not well-formed/],
      [byName('GetVM', 'x'), 415, /must be text\/xml/, { type: 'application/json' }],
      [env(`<GetVM xmlns="${NS}"><name>${'x'.repeat(2 * 1024 * 1024)}</name></GetVM>`), 413, /larger than 2097152 bytes/],
    ];
    for (const [body, status, re, o] of bad) {
      const r = await post(body, { ...(o?.type ? { type: o.type } : {}), ...(o?.action ? { action: o.action } : {}) });
      assert.equal(r.status, status, `${body.slice(0, 80)}: ${r.body.slice(0, 300)}`);
      assert.ok(r.body.includes('<s:Fault><faultcode>s:Client</faultcode>'), r.body.slice(0, 300));
      assert.match(r.body, re);
    }
    const notFound = await s.request('GET', '/RDV/other');
    assert.equal(notFound.status, 404);
    assert.ok(notFound.body.includes('<s:Fault>'));
    assert.equal(JSON.stringify(await core.vms.list(SYSTEM_CALLER)), vmsBefore);
    assert.equal(pick(await getVm('Library_VM0'), 'ErrorID'), 'ERROR_VM_SUCCESS', 'still serving');
  });
});

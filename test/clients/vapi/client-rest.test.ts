import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generate } from 'selfsigned';
import { VapiClient, VapiError, VapiProtocolError } from '../../../src/clients/vapi/index.ts';
import { VMInfo } from '../../../src/protocols/vapi/types/index.ts';
import { toRest } from '../../../src/protocols/vapi/codec/index.ts';
import { validateResponse } from '../../support/spec-validator.ts';
import { FakeServer } from './fake-server.ts';
import { vmInfo } from './vm-info.fixture.ts';

const server = new FakeServer();
let base = '';
let client: VapiClient;
const credentials = { interactive_session: false, type: 'USERNAME_PASSWORD', user_name: 'root', password: 'pw' } as const;

before(async () => {
  base = await server.start();
});
after(async () => {
  client?.close();
  await server.stop();
});
beforeEach(() => {
  server.requests.length = 0;
  client?.close();
  client = new VapiClient({ server: base, flavour: 'rest' });
});

describe('VapiClient (REST): request shapes', () => {
  it('login is POST /api/session with Basic auth; the token goes in vmware-api-session-id afterwards', async () => {
    server.reply = (req) => (req.url === '/api/session' ? { status: 201, json: 'tok-1' } : { status: 200, json: [] });
    assert.equal(await client.login('administrator@vsphere.local', 'pw'), 'tok-1');
    const [login] = server.requests;
    assert.equal(login?.method, 'POST');
    assert.equal(login?.headers.authorization, `Basic ${Buffer.from('administrator@vsphere.local:pw').toString('base64')}`);
    assert.equal(login?.headers['vmware-api-session-id'], undefined);
    await client.vm.list();
    assert.equal(server.requests[1]?.headers['vmware-api-session-id'], 'tok-1');
  });

  it('VM.list puts the filter in repeated query parameters', async () => {
    const body = [{ vm: 'vm-1', name: 'web', power_state: 'POWERED_ON', cpu_count: 2, memory_size_MiB: 2048 }];
    assert.deepEqual(validateResponse('GET', '/api/vcenter/vm', 200, body), [], 'the canned reply is spec-valid');
    server.reply = () => ({ json: body });
    const vms = await client.vm.list({ names: ['web', 'db'], power_states: ['POWERED_ON'] });
    assert.deepEqual(vms, body);
    assert.equal(server.requests[0]?.method, 'GET');
    assert.equal(server.requests[0]?.url, '/api/vcenter/vm?names=web&names=db&power_states=POWERED_ON');
    assert.equal(server.requests[0]?.body, '');
  });

  it('VM.get decodes the full info (maps as objects)', async () => {
    const body = toRest(vmInfo, VMInfo);
    assert.deepEqual(validateResponse('GET', '/api/vcenter/vm/{vm}', 200, body), [], 'the fixture is spec-valid');
    server.reply = () => ({ json: body });
    assert.deepEqual(await client.vm.get('vm-1'), vmInfo);
    assert.equal(server.requests[0]?.url, '/api/vcenter/vm/vm-1');
  });

  it('create sends the spec as the body and returns the id; power.start is a 204', async () => {
    server.reply = (req) => (req.url === '/api/vcenter/vm' ? { status: 201, json: 'vm-9' } : { status: 204 });
    assert.equal(await client.vm.create({ guest_OS: 'OTHER_LINUX_64', name: 'new', memory: { size_MiB: 512 } }), 'vm-9');
    assert.deepEqual(server.requests[0]?.json, { guest_OS: 'OTHER_LINUX_64', name: 'new', memory: { size_MiB: 512 } });
    assert.equal(server.requests[0]?.headers['content-type'], 'application/json');
    assert.equal(await client.power.start('vm-9'), undefined);
    assert.equal(server.requests[1]?.url, '/api/vcenter/vm/vm-9/power?action=start');
    assert.equal(server.requests[1]?.method, 'POST');
  });

  it('clone/relocate as tasks use vmw-task=true and return the task id', async () => {
    server.reply = () => ({ status: 202, json: 'task-5' });
    assert.equal(await client.vm.clone({ source: 'vm-1', name: 'c' }, { task: true }), 'task-5');
    assert.equal(server.requests[0]?.url, '/api/vcenter/vm?action=clone&vmw-task=true');
    assert.equal(await client.vm.relocate('vm-1', { placement: { host: 'host-2' } }, { task: true }), 'task-5');
    assert.equal(server.requests[1]?.url, '/api/vcenter/vm/vm-1?action=relocate&vmw-task=true');
    assert.deepEqual(server.requests[1]?.json, { placement: { host: 'host-2' } });
  });

  it('guest operations send credentials in the body', async () => {
    server.reply = () => ({ json: { files: [], total: 0, status: 'END_OF_DATA' } });
    const res = await client.guest.files.list('vm-1', credentials, '/tmp', { filter: { match_pattern: '*.log' } });
    assert.deepEqual(res, { files: [], total: 0, status: 'END_OF_DATA' });
    assert.equal(server.requests[0]?.url, '/api/vcenter/vm/vm-1/guest/filesystem/files?action=list');
    assert.deepEqual(server.requests[0]?.json, { credentials, path: '/tmp', filter: { match_pattern: '*.log' } });
  });

  it('raw request()', async () => {
    server.reply = () => ({ json: { value: 1 } });
    assert.deepEqual(await client.request('GET', '/api/appliance/system/version'), { value: 1 });
    assert.equal(server.requests[0]?.url, '/api/appliance/system/version');
  });
});

describe('VapiClient (REST): guest file transfers', () => {
  it('uploadFile creates a transfer (size set) and PUTs the bytes to the URI', async () => {
    server.reply = (req) =>
      req.url.includes('guest/filesystem?action=create') ? { status: 201, json: `${base}/guestFile?id=1&token=abc` } : { status: 200 };
    await client.guest.transfers.uploadFile('vm-1', credentials, '/tmp/hello.txt', 'Hello', { overwrite: true });
    const [create, put] = server.requests;
    assert.equal(create?.url, '/api/vcenter/vm/vm-1/guest/filesystem?action=create');
    assert.deepEqual(create?.json, { credentials, spec: { path: '/tmp/hello.txt', attributes: { size: 5, overwrite: true } } });
    assert.equal(put?.method, 'PUT');
    assert.equal(put?.url, '/guestFile?id=1&token=abc');
    assert.equal(put?.body, 'Hello');
  });

  it('downloadFile creates a transfer without attributes and GETs the file', async () => {
    server.reply = (req) =>
      req.url.includes('guest/filesystem?action=create') ? { status: 201, json: `${base}/guestFile?id=2` } : { status: 200, raw: Buffer.from('file-bytes') };
    const data = await client.guest.transfers.downloadFile('vm-1', credentials, '/etc/hostname');
    assert.equal(data.toString(), 'file-bytes');
    assert.deepEqual(server.requests[0]?.json, { credentials, spec: { path: '/etc/hostname' } });
    assert.equal(server.requests[1]?.method, 'GET');
  });

  it('a failed transfer is a protocol error with the status', async () => {
    server.reply = (req) => (req.url.includes('action=create') ? { status: 201, json: `${base}/guestFile?id=3` } : { status: 500, raw: 'nope' });
    await assert.rejects(client.guest.transfers.downloadFile('vm-1', credentials, '/x'), (e: unknown) => e instanceof VapiProtocolError && e.httpStatus === 500);
  });
});

describe('VapiClient (REST): errors', () => {
  it('a std error body throws VapiError with the HTTP status', async () => {
    const body = { error_type: 'NOT_FOUND', messages: [{ id: 'vm.not_found', default_message: 'VM vm-9 not found', args: ['vm-9'] }] };
    assert.deepEqual(validateResponse('GET', '/api/vcenter/vm/{vm}', 404, body), []);
    server.reply = () => ({ status: 404, json: body });
    await assert.rejects(client.vm.get('vm-9'), (e: unknown) => {
      assert.ok(e instanceof VapiError);
      assert.equal(e.errorType, 'NOT_FOUND');
      assert.equal(e.errorName, 'com.vmware.vapi.std.errors.not_found');
      assert.equal(e.httpStatus, 404);
      assert.deepEqual(e.messages, body.messages);
      return true;
    });
  });

  it('already in desired state answers 400', async () => {
    server.reply = () => ({ status: 400, json: { error_type: 'ALREADY_IN_DESIRED_STATE', messages: [] } });
    await assert.rejects(client.power.start('vm-1'), (e: unknown) => e instanceof VapiError && e.errorType === 'ALREADY_IN_DESIRED_STATE' && e.httpStatus === 400);
  });

  it('an error status without a std error body is a protocol error', async () => {
    server.reply = () => ({ status: 502, raw: '<html>bad gateway</html>' });
    await assert.rejects(client.power.get('vm-1'), (e: unknown) => e instanceof VapiProtocolError && e.httpStatus === 502);
  });
});

describe('VapiClient: TLS', () => {
  const tlsServer = new FakeServer();
  let tlsBase = '';
  let pems: { private: string; cert: string };

  before(async () => {
    pems = await generate([{ name: 'commonName', value: 'localhost' }], {
      keySize: 2048,
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] }],
    });
    tlsBase = await tlsServer.start({ key: pems.private, cert: pems.cert });
    tlsServer.reply = () => ({ json: { state: 'POWERED_ON' } });
  });
  after(() => tlsServer.stop());

  it('refuses a self-signed certificate by default', async () => {
    const c = new VapiClient({ server: tlsBase, flavour: 'rest' });
    try {
      await assert.rejects(c.power.get('vm-1'), (e: unknown) => e instanceof Error && /self[- ]signed|certificate/i.test(e.message));
    } finally {
      c.close();
    }
  });

  it('accepts it with insecure: true, or when given the CA', async () => {
    for (const opts of [{ insecure: true }, { ca: pems.cert }]) {
      const c = new VapiClient({ server: tlsBase, flavour: 'rest', ...opts });
      try {
        assert.deepEqual(await c.power.get('vm-1'), { state: 'POWERED_ON' });
      } finally {
        c.close();
      }
    }
  });
});

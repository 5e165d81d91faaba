import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SYSTEM_CALLER } from '../../../src/core/index.ts';
import { useVapiServer } from '../../support/vapi-kit.ts';

/**
 * The reproductions of issue 8 over the real vAPI face (one server, demo inventory):
 * each sends the original attack and shows it now fails the way it should.
 */
type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const TiB = 1024 ** 4;
const MiB = 1024 ** 2;

describe('hardening: the reproductions of issue 8 (real HTTPS)', () => {
  const kit = useVapiServer();
  const ds = (name: string, ...rel: string[]) => join(kit.s.dataDir, 'datastores', name, ...rel);

  /** A raw JSON-RPC invoke (no client-side checks), as an attacker sends it. */
  async function rpcRaw(serviceId: string, operationId: string, input: unknown = { STRUCTURE: { operation_input: {} } }, token = kit.adminToken): Promise<{ status: number; json: Json }> {
    const r = await kit.s.request('POST', '/api', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', method: 'invoke', id: 7, params: { serviceId, operationId, input, ctx: { appCtx: {}, securityCtx: { schemeId: 'com.vmware.vapi.std.security.session_id', sessionId: token } } } }),
    });
    return { status: r.status, json: JSON.parse(r.body) as Json };
  }
  const rpcErrorName = (json: Json): string | undefined => (json.result?.error ? Object.keys(json.result.error.ERROR as object)[0] : undefined);

  describe('7: operation and service ids that are names on Object.prototype', () => {
    const NAMES = ['toString', 'constructor', 'hasOwnProperty', '__proto__', 'valueOf', 'isPrototypeOf'];
    it('JSON-RPC: each as the operation of a real service and as a service is operation_not_found, like any unknown id', async () => {
      const unknown = await rpcRaw('com.vmware.vcenter.VM', 'no-such-operation');
      assert.equal(rpcErrorName(unknown.json), 'com.vmware.vapi.std.errors.operation_not_found');
      for (const name of NAMES) {
        for (const [svc, op] of [['com.vmware.vcenter.VM', name], ['com.vmware.cis.session', name], [name, 'get'], [name, name]] as const) {
          const r = await rpcRaw(svc, op);
          assert.equal(r.status, 200, `${svc}/${op}`);
          assert.equal(r.json.error, undefined, `${svc}/${op}: no JSON-RPC protocol error (${JSON.stringify(r.json.error)})`);
          assert.equal(rpcErrorName(r.json), 'com.vmware.vapi.std.errors.operation_not_found', `${svc}/${op}: ${JSON.stringify(r.json)}`);
        }
      }
    });

    it('REST: each as a path segment or an action is operation_not_found (404), never a 500', async () => {
      for (const name of NAMES) {
        for (const [method, path] of [
          ['GET', `/api/${name}`],
          ['GET', `/api/vcenter/${name}`],
          ['POST', `/api/vcenter/vm?action=${name}`],
          ['POST', `/api/vcenter/vm/vm-1?action=${name}`],
          ['GET', `/api/vcenter/vm/vm-1/${name}`],
        ] as const) {
          const r = await kit.rest(method, path);
          assert.deepEqual([r.status, (r.json as Json)?.error_type], [404, 'OPERATION_NOT_FOUND'], `${method} ${path}: ${JSON.stringify(r.json)}`);
        }
      }
    });
  });

  describe('6: what answered 500 answers its proper error', () => {
    it('a table of the reproductions: no 500', async () => {
      const deep = Array.from({ length: 2100 }, () => 'd').join('/');
      const table: [string, string, string, unknown, number, string][] = [
        ['disk of 16 TiB', 'POST', '/api/vcenter/vm', { name: 'big16', guest_OS: 'OTHER_LINUX_64', placement: { folder: 'group-v1', resource_pool: 'resgroup-1' }, disks: [{ new_vmdk: { capacity: 16 * TiB } }] }, 400, 'UNABLE_TO_ALLOCATE_RESOURCE'],
        ['disk of 64 TiB', 'POST', '/api/vcenter/vm', { name: 'big64', guest_OS: 'OTHER_LINUX_64', placement: { folder: 'group-v1', resource_pool: 'resgroup-1' }, disks: [{ new_vmdk: { capacity: 64 * TiB } }] }, 400, 'UNABLE_TO_ALLOCATE_RESOURCE'],
        ['disk over 64 TiB', 'POST', '/api/vcenter/vm', { name: 'big65', guest_OS: 'OTHER_LINUX_64', placement: { folder: 'group-v1', resource_pool: 'resgroup-1' }, disks: [{ new_vmdk: { capacity: 64 * TiB + MiB } }] }, 400, 'INVALID_ARGUMENT'],
        ['register: a 300-character component', 'POST', '/api/vcenter/vm?action=register', { datastore_path: `[LocalDS_0] ${'a'.repeat(300)}/x.vmx` }, 400, 'INVALID_ARGUMENT'],
        ['register: a 300-character file name', 'POST', '/api/vcenter/vm?action=register', { datastore_path: `[LocalDS_0] ${'a'.repeat(300)}.vmx` }, 400, 'INVALID_ARGUMENT'],
        ['register: 2,100 levels', 'POST', '/api/vcenter/vm?action=register', { datastore_path: `[LocalDS_0] ${deep}/x.vmx` }, 400, 'INVALID_ARGUMENT'],
      ];
      for (const [what, method, path, body, status, type] of table) {
        const r = await kit.rest(method, path, { body });
        assert.deepEqual([r.status, (r.json as Json)?.error_type], [status, type], `${what}: ${JSON.stringify(r.json).slice(0, 300)}`);
      }
      for (const name of ['big16', 'big64', 'big65']) assert.equal(await kit.s.server.core.ctx.store.vms.getByName(name), undefined, `${name} was not created`);
    });
  });

  describe('4: register confines every file a .vmx names', () => {
    const vmx = (extra: string) => `.encoding = "UTF-8"\nconfig.version = "8"\nvirtualHW.version = "19"\ndisplayName = "evil"\nguestOS = "otherlinux-64"\nmemsize = "256"\n${extra}`;
    const disk = (file: string) => `scsi0.present = "TRUE"\nscsi0:0.present = "TRUE"\nscsi0:0.fileName = "${file}"\n`;

    it('a disk, CD-ROM, floppy, serial port, NVRAM or log outside the datastores is invalid_argument naming the key; nothing is registered', async () => {
      const cases: [string, string][] = [
        ['scsi0:0.fileName', disk('/tmp/x/secret')],
        ['scsi0:0.fileName', disk('../../../../../etc/shadow')],
        ['ide1:0.fileName', 'ide1:0.present = "TRUE"\nide1:0.deviceType = "cdrom-image"\nide1:0.fileName = "/etc/passwd"\n'],
        ['sata0:1.fileName', 'sata0.present = "TRUE"\nsata0:1.present = "TRUE"\nsata0:1.fileName = "../../../../../../etc/passwd"\n'],
        ['floppy0.fileName', 'floppy0.fileType = "file"\nfloppy0.fileName = "/root/floppy.img"\n'],
        ['serial0.fileName', 'serial0.present = "TRUE"\nserial0.fileType = "file"\nserial0.fileName = "/etc/cron.d/x"\n'],
        ['parallel0.fileName', 'parallel0.present = "TRUE"\nparallel0.fileName = "/dev/lp0"\n'],
        ['nvram', 'nvram = "/etc/passwd"\n'],
        ['log.fileName', 'log.fileName = "/var/log/../../etc/passwd"\n'],
        ['vmgate.boot.kernel', 'vmgate.boot.kernel = "/boot/vmlinuz"\n'],
        ['scsi0:0.fileName', disk('C:\\\\Windows\\\\secret.vmdk')],
      ];
      for (const [i, [key, text]] of cases.entries()) {
        const folder = `evil${i}`;
        await mkdir(ds('LocalDS_0', folder), { recursive: true });
        await writeFile(ds('LocalDS_0', folder, `${folder}.vmx`), vmx(text));
        const r = await kit.rest('POST', '/api/vcenter/vm?action=register', { body: { datastore_path: `[LocalDS_0] ${folder}/${folder}.vmx` } });
        const body = r.json as Json;
        assert.deepEqual([r.status, body?.error_type], [400, 'INVALID_ARGUMENT'], `${key}: ${JSON.stringify(body)}`);
        assert.ok(body.messages[0].default_message.includes(`"${key}"`), `the message names ${key}: ${body.messages[0].default_message}`);
        assert.equal(await kit.s.server.core.ctx.store.vms.getByPath('datastore-1', `${folder}/${folder}.vmx`), undefined);
      }
    });

    it('files in the VM folder, elsewhere on the datastore, on another datastore, and host CD-ROM drives register', async () => {
      await mkdir(ds('LocalDS_0', 'good'), { recursive: true });
      const otherDs = ds('Library', 'iso', 'tiny.iso');
      await writeFile(
        ds('LocalDS_0', 'good', 'good.vmx'),
        vmx(`${disk('good.vmdk')}scsi0:1.present = "TRUE"\nscsi0:1.fileName = "../shared/base.vmdk"\nide1:0.present = "TRUE"\nide1:0.deviceType = "atapi-cdrom"\nide1:0.fileName = "auto detect"\nide1:1.present = "TRUE"\nide1:1.deviceType = "cdrom-image"\nide1:1.fileName = "${otherDs}"\nnvram = "good.nvram"\nparallel0.present = "FALSE"\nparallel0.fileName = "/dev/lp0"\n`).replace('displayName = "evil"', 'displayName = "good"'),
      );
      const r = await kit.rest('POST', '/api/vcenter/vm?action=register', { body: { datastore_path: '[LocalDS_0] good/good.vmx' } });
      assert.equal(r.status, 200, JSON.stringify(r.json));
      assert.match(r.json as string, /^vm-\d+$/);
    });
  });

  describe('10: a desktop user cannot tell which VM ids exist', () => {
    const login = async (user: string, password: string) => {
      const r = await kit.s.request('POST', '/api/session', { headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` } });
      assert.equal(r.status, 201, r.body);
      return JSON.parse(r.body) as string;
    };

    it('demo: VMs that exist and VMs that do not answer the same not_found, on every call; its desktops still launch', async () => {
      const core = kit.s.server.core;
      const token = await login('demo', 'demo-password-1');
      const all = await core.vms.list(SYSTEM_CALLER);
      const desktop = all.find((v) => v.name === 'Desktop-0')!;
      const other = all.find((v) => v.name.endsWith('_VM0'))!;
      for (const id of [other.id, desktop.id, 'vm-99999']) {
        for (const [method, path] of [['GET', `/api/vcenter/vm/${id}`], ['POST', `/api/vcenter/vm/${id}/power?action=start`], ['GET', `/api/vcenter/vm/${id}/power`], ['DELETE', `/api/vcenter/vm/${id}`]] as const) {
          const r = await kit.rest(method, path, { token });
          assert.deepEqual([r.status, (r.json as Json)?.error_type], [404, 'NOT_FOUND'], `${method} ${path}`);
        }
        const rpc = await rpcRaw('com.vmware.vcenter.VM', 'get', { STRUCTURE: { operation_input: { vm: id } } }, token);
        assert.equal(rpcErrorName(rpc.json), 'com.vmware.vapi.std.errors.not_found', `JSON-RPC VM.get ${id}`);
      }
      assert.deepEqual((await kit.rest('GET', '/api/vcenter/vm', { token })).json, [], 'demo lists no VM');
      const demo = (await core.identity.login('demo', 'demo-password-1', 'test')).caller;
      assert.deepEqual((await core.vdi.entitledDesktops(demo)).map((e) => e.pool.name), ['demo-desktops']);
      await core.authz.requireVisible(demo, 'VirtualMachine.Console', desktop.id);
      await assert.rejects(core.authz.requireVisible(demo, 'VirtualMachine.Console', other.id), { kind: 'not_found' });
    });

    it('a data directory made before the fix (desktop-user granted on root with propagation): still not_found', async () => {
      const core = kit.s.server.core;
      const { user } = await core.identity.createUser(SYSTEM_CALLER, { name: 'olddemo', password: 'old-demo-password-1' });
      await core.identity.setPermission(SYSTEM_CALLER, { principal: `user:${user.id}`, entityId: 'root', roleId: 'desktop-user', propagate: true });
      const token = await login('olddemo', 'old-demo-password-1');
      const existing = (await core.vms.list(SYSTEM_CALLER))[0]!.id;
      for (const id of [existing, 'vm-99999']) {
        const r = await kit.rest('GET', `/api/vcenter/vm/${id}`, { token });
        assert.deepEqual([r.status, (r.json as Json)?.error_type], [404, 'NOT_FOUND'], id);
      }
    });
  });

  describe('14: names and free text', () => {
    it('VM names with bidi overrides, control characters, tabs or more than 80 characters are invalid_argument', async () => {
      for (const name of ['evil\u202Etxt.exe', 'a\u2066b', 'tab\there', 'line\nbreak', 'nul\0', 'bell\u0007', 'c1\u0085', 'x'.repeat(81), ' lead', '..']) {
        const r = await kit.rest('POST', '/api/vcenter/vm', { body: { name, guest_OS: 'OTHER_LINUX_64', placement: { folder: 'group-v1', resource_pool: 'resgroup-1' } } });
        assert.deepEqual([r.status, (r.json as Json)?.error_type], [400, 'INVALID_ARGUMENT'], JSON.stringify(name));
        assert.doesNotMatch(JSON.stringify(r.json), /[\u202a-\u202e\u2066-\u2069]/, 'the message does not echo the override');
      }
      const ok = await kit.rest('POST', '/api/vcenter/vm', { body: { name: 'x'.repeat(80), guest_OS: 'OTHER_LINUX_64', placement: { folder: 'group-v1', resource_pool: 'resgroup-1' } } });
      assert.equal(ok.status, 201, JSON.stringify(ok.json));
      const ren = await kit.rest('PATCH', `/api/vcenter/vm/${ok.json as string}`, { body: { name: 'ren\u202Eamed' } });
      assert.ok(ren.status === 400 || ren.status === 404, 'rename (if the face has it) refuses it too');
    });

    it('a 500 KB full name, a 900 KB snapshot description, snapshot names NUL and ".." are invalid_argument', async () => {
      const full = await kit.rest('POST', '/api/vmgate/users', { body: { name: 'longname', full_name: 'x'.repeat(500 * 1024) } });
      assert.deepEqual([full.status, (full.json as Json)?.error_type], [400, 'INVALID_ARGUMENT']);
      assert.equal(await kit.s.server.core.ctx.store.users.getByName('longname'), undefined);
      const vm = (await kit.s.server.core.vms.list(SYSTEM_CALLER, { powerStates: ['poweredOff'], inLibrary: false }))[0]!.id;
      const snap = (spec: unknown) => kit.rest('POST', `/api/vmgate/vm/${vm}/snapshots`, { body: spec });
      for (const spec of [{ name: 'big', description: 'd'.repeat(900 * 1024) }, { name: '\0' }, { name: '..' }, { name: '.' }, { name: 'a\u202Eb' }, { name: 'tab\tname' }]) {
        const r = await snap(spec);
        assert.deepEqual([r.status, (r.json as Json)?.error_type], [400, 'INVALID_ARGUMENT'], JSON.stringify(spec).slice(0, 60));
      }
      assert.deepEqual(await kit.s.server.core.ctx.store.snapshots.listForVm(vm), []);
      const fine = await snap({ name: 'before upgrade', description: 'line one\nline two\ttabbed' });
      assert.equal(fine.status, 201, JSON.stringify(fine.json));
    });
  });

  describe('13: transfer URLs do not come from the Host header', () => {
    it('a guest transfer URL asked for with Host: evil.example.com points at the listener itself', async () => {
      const core = kit.s.server.core;
      const vm = (await core.vms.list(SYSTEM_CALLER, { powerStates: ['poweredOn'], inLibrary: false }))[0]!.id;
      const ROOT = { interactive_session: false, type: 'USERNAME_PASSWORD', user_name: 'root', password: 'vmware' };
      for (let i = 0; ; i++) {
        const r = await kit.rest('GET', `/api/vcenter/vm/${vm}/guest/power`);
        if ((r.json as Json).operations_ready === true) break;
        assert.ok(i < 600, 'guest tools come up');
        await new Promise((res) => setTimeout(res, 25));
      }
      for (const host of ['evil.example.com', 'evil.example.com:443', '[::1]:1']) {
        const r = await kit.s.request('POST', `/api/vcenter/vm/${vm}/guest/filesystem?action=create`, {
          headers: { host, 'content-type': 'application/json', 'vmware-api-session-id': kit.adminToken },
          body: JSON.stringify({ credentials: ROOT, spec: { path: '/etc/hostname' } }),
        });
        assert.equal(r.status, 201, r.body);
        const url = JSON.parse(r.body) as string;
        assert.match(url, new RegExp(`^https://127\\.0\\.0\\.1:${kit.s.port}/guestFile/[^/]+$`), `Host ${host} → ${url}`);
      }
    });
  });
});

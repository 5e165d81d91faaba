/**
 * Guest operations of the vAPI face end to end: a fresh vmgate over real HTTPS, the demo
 * inventory on the simulator, every operation through REST (bodies checked against the
 * vSphere 7.0.3 spec) and JSON-RPC (specialized JSON, as the SDKs send it), and the
 * /guestFile transfer URLs with Node's https client.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import { after, before, describe, it } from 'node:test';
import { SYSTEM_CALLER } from '../../../src/core/index.ts';
import { buildRestRequest, decodeOperationOutput, decodeRestOutput, encodeOperationInput } from '../../../src/protocols/vapi/codec/index.ts';
import { findOperation } from '../../../src/protocols/vapi/types/index.ts';
import { validateResponse } from '../../support/spec-validator.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../support/test-server.ts';

type Flavour = 'rest' | 'jsonrpc';
const FLAVOURS: readonly Flavour[] = ['rest', 'jsonrpc'];

const PROCESSES = 'com.vmware.vcenter.vm.guest.processes';
const FILES = 'com.vmware.vcenter.vm.guest.filesystem.files';
const DIRS = 'com.vmware.vcenter.vm.guest.filesystem.directories';
const TRANSFERS = 'com.vmware.vcenter.vm.guest.filesystem.transfers';
const IDENTITY = 'com.vmware.vcenter.vm.guest.identity';
const GUEST_POWER = 'com.vmware.vcenter.vm.guest.power';

const ROOT = { interactive_session: false, type: 'USERNAME_PASSWORD', user_name: 'root', password: 'vmware' } as const;
const USER = { ...ROOT, user_name: 'user' } as const;
const WRONG = { ...ROOT, password: 'not-the-password' } as const;

interface Reply {
  readonly status: number;
  /** The decoded output when the call succeeded. */
  readonly value?: unknown;
  /** The std error kind (`not_found`) when it failed. */
  readonly error?: string;
  readonly messages?: string;
  readonly raw: unknown;
}

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('vAPI face: guest operations (real HTTPS, both flavours)', () => {
  let s: TestServer;
  let token: string;
  /** Powered on in `before`; the guest everything runs in. */
  let vm: string;
  /** Stays powered off. */
  let offVm: string;
  /** Powered on; guest power operations run on it. */
  let powerVm: string;

  /** One call in either flavour; REST replies are validated against the 7.0.3 spec. */
  async function call(flavour: Flavour, serviceId: string, operationId: string, input: Record<string, unknown>): Promise<Reply> {
    const op = findOperation(serviceId, operationId);
    assert.ok(op, `${serviceId}.${operationId} is in the registry`);
    if (flavour === 'rest') {
      const built = buildRestRequest(op, input);
      const r = await s.request(built.method, built.path, {
        headers: { 'vmware-api-session-id': token, ...(built.body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(built.body !== undefined ? { body: JSON.stringify(built.body) } : {}),
      });
      const body: unknown = r.body === '' ? undefined : JSON.parse(r.body);
      assert.deepEqual(validateResponse(op.rest.method, op.rest.path, r.status, body), [], `${built.method} ${built.path} → ${r.status} ${r.body}`);
      if (r.status >= 400) {
        const e = body as { error_type: string; messages: { default_message: string }[] };
        return { status: r.status, error: e.error_type.toLowerCase(), messages: e.messages.map((m) => m.default_message).join(' / '), raw: body };
      }
      const out = decodeRestOutput(op, body);
      assert.ok(out.ok, JSON.stringify(out));
      return { status: r.status, value: out.value, raw: body };
    }
    const r = await s.request('POST', '/api', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        method: 'invoke',
        id: 'g-1',
        params: { serviceId, operationId, input: encodeOperationInput(op, input), ctx: { appCtx: {}, securityCtx: { schemeId: 'com.vmware.vapi.std.security.session_id', sessionId: token } } },
      }),
    });
    assert.equal(r.status, 200);
    const j = JSON.parse(r.body) as { id: string; result?: { output?: unknown; error?: { ERROR: Record<string, { messages: { STRUCTURE: Record<string, { default_message: string }> }[] }> } }; error?: unknown };
    assert.equal(j.id, 'g-1');
    assert.ok(j.result, `JSON-RPC protocol error: ${r.body}`);
    if (j.result.error) {
      const [name, fields] = Object.entries(j.result.error.ERROR)[0]!;
      assert.equal(r.headers['vapi-error'], name);
      const messages = fields.messages.map((m) => Object.values(m.STRUCTURE)[0]!.default_message).join(' / ');
      return { status: r.status, error: name.replace('com.vmware.vapi.std.errors.', ''), messages, raw: j.result };
    }
    const out = decodeOperationOutput(op, j.result.output);
    assert.ok(out.ok, JSON.stringify(out));
    return { status: r.status, value: out.value, raw: j.result };
  }

  async function ok(flavour: Flavour, serviceId: string, operationId: string, input: Record<string, unknown>): Promise<unknown> {
    const r = await call(flavour, serviceId, operationId, input);
    assert.equal(r.error, undefined, `${flavour} ${serviceId}.${operationId}: ${r.error}: ${r.messages}`);
    return r.value;
  }

  async function fails(flavour: Flavour, serviceId: string, operationId: string, input: Record<string, unknown>, kind: string, status: number): Promise<Reply> {
    const r = await call(flavour, serviceId, operationId, input);
    assert.equal(r.error, kind, `${flavour} ${serviceId}.${operationId}: expected ${kind}, got ${r.error ?? 'success'}: ${r.messages ?? JSON.stringify(r.raw)}`);
    if (flavour === 'rest') assert.equal(r.status, status);
    return r;
  }

  async function waitForTools(id: string): Promise<void> {
    await until(`tools in ${id}`, async () => {
      const r = await call('rest', GUEST_POWER, 'get', { vm: id });
      return (r.value as { operations_ready: boolean } | undefined)?.operations_ready ? true : undefined;
    });
  }

  async function powerStart(id: string): Promise<void> {
    const r = await s.request('POST', `/api/vcenter/vm/${id}/power?action=start`, { headers: { 'vmware-api-session-id': token } });
    assert.equal(r.status, 204, r.body);
  }

  async function waitExit(id: string, pid: number): Promise<{ exit_code?: number; finished?: string; name: string }> {
    return until(`process ${pid} to end`, async () => {
      const info = (await ok('rest', PROCESSES, 'get', { vm: id, credentials: ROOT, pid })) as { exit_code?: number; finished?: string; name: string };
      return info.exit_code !== undefined ? info : undefined;
    });
  }

  /** A plain HTTPS request to a transfer URL. */
  function transfer(url: string, method: 'GET' | 'PUT', opts: { body?: Buffer | Buffer[]; length?: number | null; contentType?: string } = {}): Promise<{ status: number; body: Buffer; headers: Record<string, unknown> }> {
    const u = new URL(url);
    return new Promise((res, rej) => {
      const headers: Record<string, string> = {};
      const chunks = opts.body === undefined ? [] : Array.isArray(opts.body) ? opts.body : [opts.body];
      const total = chunks.reduce((n, c) => n + c.length, 0);
      if (method === 'PUT' && opts.length !== null) headers['content-length'] = String(opts.length ?? total);
      if (opts.contentType !== undefined) headers['content-type'] = opts.contentType;
      const req = httpsRequest({ host: u.hostname, port: u.port, path: u.pathname + u.search, method, ca: s.ca, servername: 'localhost', headers }, (r) => {
        const got: Buffer[] = [];
        r.on('data', (d: Buffer) => got.push(d));
        r.on('end', () => res({ status: r.statusCode!, body: Buffer.concat(got), headers: r.headers }));
        r.on('error', rej);
      });
      req.on('error', rej);
      (async () => {
        for (const c of chunks) {
          if (!req.write(c)) await new Promise((r) => req.once('drain', r));
        }
        req.end();
      })().catch(rej);
    });
  }

  before(async () => {
    s = await startTestServer();
    const login = await s.request('POST', '/api/session', { headers: { authorization: 'Basic ' + Buffer.from(`administrator:${ADMIN_PASSWORD}`).toString('base64') } });
    assert.equal(login.status, 201);
    token = JSON.parse(login.body) as string;
    const core = s.server.core;
    const off = await core.vms.list(SYSTEM_CALLER, { powerStates: ['poweredOff'], inLibrary: false });
    const on = await core.vms.list(SYSTEM_CALLER, { powerStates: ['poweredOn'], inLibrary: false });
    assert.ok(off.length >= 2 && on.length >= 1, 'the demo inventory has powered-off and powered-on VMs');
    vm = off[0]!.id;
    offVm = off[1]!.id;
    powerVm = on[0]!.id;
    await powerStart(vm);
    await waitForTools(vm);
    await waitForTools(powerVm);
  });
  after(async () => s.close());

  describe('credentials and state', () => {
    for (const f of FLAVOURS) {
      it(`${f}: a wrong guest password is unauthenticated (401), without a challenge`, async () => {
        const r = await fails(f, PROCESSES, 'list', { vm, credentials: WRONG }, 'unauthenticated', 401);
        assert.match(r.messages!, /guest login of user 'root'/);
        assert.doesNotMatch(JSON.stringify(r.raw), /challenge"?:\s*"?Basic/);
        await fails(f, FILES, 'get', { vm, credentials: WRONG, path: '/etc/passwd' }, 'unauthenticated', 401);
        await fails(f, TRANSFERS, 'create', { vm, credentials: WRONG, spec: { path: '/etc/passwd' } }, 'unauthenticated', 401);
      });

      it(`${f}: SAML tokens and interactive sessions are unsupported and say so`, async () => {
        const saml = await fails(f, PROCESSES, 'list', { vm, credentials: { interactive_session: false, type: 'SAML_BEARER_TOKEN', saml_token: 'x' } }, 'unsupported', 400);
        assert.match(saml.messages!, /SAML_BEARER_TOKEN/);
        const inter = await fails(f, PROCESSES, 'list', { vm, credentials: { ...ROOT, interactive_session: true } }, 'unsupported', 400);
        assert.match(inter.messages!, /interactive_session/);
        await fails(f, PROCESSES, 'list', { vm, credentials: { interactive_session: false, type: 'USERNAME_PASSWORD', user_name: 'root' } }, 'invalid_argument', 400);
      });

      it(`${f}: a powered-off VM is not_allowed_in_current_state; its identity is service_unavailable`, async () => {
        const r = await fails(f, PROCESSES, 'list', { vm: offVm, credentials: ROOT }, 'not_allowed_in_current_state', 400);
        assert.match(r.messages!, /powered off/);
        await fails(f, FILES, 'list', { vm: offVm, credentials: ROOT, path: '/' }, 'not_allowed_in_current_state', 400);
        await fails(f, TRANSFERS, 'create', { vm: offVm, credentials: ROOT, spec: { path: '/etc/passwd' } }, 'not_allowed_in_current_state', 400);
        await fails(f, IDENTITY, 'get', { vm: offVm }, 'service_unavailable', 503);
        await fails(f, GUEST_POWER, 'reboot', { vm: offVm }, 'not_allowed_in_current_state', 400);
        await fails(f, GUEST_POWER, 'shutdown', { vm: offVm }, 'already_in_desired_state', 400);
      });

      it(`${f}: an unknown VM is not_found`, async () => {
        await fails(f, PROCESSES, 'list', { vm: 'vm-9999', credentials: ROOT }, 'not_found', 404);
        await fails(f, GUEST_POWER, 'get', { vm: 'vm-9999' }, 'not_found', 404);
      });
    }

    it('tools not running in a powered-on VM: service_unavailable (503) in both flavours', async () => {
      const store = s.server.core.ctx.store;
      await store.vms.update(vm, { toolsState: 'unknown' });
      try {
        for (const f of FLAVOURS) {
          const r = await fails(f, PROCESSES, 'list', { vm, credentials: ROOT }, 'service_unavailable', 503);
          assert.match(r.messages!, /tools are not running/);
          await fails(f, FILES, 'get', { vm, credentials: ROOT, path: '/' }, 'service_unavailable', 503);
          await fails(f, IDENTITY, 'get', { vm }, 'service_unavailable', 503);
          await fails(f, GUEST_POWER, 'reboot', { vm }, 'service_unavailable', 503);
          assert.deepEqual(await ok(f, GUEST_POWER, 'get', { vm }), { state: 'UNAVAILABLE', operations_ready: false });
        }
      } finally {
        await store.vms.update(vm, { toolsState: 'running' });
      }
    });
  });

  describe('processes', () => {
    it('rest: create sh -c with a redirection, then fetch the file through a transfer URL', async () => {
      const pid = (await ok('rest', PROCESSES, 'create', { vm, credentials: ROOT, spec: { path: '/bin/sh', arguments: `-c 'echo hi > /tmp/out.txt'` } })) as number;
      assert.ok(Number.isInteger(pid) && pid > 1);
      const done = await waitExit(vm, pid);
      assert.equal(done.exit_code, 0);
      assert.equal(done.name, 'sh');
      const url = (await ok('rest', TRANSFERS, 'create', { vm, credentials: ROOT, spec: { path: '/tmp/out.txt' } })) as string;
      const got = await transfer(url, 'GET');
      assert.equal(got.status, 200);
      assert.equal(got.body.toString(), 'hi\n');
    });

    it('jsonrpc: create with shell syntax in arguments runs through /bin/sh, as vSphere bash does', async () => {
      const pid = (await ok('jsonrpc', PROCESSES, 'create', { vm, credentials: ROOT, spec: { path: '/bin/echo', arguments: 'hello "big world" > /tmp/rpc.txt', working_directory: '/tmp', environment_variables: { GREETING: 'x' } } })) as number;
      assert.equal((await waitExit(vm, pid)).exit_code, 0);
      const info = (await ok('jsonrpc', FILES, 'get', { vm, credentials: ROOT, path: '/tmp/rpc.txt' })) as { size: number };
      assert.equal(info.size, 'hello big world\n'.length);
    });

    it('jsonrpc: the raw specialized JSON an SDK sends, and the bare long it gets back', async () => {
      const r = await s.request('POST', '/api', {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          jsonrpc: '2.0',
          method: 'invoke',
          id: '7',
          params: {
            serviceId: PROCESSES,
            operationId: 'create',
            input: {
              STRUCTURE: {
                'operation-input': {
                  vm,
                  credentials: { STRUCTURE: { 'com.vmware.vcenter.vm.guest.credentials': { interactive_session: false, type: 'USERNAME_PASSWORD', user_name: { OPTIONAL: 'user' }, password: { OPTIONAL: { SECRET: 'vmware' } }, saml_token: { OPTIONAL: null } } } },
                  spec: { STRUCTURE: { 'com.vmware.vcenter.vm.guest.processes.create_spec': { path: '/bin/true', arguments: { OPTIONAL: null }, working_directory: { OPTIONAL: null }, environment_variables: { OPTIONAL: null }, start_minimized: { OPTIONAL: null } } } },
                },
              },
            },
            ctx: { appCtx: { opId: 'raw' }, securityCtx: { schemeId: 'com.vmware.vapi.std.security.session_id', sessionId: token } },
          },
        }),
      });
      const j = JSON.parse(r.body) as { id: string; result: { output: number } };
      assert.equal(j.id, '7');
      assert.equal(typeof j.result.output, 'number');
      const info = (await ok('rest', PROCESSES, 'get', { vm, credentials: USER, pid: j.result.output })) as { owner: string };
      assert.equal(info.owner, 'user');
    });

    for (const f of FLAVOURS) {
      it(`${f}: list shows exited processes; get gives their exit codes`, async () => {
        const okPid = (await ok(f, PROCESSES, 'create', { vm, credentials: ROOT, spec: { path: '/bin/true' } })) as number;
        const badPid = (await ok(f, PROCESSES, 'create', { vm, credentials: ROOT, spec: { path: '/bin/false' } })) as number;
        assert.equal((await waitExit(vm, okPid)).exit_code, 0);
        const bad = (await waitExit(vm, badPid)) as { exit_code?: number; finished?: string };
        assert.equal(bad.exit_code, 1);
        assert.ok(bad.finished && !Number.isNaN(Date.parse(bad.finished)));
        const list = (await ok(f, PROCESSES, 'list', { vm, credentials: ROOT })) as { pid: number; name: string; owner: string; command: string; started: string }[];
        const mine = list.filter((p) => p.pid === okPid || p.pid === badPid);
        assert.deepEqual(mine.map((p) => [p.name, p.owner]).sort(), [['false', 'root'], ['true', 'root']]);
        assert.ok(list.some((p) => p.pid === 1), 'init is listed');
        const got = (await ok(f, PROCESSES, 'get', { vm, credentials: ROOT, pid: badPid })) as Record<string, unknown>;
        assert.deepEqual(Object.keys(got).sort(), ['command', 'exit_code', 'finished', 'name', 'owner', 'started']);
      });

      it(`${f}: delete kills a running sleep 300; unknown pids are not_found`, async () => {
        const pid = (await ok(f, PROCESSES, 'create', { vm, credentials: ROOT, spec: { path: '/bin/sleep', arguments: '300' } })) as number;
        const running = (await ok(f, PROCESSES, 'get', { vm, credentials: ROOT, pid })) as { exit_code?: number; command: string };
        assert.equal(running.exit_code, undefined);
        assert.match(running.command, /sleep 300/);
        assert.equal(await ok(f, PROCESSES, 'delete', { vm, credentials: ROOT, pid }), undefined);
        const killed = (await ok(f, PROCESSES, 'get', { vm, credentials: ROOT, pid })) as { exit_code?: number };
        assert.equal(killed.exit_code, 137);
        await fails(f, PROCESSES, 'get', { vm, credentials: ROOT, pid: 999_999 }, 'not_found', 404);
        await fails(f, PROCESSES, 'delete', { vm, credentials: ROOT, pid: 999_999 }, 'not_found', 404);
      });

      it(`${f}: a program that does not exist is not_found; bad quoting is invalid_argument`, async () => {
        await fails(f, PROCESSES, 'create', { vm, credentials: ROOT, spec: { path: '/bin/no-such-program' } }, 'not_found', 404);
        const q = await fails(f, PROCESSES, 'create', { vm, credentials: ROOT, spec: { path: '/bin/echo', arguments: `'unterminated` } }, 'invalid_argument', 400);
        assert.match(q.messages!, /unterminated single quote/);
      });
    }
  });

  describe('files and directories', () => {
    for (const f of FLAVOURS) {
      const dir = `/tmp/g-${f}`;
      it(`${f}: directories create (with parents), create_temporary, move, delete (recursive)`, async () => {
        assert.equal(await ok(f, DIRS, 'create', { vm, credentials: ROOT, path: dir }), undefined);
        await fails(f, DIRS, 'create', { vm, credentials: ROOT, path: dir }, 'already_exists', 400);
        await fails(f, DIRS, 'create', { vm, credentials: ROOT, path: `${dir}/a/b/c` }, 'not_found', 404);
        await ok(f, DIRS, 'create', { vm, credentials: ROOT, path: `${dir}/a/b/c`, create_parents: true });
        const tmp = (await ok(f, DIRS, 'create_temporary', { vm, credentials: ROOT, prefix: 'pre-', suffix: '-suf', parent_path: dir })) as string;
        assert.match(tmp, new RegExp(`^${dir}/pre-.+-suf$`));
        assert.equal(((await ok(f, FILES, 'get', { vm, credentials: ROOT, path: tmp })) as { type: string }).type, 'DIRECTORY');
        const tmpDefault = (await ok(f, DIRS, 'create_temporary', { vm, credentials: ROOT, prefix: 'x', suffix: '' })) as string;
        assert.match(tmpDefault, /^\/tmp\/x/);
        await ok(f, DIRS, 'move', { vm, credentials: ROOT, path: `${dir}/a`, new_path: `${dir}/moved` });
        await fails(f, FILES, 'get', { vm, credentials: ROOT, path: `${dir}/a` }, 'not_found', 404);
        await ok(f, FILES, 'get', { vm, credentials: ROOT, path: `${dir}/moved/b/c` });
        await fails(f, DIRS, 'move', { vm, credentials: ROOT, path: '/etc/hostname', new_path: `${dir}/h` }, 'invalid_argument', 400);
        await fails(f, DIRS, 'delete', { vm, credentials: ROOT, path: `${dir}/moved` }, 'invalid_argument', 400);
        await ok(f, DIRS, 'delete', { vm, credentials: ROOT, path: `${dir}/moved`, recursive: true });
        await fails(f, FILES, 'get', { vm, credentials: ROOT, path: `${dir}/moved` }, 'not_found', 404);
        await fails(f, DIRS, 'delete', { vm, credentials: USER, path: '/root' }, 'unauthorized', 403);
      });

      it(`${f}: files create_temporary, get (posix attributes), list (paging, filter), move, update, delete`, async () => {
        const tmp = (await ok(f, FILES, 'create_temporary', { vm, credentials: USER, prefix: `note-${f}-`, suffix: '.txt', parent_path: '/tmp' })) as string;
        assert.match(tmp, new RegExp(`^/tmp/note-${f}-.+\\.txt$`));
        const info = (await ok(f, FILES, 'get', { vm, credentials: ROOT, path: tmp })) as { type: string; size: number; attributes: { filesystem_family: string; posix_attributes?: { owner: number; group: number; permissions: string }; last_modified: string } };
        assert.equal(info.type, 'FILE');
        assert.equal(info.size, 0);
        assert.equal(info.attributes.filesystem_family, 'POSIX');
        assert.deepEqual(info.attributes.posix_attributes, { owner: 1000, group: 1000, permissions: '600' });
        const root = (await ok(f, FILES, 'get', { vm, credentials: ROOT, path: '/tmp' })) as { type: string; attributes: { posix_attributes?: { owner: number; permissions: string } } };
        assert.equal(root.type, 'DIRECTORY');
        assert.deepEqual(root.attributes.posix_attributes, { owner: 0, group: 0, permissions: '1777' });

        for (const n of ['b.txt', 'c.log', 'd.txt']) await ok(f, FILES, 'create_temporary', { vm, credentials: ROOT, prefix: n.split('.')[0]!, suffix: `.${n.split('.')[1]}`, parent_path: `${dir}` });
        const all = (await ok(f, FILES, 'list', { vm, credentials: ROOT, path: dir })) as { files: { filename: string; type: string; size: number }[]; total: number; status: string; start_index?: number; end_index?: number };
        assert.equal(all.total, all.files.length);
        assert.equal(all.status, 'END_OF_DATA');
        assert.ok(all.files.every((x) => !x.filename.includes('/')));
        const page = (await ok(f, FILES, 'list', { vm, credentials: ROOT, path: dir, iteration: { size: 2, index: 1 } })) as typeof all;
        assert.equal(page.files.length, 2);
        assert.deepEqual([page.start_index, page.end_index, page.status, page.total], [1, 2, all.total > 3 ? 'READY' : 'END_OF_DATA', all.total]);
        assert.deepEqual(page.files, all.files.slice(1, 3));
        const beyond = (await ok(f, FILES, 'list', { vm, credentials: ROOT, path: dir, iteration: { index: 100 } })) as typeof all;
        assert.deepEqual([beyond.files.length, beyond.start_index, beyond.status], [0, undefined, 'END_OF_DATA']);
        const txt = (await ok(f, FILES, 'list', { vm, credentials: ROOT, path: dir, filter: { match_pattern: '\\.txt$' } })) as typeof all;
        assert.ok(txt.files.length === 2 && txt.files.every((x) => x.filename.endsWith('.txt')));
        const one = (await ok(f, FILES, 'list', { vm, credentials: ROOT, path: '/etc/hostname' })) as typeof all;
        assert.deepEqual(one.files.map((x) => [x.filename, x.type]), [['hostname', 'FILE']]);
        await fails(f, FILES, 'list', { vm, credentials: ROOT, path: dir, filter: { match_pattern: '(' } }, 'invalid_argument', 400);
        await fails(f, FILES, 'list', { vm, credentials: ROOT, path: `${dir}/none` }, 'not_found', 404);

        const target = `${dir}/moved.txt`;
        await ok(f, FILES, 'move', { vm, credentials: ROOT, path: tmp, new_path: target });
        await fails(f, FILES, 'get', { vm, credentials: ROOT, path: tmp }, 'not_found', 404);
        const other = (await ok(f, FILES, 'create_temporary', { vm, credentials: ROOT, prefix: 'o', suffix: '', parent_path: dir })) as string;
        await fails(f, FILES, 'move', { vm, credentials: ROOT, path: other, new_path: target }, 'already_exists', 400);
        await ok(f, FILES, 'move', { vm, credentials: ROOT, path: other, new_path: target, overwrite: true });
        await fails(f, FILES, 'move', { vm, credentials: ROOT, path: '/tmp', new_path: `${dir}/x` }, 'invalid_argument', 400);

        assert.equal(await ok(f, FILES, 'update', { vm, credentials: ROOT, path: target, file_attributes: {} }), undefined);
        const upd = await fails(f, FILES, 'update', { vm, credentials: ROOT, path: target, file_attributes: { posix: { permissions: '644' } } }, 'unsupported', 400);
        assert.match(upd.messages!, /posix\.permissions/);
        await fails(f, FILES, 'update', { vm, credentials: ROOT, path: `${dir}/none`, file_attributes: {} }, 'not_found', 404);

        assert.equal(await ok(f, FILES, 'delete', { vm, credentials: ROOT, path: target }), undefined);
        await fails(f, FILES, 'get', { vm, credentials: ROOT, path: target }, 'not_found', 404);
        await fails(f, FILES, 'delete', { vm, credentials: ROOT, path: target }, 'not_found', 404);
        await fails(f, FILES, 'delete', { vm, credentials: ROOT, path: dir }, 'invalid_argument', 400);
        await fails(f, FILES, 'get', { vm, credentials: USER, path: '/root/secret' }, 'unauthorized', 403);
      });
    }
  });

  describe('file transfers', () => {
    const big = randomBytes(5 * 1024 * 1024 + 123);

    it('a 5 MiB file goes up (REST-made URL, PUT) and comes back (JSON-RPC-made URL, GET) intact', async () => {
      const up = (await ok('rest', TRANSFERS, 'create', { vm, credentials: ROOT, spec: { path: '/tmp/big.bin', attributes: { size: big.length, overwrite: false } } })) as string;
      assert.match(up, new RegExp(`^${s.baseUrl}/guestFile/[A-Za-z0-9_-]{43}$`));
      const put = await transfer(up, 'PUT', { body: big, contentType: 'application/octet-stream' });
      assert.equal(put.status, 200, put.body.toString());
      const info = (await ok('rest', FILES, 'get', { vm, credentials: ROOT, path: '/tmp/big.bin' })) as { size: number; attributes: { posix_attributes?: { permissions: string } } };
      assert.equal(info.size, big.length);
      assert.equal(info.attributes.posix_attributes?.permissions, '644');
      const down = (await ok('jsonrpc', TRANSFERS, 'create', { vm, credentials: ROOT, spec: { path: '/tmp/big.bin' } })) as string;
      const got = await transfer(down, 'GET');
      assert.equal(got.status, 200);
      assert.equal(got.headers['content-length'], String(big.length));
      assert.equal(got.headers['content-type'], 'application/octet-stream');
      assert.equal(sha256(got.body), sha256(big));
      // One successful request spends a URL.
      assert.equal((await transfer(down, 'GET')).status, 404);
      assert.equal((await transfer(up, 'PUT', { body: big })).status, 404);
    });

    it('an upload streamed in many small chunks without a length arrives whole; overwrite replaces', async () => {
      const data = randomBytes(3 * 1024 * 1024 + 7);
      const url = (await ok('jsonrpc', TRANSFERS, 'create', { vm, credentials: ROOT, spec: { path: '/tmp/big.bin', attributes: { size: data.length, overwrite: true } } })) as string;
      const pieces: Buffer[] = [];
      for (let i = 0; i < data.length; i += 100_000) pieces.push(data.subarray(i, i + 100_000));
      assert.equal((await transfer(url, 'PUT', { body: pieces, length: null, contentType: 'application/json' })).status, 200);
      const back = await transfer((await ok('rest', TRANSFERS, 'create', { vm, credentials: ROOT, spec: { path: '/tmp/big.bin' } })) as string, 'GET');
      assert.equal(sha256(back.body), sha256(data));
    });

    it('an upload longer or shorter than declared is 400 and leaves nothing in the guest', async () => {
      const path = '/tmp/partial.bin';
      const declared = 2 * 1024 * 1024;
      const url = (await ok('rest', TRANSFERS, 'create', { vm, credentials: ROOT, spec: { path, attributes: { size: declared } } })) as string;
      // Declared by content-length: refused before a byte is written.
      const tooLong = await transfer(url, 'PUT', { body: randomBytes(declared + 1) });
      assert.equal(tooLong.status, 400);
      assert.match(tooLong.body.toString(), /created for 2097152 bytes/);
      // Chunked: found out after two chunks were written, which are then removed.
      const chunked = await transfer(url, 'PUT', { body: [randomBytes(declared), randomBytes(10)], length: null });
      assert.equal(chunked.status, 400);
      assert.match(chunked.body.toString(), /longer than/);
      const short = await transfer(url, 'PUT', { body: [randomBytes(1000)], length: null });
      assert.equal(short.status, 400);
      assert.match(short.body.toString(), /ended after 1000/);
      for (const f of FLAVOURS) await fails(f, FILES, 'get', { vm, credentials: ROOT, path }, 'not_found', 404);
      const leftovers = (await ok('rest', FILES, 'list', { vm, credentials: ROOT, path: '/tmp', filter: { match_pattern: 'vmgate-upload' } })) as { total: number };
      assert.equal(leftovers.total, 0);
      // A failed request does not spend the URL.
      assert.equal((await transfer(url, 'PUT', { body: Buffer.alloc(declared, 7) })).status, 200);
      assert.equal(((await ok('rest', FILES, 'get', { vm, credentials: ROOT, path })) as { size: number }).size, declared);
    });

    it('an existing file is not replaced unless overwrite; the old content survives a failed upload', async () => {
      const path = '/tmp/keep.txt';
      const first = (await ok('rest', TRANSFERS, 'create', { vm, credentials: ROOT, spec: { path, attributes: { size: 4 } } })) as string;
      assert.equal((await transfer(first, 'PUT', { body: Buffer.from('keep') })).status, 200);
      for (const f of FLAVOURS) await fails(f, TRANSFERS, 'create', { vm, credentials: ROOT, spec: { path, attributes: { size: 4 } } }, 'already_exists', 400);
      const over = (await ok('rest', TRANSFERS, 'create', { vm, credentials: ROOT, spec: { path, attributes: { size: 4, overwrite: true } } })) as string;
      assert.equal((await transfer(over, 'PUT', { body: Buffer.from('toolong') })).status, 400);
      const back = await transfer((await ok('rest', TRANSFERS, 'create', { vm, credentials: ROOT, spec: { path } })) as string, 'GET');
      assert.equal(back.body.toString(), 'keep');
      assert.equal((await transfer(over, 'PUT', { body: Buffer.from('new!') })).status, 200);
      const again = await transfer((await ok('jsonrpc', TRANSFERS, 'create', { vm, credentials: ROOT, spec: { path } })) as string, 'GET');
      assert.equal(again.body.toString(), 'new!');
    });

    it('an empty file can go up and down', async () => {
      const url = (await ok('rest', TRANSFERS, 'create', { vm, credentials: ROOT, spec: { path: '/tmp/empty', attributes: { size: 0 } } })) as string;
      assert.equal((await transfer(url, 'PUT')).status, 200);
      const got = await transfer((await ok('rest', TRANSFERS, 'create', { vm, credentials: ROOT, spec: { path: '/tmp/empty' } })) as string, 'GET');
      assert.deepEqual([got.status, got.body.length, got.headers['content-length']], [200, 0, '0']);
    });

    for (const f of FLAVOURS) {
      it(`${f}: create refuses what the transfer would fail on`, async () => {
        await fails(f, TRANSFERS, 'create', { vm, credentials: ROOT, spec: { path: '/tmp/nothing-here' } }, 'not_found', 404);
        await fails(f, TRANSFERS, 'create', { vm, credentials: ROOT, spec: { path: '/tmp' } }, 'invalid_argument', 400);
        await fails(f, TRANSFERS, 'create', { vm, credentials: ROOT, spec: { path: '/no/such/dir/f', attributes: { size: 1 } } }, 'not_found', 404);
        await fails(f, TRANSFERS, 'create', { vm, credentials: ROOT, spec: { path: '/tmp', attributes: { size: 1, overwrite: true } } }, 'invalid_argument', 400);
        await fails(f, TRANSFERS, 'create', { vm, credentials: ROOT, spec: { path: '/tmp/x', attributes: { size: -1 } } }, 'invalid_argument', 400);
        const attr = await fails(f, TRANSFERS, 'create', { vm, credentials: ROOT, spec: { path: '/tmp/x', attributes: { size: 1, posix: { permissions: '600' } } } }, 'unsupported', 400);
        assert.match(attr.messages!, /posix\.permissions/);
        await fails(f, TRANSFERS, 'create', { vm, credentials: USER, spec: { path: '/root/x', attributes: { size: 1 } } }, 'unauthorized', 403);
      });
    }

    it('unknown tokens are 404; the wrong method for a URL is 400; errors are plain text', async () => {
      const unknown = await transfer(`${s.baseUrl}/guestFile/${'A'.repeat(43)}`, 'GET');
      assert.equal(unknown.status, 404);
      assert.match(String(unknown.headers['content-type']), /^text\/plain/);
      assert.match(unknown.body.toString(), /unknown, expired or already used/);
      assert.equal((await transfer(`${s.baseUrl}/guestFile/nope`, 'PUT', { body: Buffer.from('x') })).status, 404);
      const up = (await ok('rest', TRANSFERS, 'create', { vm, credentials: ROOT, spec: { path: '/tmp/method.txt', attributes: { size: 1 } } })) as string;
      assert.equal((await transfer(up, 'GET')).status, 400);
      const down = (await ok('rest', TRANSFERS, 'create', { vm, credentials: ROOT, spec: { path: '/etc/hostname' } })) as string;
      assert.equal((await transfer(down, 'PUT', { body: Buffer.from('x') })).status, 400);
      // Still usable after the wrong method.
      assert.equal((await transfer(up, 'PUT', { body: Buffer.from('1') })).status, 200);
      assert.equal((await transfer(down, 'GET')).status, 200);
    });

    it('URLs expire after five minutes', async () => {
      const url = (await ok('rest', TRANSFERS, 'create', { vm, credentials: ROOT, spec: { path: '/etc/hostname' } })) as string;
      const clock = s.server.core.ctx.clock as { now(): Date };
      const realNow = clock.now.bind(clock);
      clock.now = () => new Date(realNow().getTime() + 5 * 60_000 + 1);
      try {
        assert.equal((await transfer(url, 'GET')).status, 404);
      } finally {
        clock.now = realNow;
      }
    });
  });

  describe('identity and guest power', () => {
    for (const f of FLAVOURS) {
      it(`${f}: identity of a running guest`, async () => {
        const id = (await ok(f, IDENTITY, 'get', { vm })) as Record<string, unknown>;
        const rec = await s.server.core.vms.get(SYSTEM_CALLER, vm);
        assert.deepEqual(id, { name: 'OTHER_LINUX_64', family: 'LINUX', full_name: { id: 'vmgate.guest_os.OTHER_LINUX_64', default_message: 'Other Linux (64-bit)', args: [] }, host_name: rec.fqdn });
      });

      it(`${f}: guest networking interfaces: none from the simulator's guest; a powered-off VM is service_unavailable`, async () => {
        assert.deepEqual(await ok(f, 'com.vmware.vcenter.vm.guest.networking.interfaces', 'list', { vm }), []);
        const r = await fails(f, 'com.vmware.vcenter.vm.guest.networking.interfaces', 'list', { vm: offVm }, 'service_unavailable', 503);
        assert.match(r.messages!, /reports no network: it is powered off/);
      });

      it(`${f}: guest power get`, async () => {
        assert.deepEqual(await ok(f, GUEST_POWER, 'get', { vm }), { state: 'RUNNING', operations_ready: true });
        assert.deepEqual(await ok(f, GUEST_POWER, 'get', { vm: offVm }), { state: 'NOT_RUNNING', operations_ready: false });
      });
    }

    it('reboot, standby and shutdown in both flavours', async () => {
      const state = async () => ((await ok('rest', GUEST_POWER, 'get', { vm: powerVm })) as { state: string }).state;
      for (const f of FLAVOURS) {
        assert.equal(await ok(f, GUEST_POWER, 'reboot', { vm: powerVm }), undefined);
        await waitForTools(powerVm);
      }
      for (const f of FLAVOURS) {
        assert.equal(await ok(f, GUEST_POWER, 'standby', { vm: powerVm }), undefined);
        assert.equal(await state(), 'STANDBY');
        await fails(f, GUEST_POWER, 'standby', { vm: powerVm }, 'already_in_desired_state', 400);
        await powerStart(powerVm);
        await waitForTools(powerVm);
      }
      for (const f of FLAVOURS) {
        assert.equal(await ok(f, GUEST_POWER, 'shutdown', { vm: powerVm }), undefined);
        assert.equal(await state(), 'NOT_RUNNING');
        await fails(f, GUEST_POWER, 'shutdown', { vm: powerVm }, 'already_in_desired_state', 400);
        await powerStart(powerVm);
        await waitForTools(powerVm);
      }
    });
  });
});

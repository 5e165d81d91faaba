/**
 * Every request example of docs/faces/vapi.md runs, in the page's order, against a real
 * vmgate (the demo inventory the page was written with: two clustered hosts, a standalone
 * host, three VMs each, the library and desktops), and answers the documented status and
 * the documented shape (the same keys, the same kinds of values). Ids the server hands out
 * (a new VM, snapshot, user, task, transfer URL) replace the documented ones in later
 * examples. A precondition in parentheses on a request line is set up by hand here; an
 * example with a precondition this file does not know fails, so a new one gets its setup.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SYSTEM_CALLER } from '../../src/core/index.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../support/test-server.ts';
import { REPO_ROOT } from '../support/qemu-guest.ts';
import { extractExamples, shapeDifferences, type DocExample } from './doc-examples.ts';

const PAGE = join(REPO_ROOT, 'docs/faces/vapi.md');
const examples = extractExamples(PAGE);
const CRED = JSON.stringify({ interactive_session: false, type: 'USERNAME_PASSWORD', user_name: 'root', password: 'vmware' });

describe('docs/faces/vapi.md: every request example, run against a server', () => {
  let s: TestServer;
  let token: string;
  /** Documented id → the id this server handed out. */
  const ids = new Map<string, string>();
  /** Transfer URLs (guest filesystem create): upload first, then download, as the page shows them. */
  const transfers: { upload: string | null; download: string | null } = { upload: null, download: null };

  before(async () => {
    s = await startTestServer({ simSpeed: 1000 });
    const r = await s.request('POST', '/api/session', { headers: { authorization: basic() } });
    assert.equal(r.status, 201);
    token = JSON.parse(r.body) as string;
  });
  after(async () => s?.close());

  const basic = (): string => `Basic ${Buffer.from(`administrator:${ADMIN_PASSWORD}`).toString('base64')}`;
  const ctx = (): string => JSON.stringify({ appCtx: {}, securityCtx: { schemeId: 'com.vmware.vapi.std.security.session_id', sessionId: token } });
  const mapIds = (text: string): string => {
    let out = text;
    // longest first, so that vm-1 does not replace inside vm-18
    for (const [from, to] of [...ids].sort((a, b) => b[0].length - a[0].length)) out = out.replace(new RegExp(`(?<![\\w-])${from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w-])`, 'g'), to);
    return out;
  };

  const core = () => s.server.core;
  const newVm = async (name: string, over: { hardwareVersion?: number; guestOs?: string; on?: boolean } = {}): Promise<string> => {
    const host = (await core().vms.get(SYSTEM_CALLER, mapIds('vm-2'))).hostId!;
    const vm = await core().vms.create(SYSTEM_CALLER, { name, placement: { hostId: host }, ...(over.hardwareVersion ? { hardwareVersion: over.hardwareVersion } : {}), ...(over.guestOs ? { guestOs: over.guestOs } : {}) });
    if (over.on) await core().tasks.result(SYSTEM_CALLER, await core().power.run(SYSTEM_CALLER, vm.id, 'powerOn'));
    return vm.id;
  };
  const power = async (docId: string, op: 'powerOn' | 'powerOff'): Promise<void> => {
    const vm = await core().vms.get(SYSTEM_CALLER, mapIds(docId));
    const want = op === 'powerOn' ? 'poweredOn' : 'poweredOff';
    if (vm.powerState !== want) await core().tasks.result(SYSTEM_CALLER, await core().power.run(SYSTEM_CALLER, vm.id, op));
  };
  const guestSh = async (script: string): Promise<void> => {
    const r = await s.request('POST', `/api/vmgate/vm/${mapIds('vm-2')}/guest/programs?action=run`, {
      headers: { 'vmware-api-session-id': token, 'content-type': 'application/json' },
      body: JSON.stringify({ credentials: JSON.parse(CRED) as unknown, spec: { path: '/bin/sh', arguments: ['-c', script] } }),
    });
    assert.equal(r.status, 200, r.body);
    assert.equal((JSON.parse(r.body) as { exit_code: number }).exit_code, 0, r.body);
  };

  /** The session an example runs with when its setup says so ("(as demo)"); the administrator's otherwise. */
  let exampleToken: string | null = null;
  let demoToken: string | null = null;
  /** The demo user's portal as the page shows it: an application pool entitled to demo, demo's desktop launched once; the examples then run as demo. */
  const asDemo = async (): Promise<void> => {
    if (demoToken === null) {
      const r = await s.request('POST', '/api/session', { headers: { authorization: `Basic ${Buffer.from('demo:demo-password-1').toString('base64')}` } });
      assert.equal(r.status, 201, r.body);
      demoToken = JSON.parse(r.body) as string;
      const c = core();
      const pool = await c.vdi.createPool(SYSTEM_CALLER, { name: 'doc-calc', displayName: 'Calculators', type: 'application', vmIds: [mapIds('vm-2')] });
      await c.vdi.publishApplication(SYSTEM_CALLER, pool.id, { name: 'Calculator', path: 'C:\\Windows\\System32\\calc.exe' });
      await c.vdi.entitle(SYSTEM_CALLER, pool.id, 'user:demo');
      const launched = await s.request('POST', '/api/vmgate/desktops/pool-1?action=launch', { headers: { 'vmware-api-session-id': demoToken } });
      assert.equal(launched.status, 200, launched.body);
    }
    exampleToken = demoToken;
  };

  /**
   * What the page takes for granted before an example, by request line (method, path and
   * note as written). A setup may return stand-ins: documented ids mapped to other objects
   * for this example only. The page shows each operation once rather than as one story, so
   * e.g. the VM it deletes is the one it later unregisters: the delete gets a stand-in.
   */
  const SETUPS: Record<string, () => Promise<Record<string, string> | void>> = {
    'POST /api/vcenter/vm/vm-1/power?action=start (already on)': () => power('vm-1', 'powerOn'),
    'DELETE /api/vcenter/vm/vm-18': async () => ({ 'vm-18': await newVm('doc-delete-me') }),
    // vm-18 has the page's 16 GiB disk, which a clone reads whole; a small VM stands in.
    'POST /api/vcenter/vm?action=clone': async () => ({ 'vm-18': await newVm('doc-clone-src') }),
    'POST /api/vcenter/vm?action=clone&vmw-task=true': async () => ({ 'vm-18': await newVm('doc-clone-src-2') }),
    'POST /api/vcenter/vm/vm-13/hardware?action=upgrade': async () => ({ 'vm-13': await newVm('doc-hw13', { hardwareVersion: 13 }) }),
    // The device examples change a VM that is off (vm-8) and connect one that runs (vm-1), whose tools answer.
    'GET /api/vcenter/vm/vm-8/hardware/ethernet (powered off)': () => power('vm-8', 'powerOff'),
    'POST /api/vcenter/vm/vm-1/hardware/ethernet/4000?action=disconnect (powered on)': () => power('vm-1', 'powerOn'),
    'GET /api/vcenter/vm/vm-1/tools (tools running)': async () => {
      await power('vm-1', 'powerOn');
      await core().tasks.result(SYSTEM_CALLER, await core().power.waitForTools(SYSTEM_CALLER, mapIds('vm-1'), 30_000));
    },
    'POST /api/vcenter/vm/vm-2/guest/processes/101?action=delete': async () => {
      const r = await s.request('POST', `/api/vcenter/vm/${mapIds('vm-2')}/guest/processes?action=create`, {
        headers: { 'vmware-api-session-id': token, 'content-type': 'application/json' },
        body: JSON.stringify({ credentials: JSON.parse(CRED) as unknown, spec: { path: '/bin/sleep', arguments: '600' } }),
      });
      assert.equal(r.status, 201, r.body);
      return { '101': String(JSON.parse(r.body) as number) };
    },
    'POST /api/vcenter/vm/vm-2/guest/filesystem/files/%2Ftmp%2Fdemo%2Fnote.txt?action=delete': () => guestSh('mkdir -p /tmp/demo && echo hi > /tmp/demo/note.txt'),
    'POST /api/vcenter/vm/vm-2/guest/filesystem/files?action=move': () => guestSh('echo hi > /tmp/demo/note-gnteny.txt'),
    'POST /api/vcenter/vm/vm-8/guest/processes?action=list (a powered-off VM)': () => power('vm-8', 'powerOff'),
    // A powered-on VM whose guest never starts tools (the sim's "notools" guest OS) stands in for vm-2.
    'POST /api/vcenter/vm/vm-2/guest/processes?action=list (tools not running)': async () => ({ 'vm-2': await newVm('doc-no-tools', { guestOs: 'otherlinux-64-notools', on: true }) }),
    // The vm.hardware device examples attach files that are on the datastore.
    'POST /api/vcenter/vm/vm-41/hardware/disk (an image on LocalDS_1)': async () => {
      await mkdir(join(s.dataDir, 'datastores', 'LocalDS_1', 'images'), { recursive: true });
      await writeFile(join(s.dataDir, 'datastores', 'LocalDS_1', 'images', 'shared.vmdk'), Buffer.alloc(1024 * 1024));
    },
    'POST /api/vcenter/vm/vm-41/hardware/cdrom (an ISO on LocalDS_1)': async () => {
      await mkdir(join(s.dataDir, 'datastores', 'LocalDS_1', 'iso'), { recursive: true });
      for (const iso of ['installer.iso', 'drivers.iso']) await writeFile(join(s.dataDir, 'datastores', 'LocalDS_1', 'iso', iso), 'not a real ISO: the simulator does not read it');
    },
    // A VM's serial port has TCP port 7301, and a .vmx on LocalDS_0 asks for it too.
    'POST /api/vcenter/vm?action=register (a .vmx whose serial0 listens on TCP port 7301, which serial1 of vm-18 has)': async () => {
      const holder = await newVm('doc-serial-7301');
      await core().devices.addSerial(SYSTEM_CALLER, holder, { backing: { kind: 'file', file: 'com1.log' } });
      await core().devices.addSerial(SYSTEM_CALLER, holder, { backing: { kind: 'tcpServer', port: 7301 } });
      await mkdir(join(s.dataDir, 'datastores', 'LocalDS_0', 'web02'), { recursive: true });
      await writeFile(
        join(s.dataDir, 'datastores', 'LocalDS_0', 'web02', 'web02.vmx'),
        ['displayName = "web02"', 'guestOS = "otherlinux-64"', 'numvcpus = "1"', 'memsize = "256"', 'serial0.present = "TRUE"', 'serial0.fileType = "network"', 'serial0.fileName = "tcp://127.0.0.1:7301"', 'serial0.network.endPoint = "server"', ''].join('\n'),
      );
      return { 'vm-18': holder };
    },
    // The page's event examples show vm-1's latest event as its power-off by the administrator.
    'GET /api/vmgate/desktops (as demo)': asDemo,
    'POST /api/vmgate/desktops/pool-1?action=launch (as demo)': asDemo,
    'GET /api/vmgate/events?object=vm-1&limit=2': async () => {
      const r = await s.request('POST', `/api/vcenter/vm/${mapIds('vm-1')}/power?action=stop`, { headers: { 'vmware-api-session-id': token } });
      assert.equal(r.status, 204, r.body);
    },
  };
  /** What an example changes that later ones rely on, by request line. */
  const AFTER: Record<string, (answer: unknown) => void | Promise<void>> = {
    // A guest reboot returns when the guest has restarted; its tools start a moment later
    // (as on a real guest). The examples after it use vm-2's tools.
    'POST /api/vcenter/vm/vm-2/guest/power?action=reboot': async () => {
      await core().tasks.result(SYSTEM_CALLER, await core().power.waitForTools(SYSTEM_CALLER, mapIds('vm-2'), 30_000));
    },
    // The page registers again the VM it unregistered (vm-18) and goes on using it under its old id.
    'POST /api/vcenter/vm?action=register': (answer) => {
      if (typeof answer === 'string') ids.set('vm-18', answer);
    },
  };
  /** Notes on request lines that describe rather than set up. */
  const DESCRIPTIVE_NOTES = new Set(['(any content-type, or none)']);

  for (const ex of examples) {
    const key = `${ex.method} ${ex.path}${ex.note ? ` ${ex.note.replace(/^content-length: \d+\s*/, '').replace(/\s+/g, ' ')}` : ''}`.trim();
    it(`line ${ex.line}: ${ex.method} ${ex.path} ${ex.note} → ${ex.status}${ex.vapiError ? ` ${ex.vapiError}` : ''}`, async () => {
      const setup = SETUPS[key];
      const pre = /\(.*\)/.exec(ex.note)?.[0];
      if (pre !== undefined && !DESCRIPTIVE_NOTES.has(pre)) assert.ok(setup, `no setup for the precondition in "${key}": add one to SETUPS`);
      const standIns = (await setup?.()) ?? {};
      const saved = new Map(ids);
      for (const [from, to] of Object.entries(standIns)) ids.set(from, to);
      try {
        const answer = await runExample(ex);
        await AFTER[key]?.(answer);
      } finally {
        exampleToken = null;
        // Stand-ins end with their example; ids it handed out stay.
        for (const from of Object.keys(standIns)) {
          const before = saved.get(from);
          if (before === undefined) ids.delete(from);
          else ids.set(from, before);
        }
      }
    });
  }

  /** Waits (polling cis.tasks) until the task ends: the next example starts on a settled server. */
  async function settle(taskId: string): Promise<void> {
    for (;;) {
      const r = await s.request('GET', `/api/cis/tasks/${taskId}`, { headers: { 'vmware-api-session-id': token } });
      assert.equal(r.status, 200, r.body);
      const status = (JSON.parse(r.body) as { status: string }).status;
      if (status !== 'PENDING' && status !== 'RUNNING') return;
      await new Promise((res) => setTimeout(res, 20));
    }
  }

  async function runExample(ex: DocExample): Promise<unknown> {
    const headers: Record<string, string> = {};
    let path = mapIds(ex.path);
    let body: string | Buffer | undefined;
    if (path.startsWith('/guestFile/')) {
      const url = ex.method === 'PUT' ? transfers.upload : transfers.download;
      assert.ok(url, 'an earlier example created the transfer URL');
      path = new URL(url).pathname;
      if (ex.method === 'PUT') {
        const n = Number(/content-length: (\d+)/.exec(ex.note)?.[1]);
        body = Buffer.alloc(n, 'x');
        headers['content-length'] = String(n);
      }
    } else if (ex.method === 'POST' && path === '/api/session') {
      headers.authorization = basic();
    } else {
      headers['vmware-api-session-id'] = exampleToken ?? token;
    }
    if (body === undefined && ex.body !== '') {
      let text = mapIds(ex.body.replaceAll('CRED', CRED));
      text = text.replace(/"sessionId":"(…|<token>)"/g, `"sessionId":"${token}"`).replace(/"ctx":\{…\}/g, `"ctx":${ctx()}`).replace(/…ctx…/g, `"ctx":${ctx()}`);
      text = text.replace(/"userName":"administrator@vsphere.local","password":"…"/g, `"userName":"administrator@vsphere.local","password":"${ADMIN_PASSWORD}"`);
      assert.doesNotThrow(() => JSON.parse(text), `the request body is JSON once placeholders are filled: ${text}`);
      body = text;
      headers['content-type'] = 'application/json';
    }
    const r = await s.request(ex.method, path, { headers, ...(body === undefined ? {} : { body }) });
    assert.equal(r.status, ex.status, `status; answer: ${r.body.slice(0, 400)}`);
    if (ex.vapiError) assert.equal(r.headers['vapi-error'], ex.vapiError);

    let documented: unknown;
    let complete = true;
    const responseText = ex.response.replace(/\s+\(GET [^)]*\)\s*$/, '');
    try {
      documented = JSON.parse(responseText);
    } catch {
      complete = false; // elided ("…") or not JSON (bytes, "(empty body)"): status only
    }
    if (ex.response === '' || ex.response === '(empty body)') {
      if (!path.startsWith('/guestFile/') || ex.method === 'PUT') assert.equal(r.body, '', 'no body');
      return undefined;
    }
    if (!complete) return undefined;
    const actual = JSON.parse(r.body) as unknown;
    assert.deepEqual(shapeDifferences(documented, actual), [], `the documented shape; answer: ${r.body.slice(0, 600)}`);
    const errorType = (v: unknown): unknown => (v && typeof v === 'object' && 'error_type' in v ? (v as { error_type: unknown }).error_type : undefined);
    assert.equal(errorType(actual), errorType(documented), 'the documented error type');
    if (ex.status === 202 && typeof actual === 'string') await settle(actual);
    // Ids the server handed out replace the documented ones from here on.
    const handed = (d: unknown, a: unknown): void => {
      if (typeof d === 'string' && typeof a === 'string' && d !== a && /^([a-z]+-[\w-]+|[0-9a-f-]{36}|https:\/\/\S+)$/.test(d)) ids.set(d, a);
    };
    handed(documented, actual);
    const out = (v: unknown): unknown => (v as { result?: { output?: unknown } })?.result?.output;
    handed(out(documented), out(actual));
    if (typeof actual === 'string' && actual.includes('/guestFile/')) {
      if (ex.body.includes('"attributes"')) transfers.upload = actual;
      else transfers.download = actual;
    }
    if (typeof documented === 'object' && documented && typeof actual === 'object' && actual && 'user' in documented && 'user' in actual) handed((documented as { user: unknown }).user, (actual as { user: unknown }).user);
    return actual;
  }
});

/**
 * The web dashboard in a real browser: Debian's Chromium driven by playwright-core against
 * a real vmgate (the demo inventory on the simulator at real speed, so a power-on takes
 * seconds and its task can be watched), over HTTPS with the server's self-signed
 * certificate. One browser for the file; each user gets a fresh context.
 *
 * Needs the built app (`npm run build` writes dist/web; `npm ci` runs it) and
 * /usr/bin/chromium. In CI a missing one fails; locally the tests are reported skipped.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { skipUnlessAvailable, skippable } from '../support/ci.ts';
import { chromiumMissing, launchChromium, type TestBrowser } from '../support/browser.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../support/test-server.ts';

const BUILT = existsSync(new URL('../../dist/web/index.html', import.meta.url));
const missing = chromiumMissing() ?? (BUILT ? null : 'the dashboard is not built (npm run build:web writes dist/web)');
const { describe, it, before, after } = skippable(skipUnlessAvailable('the web dashboard tests', missing));

const DEMO_PASSWORD = 'demo-password-1';

/**
 * What the functions run inside the page (page.evaluate, waitForFunction) use of the
 * browser: this file is compiled without the DOM library, and those functions are sent to
 * Chromium as source, so they reach the page's globals through this type.
 */
interface PageGlobals {
  document: {
    querySelector(sel: string): { width: number; height: number; getAttribute(name: string): string | null; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null } | null;
    querySelectorAll(sel: string): Iterable<{ getAttribute(name: string): string | null }>;
    body: unknown;
  };
  MutationObserver: new (cb: () => void) => { observe(target: unknown, options: object): void };
  vgMark?: number;
  vgSeen?: string[];
}
const TIMEOUT = 60_000;

let s: TestServer;
let browser: TestBrowser;
let adminToken: string;

/** The server's REST API as a script sees it (a session id header), to check what the pages did. */
async function api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const r = await s.request(method, path, { headers: { 'vmware-api-session-id': adminToken, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: r.status, body: (r.body ? JSON.parse(r.body) : null) as T };
}

async function vmId(name: string): Promise<string> {
  const r = await api<{ vm: string }[]>('GET', `/api/vcenter/vm?names=${encodeURIComponent(name)}`);
  assert.equal(r.body.length, 1, `one VM named ${name}`);
  return r.body[0]!.vm;
}

async function logIn(page: Page, user: string, password: string): Promise<void> {
  await page.goto(`${s.baseUrl}/`);
  await page.getByLabel('User name').fill(user);
  await page.getByLabel(/^Password/).fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
}

/** What fetch from the page answers (the page's own cookie; with or without the web header). */
async function pageFetch(page: Page, method: string, path: string, webHeader = true): Promise<number> {
  return page.evaluate(
    async ({ method, path, webHeader }) => (await fetch(path, { method, credentials: 'same-origin', headers: webHeader ? { 'X-Vmgate-Web': '1' } : {} })).status,
    { method, path, webHeader },
  );
}

/** Waits until the console's canvas shows a framebuffer: a real size and more than one colour. */
async function waitForFramebuffer(page: Page): Promise<{ width: number; height: number; colours: number }> {
  const handle = await page.waitForFunction(
    () => {
      const c = (globalThis as unknown as PageGlobals).document.querySelector('[data-testid="console-screen"] canvas');
      if (!c || c.width < 100 || c.height < 100) return null;
      const ctx = c.getContext('2d');
      if (!ctx) return null;
      const data = ctx.getImageData(0, 0, c.width, c.height).data;
      const seen = new Set<number>();
      for (let i = 0; i < data.length; i += 4 * 7) {
        seen.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
        if (seen.size > 8) break;
      }
      return seen.size > 1 ? { width: c.width, height: c.height, colours: seen.size } : null;
    },
    undefined,
    { timeout: TIMEOUT, polling: 250 },
  );
  return (await handle.jsonValue())!;
}

describe('web dashboard in Chromium', { timeout: 10 * TIMEOUT }, () => {
  before(async () => {
    s = await startTestServer({ simSpeed: 1 });
    const r = await s.request('POST', '/api/session', { headers: { authorization: `Basic ${Buffer.from(`administrator:${ADMIN_PASSWORD}`).toString('base64')}` } });
    adminToken = JSON.parse(r.body) as string;
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await s?.close();
  });

  it('GET / redirects to the dashboard, which is served with the strict headers', async () => {
    const root = await s.request('GET', '/');
    assert.equal(root.status, 302);
    assert.equal(root.headers.location, '/ui/');
    const page = await s.request('GET', '/ui/inventory');
    assert.equal(page.status, 200);
    assert.match(page.body, /<div id="root"><\/div>/);
    assert.equal(page.headers['content-security-policy'], "default-src 'self'; connect-src 'self' wss:; img-src 'self' data:; style-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
    assert.equal(page.headers['x-frame-options'], 'DENY');
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
    assert.equal(page.headers['referrer-policy'], 'no-referrer');
    assert.equal(page.headers['cache-control'], 'no-cache');
    const script = /src="(\/ui\/assets\/index-[^"]+\.js)"/.exec(page.body)?.[1];
    assert.ok(script, 'index.html names its hashed script');
    const js = await s.request('GET', script);
    assert.equal(js.status, 200);
    assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(js.headers['cache-control'], 'public, max-age=31536000, immutable');
    const gone = await s.request('GET', '/ui/assets/index-00000000.js');
    assert.equal(gone.status, 404, 'a missing asset is a 404, not the app page');
  });

  it('a wrong password shows the API’s message and no session', async () => {
    const ctx = await browser.context();
    try {
      const page = await ctx.newPage();
      await logIn(page, 'administrator', 'not-the-password');
      await assert.doesNotReject(page.getByTestId('login-error').getByText('invalid user name or password').waitFor({ timeout: TIMEOUT }));
      assert.equal(await page.getByRole('button', { name: 'Log out' }).count(), 0);
      assert.equal(await pageFetch(page, 'GET', '/api/vmgate/session'), 401);
    } finally {
      await ctx.close();
    }
  });

  describe('administrator', () => {
    let ctx: BrowserContext;
    let page: Page;
    before(async () => {
      ctx = await browser.context();
      page = await ctx.newPage();
      await logIn(page, 'administrator', ADMIN_PASSWORD);
      await page.getByRole('heading', { name: 'Inventory', level: 1 }).waitFor({ timeout: TIMEOUT });
    });
    after(async () => ctx?.close());

    it('sees the demo inventory: datacenter, cluster, hosts and VMs with their power state', async () => {
      const tree = page.getByRole('navigation', { name: 'Inventory tree' });
      await tree.getByText('DC0_C0_H0_VM1').waitFor({ timeout: TIMEOUT });
      for (const name of ['DC0', 'DC0_C0', 'DC0_C0_H0', 'DC0_C0_H1', 'DC0_H0', 'DC0_C0_H0_VM0', 'DC0_C0_H1_VM2', 'Library_VM0', 'Desktop-0']) {
        assert.equal(await tree.getByText(name, { exact: true }).count(), 1, `${name} in the tree`);
      }
      const row = tree.locator('[data-vm]').filter({ hasText: 'DC0_C0_H0_VM1' });
      assert.equal(await row.locator('[data-power]').textContent(), 'Powered off');
      const on = tree.locator('[data-vm]').filter({ hasText: 'DC0_C0_H0_VM0' });
      assert.equal(await on.locator('[data-power]').textContent(), 'Powered on');
      assert.equal(await page.getByTestId('current-user').textContent(), 'administrator');
    });

    it('powers a VM on and watches its state and the task’s progress change without reloading', async () => {
      await page.getByRole('navigation', { name: 'Inventory tree' }).getByRole('link', { name: 'DC0_C0_H0_VM1', exact: true }).click();
      await page.getByRole('heading', { name: 'DC0_C0_H0_VM1', level: 1 }).waitFor({ timeout: TIMEOUT });
      const power = page.getByTestId('vm-power');
      assert.equal(await power.textContent(), 'Powered off');
      // Marks this document, and records every task status the page shows, to prove the page was not reloaded.
      await page.evaluate(() => {
        const g = globalThis as unknown as PageGlobals;
        g.vgMark = 42;
        const seen: string[] = [];
        g.vgSeen = seen;
        new g.MutationObserver(() => {
          for (const el of g.document.querySelectorAll('[data-task][data-status]')) {
            const entry = `${el.getAttribute('data-task')}:${el.getAttribute('data-status')}`;
            if (!seen.includes(entry)) seen.push(entry);
          }
        }).observe(g.document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-status'] });
      });
      await page.getByRole('button', { name: 'Power on', exact: true }).click();
      await power.getByText('Powered on').waitFor({ timeout: TIMEOUT });
      const vm = await vmId('DC0_C0_H0_VM1');
      const tasks = await api<Record<string, { operation: string; status: string; target: { id: string } }>>('POST', '/api/cis/tasks?action=list', { filter_spec: { targets: [{ type: 'VirtualMachine', id: vm }] } });
      const startTask = Object.entries(tasks.body).find(([, t]) => t.operation === 'start')?.[0];
      assert.ok(startTask, 'the power-on task exists');
      await page.locator(`[data-task="${startTask}"][data-status="SUCCEEDED"]`).waitFor({ timeout: TIMEOUT });
      const seen = await page.evaluate(() => (globalThis as unknown as PageGlobals).vgSeen ?? []);
      const mine = seen.filter((e) => e.startsWith(`${startTask}:`)).map((e) => e.split(':')[1]);
      assert.equal(mine.at(-1), 'SUCCEEDED');
      assert.ok(mine.includes('RUNNING') || mine.includes('PENDING'), `the task was shown running before it ended: ${mine.join(' → ')}`);
      assert.equal(await page.evaluate(() => (globalThis as unknown as PageGlobals).vgMark), 42, 'the same document: no reload');
      assert.equal((await api<{ state: string }>('GET', `/api/vcenter/vm/${vm}/power`)).body.state, 'POWERED_ON');
    });

    it('takes a snapshot and reverts to it (without memory the VM ends powered off)', async () => {
      await page.getByRole('button', { name: 'Take snapshot' }).click();
      await page.getByLabel('Snapshot name').fill('before-test');
      await page.getByRole('dialog').getByRole('button', { name: 'Take snapshot' }).click();
      const row = page.locator('[data-snapshot="before-test"]');
      await row.waitFor({ timeout: TIMEOUT });
      await row.getByText('You are here').waitFor({ timeout: TIMEOUT });
      const vm = await vmId('DC0_C0_H0_VM1');
      const snaps = await api<{ name: string; current: boolean; include_memory: boolean }[]>('GET', `/api/vmgate/vm/${vm}/snapshots`);
      assert.deepEqual(snaps.body.map((x) => [x.name, x.current, x.include_memory]), [['before-test', true, false]]);
      await page.getByRole('button', { name: 'Revert to snapshot before-test' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Revert' }).click();
      await page.getByTestId('vm-power').getByText('Powered off').waitFor({ timeout: TIMEOUT });
      const events = await api<{ type: string }[]>('GET', `/api/vmgate/events?object=${vm}&limit=20`);
      assert.ok(events.body.some((e) => e.type === 'vm.snapshot.reverted'), 'the revert is in the event log');
    });

    it('creates a VM through the form', async () => {
      await page.getByRole('link', { name: 'Inventory', exact: true }).first().click();
      await page.getByRole('link', { name: 'Create virtual machine' }).click();
      await page.getByRole('textbox', { name: 'Name', exact: true }).fill('web-test-01');
      await page.getByLabel('Guest operating system').selectOption('UBUNTU_64');
      await page.getByLabel('Where it runs').selectOption({ label: 'Host DC0_C0_H1' });
      await page.getByLabel('Memory (MiB)').fill('1024');
      await page.getByLabel('Disk (GiB)').fill('1');
      await page.getByRole('button', { name: 'Create', exact: true }).click();
      await page.getByRole('heading', { name: 'web-test-01', level: 1 }).waitFor({ timeout: TIMEOUT });
      assert.equal(await page.getByTestId('vm-power').textContent(), 'Powered off');
      const vm = await vmId('web-test-01');
      const info = await api<{ guest_OS: string; cpu: { count: number }; memory: { size_MiB: number }; disks: Record<string, { capacity: number }>; nics: Record<string, { type: string }> }>('GET', `/api/vcenter/vm/${vm}`);
      assert.equal(info.body.guest_OS, 'UBUNTU_64');
      assert.equal(info.body.cpu.count, 2);
      assert.equal(info.body.memory.size_MiB, 1024);
      assert.deepEqual(Object.values(info.body.disks).map((d) => d.capacity), [1024 * 1024 * 1024]);
      assert.deepEqual(Object.values(info.body.nics).map((n) => n.type), ['VMXNET3']);
      const onHost = await api<{ vm: string }[]>('GET', `/api/vcenter/vm?names=web-test-01&hosts=host-2`);
      assert.deepEqual(onHost.body.map((v) => v.vm), [vm], 'placed on DC0_C0_H1 (host-2)');
    });

    it('clones the new VM, then deletes the clone after typing its name', async () => {
      await page.getByRole('button', { name: 'Clone' }).click();
      const name = page.getByRole('textbox', { name: 'Name of the new VM' });
      assert.equal(await name.inputValue(), 'web-test-01-clone');
      await page.getByRole('dialog').getByRole('button', { name: 'Clone' }).click();
      // A clone copies the disk: give it longer on a busy machine.
      await page.getByRole('heading', { name: 'web-test-01-clone', level: 1 }).waitFor({ timeout: 3 * TIMEOUT });
      const clone = await vmId('web-test-01-clone');
      await page.getByRole('button', { name: 'Delete', exact: true }).click();
      const dialog = page.getByRole('dialog');
      assert.equal(await dialog.getByRole('button', { name: 'Delete' }).isDisabled(), true, 'not before the name is typed');
      await dialog.getByRole('textbox', { name: 'Type web-test-01-clone to confirm' }).fill('web-test-01-clone');
      await dialog.getByRole('button', { name: 'Delete' }).click();
      await page.getByRole('heading', { name: 'Inventory', level: 1 }).waitFor({ timeout: TIMEOUT });
      assert.equal((await api('GET', `/api/vcenter/vm/${clone}`)).status, 404);
      assert.equal((await api<unknown[]>('GET', '/api/vcenter/vm?names=web-test-01')).body.length, 1, 'the source stays');
    });

    it('registers an unregistered .vmx; an already registered one shows the API’s message', async () => {
      const vm = await vmId('web-test-01');
      const path = '[LocalDS_0] web-test-01/web-test-01.vmx';
      assert.equal((await api('POST', `/api/vcenter/vm/${vm}?action=unregister`)).status, 204);
      await page.getByRole('link', { name: 'Inventory', exact: true }).first().click();
      await page.getByRole('button', { name: 'Register' }).click();
      await page.getByRole('textbox', { name: 'Configuration file (datastore path)' }).fill(path);
      await page.getByRole('textbox', { name: 'New name (optional)' }).fill('web-test-01b');
      await page.getByRole('dialog').getByRole('button', { name: 'Register' }).click();
      await page.getByRole('heading', { name: 'web-test-01b', level: 1 }).waitFor({ timeout: TIMEOUT });
      const again = await vmId('web-test-01b');
      await page.getByRole('link', { name: 'Inventory', exact: true }).first().click();
      await page.getByRole('button', { name: 'Register' }).click();
      await page.getByRole('textbox', { name: 'Configuration file (datastore path)' }).fill(path);
      await page.getByRole('dialog').getByRole('button', { name: 'Register' }).click();
      await page.getByRole('dialog').getByRole('alert').filter({ hasText: `'${path}' is already registered as ${again} (web-test-01b)` }).waitFor({ timeout: TIMEOUT });
      await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    });

    it('a bad form value shows the API’s message', async () => {
      await page.getByRole('link', { name: 'Inventory', exact: true }).first().click();
      await page.getByRole('link', { name: 'Create virtual machine' }).click();
      await page.getByRole('textbox', { name: 'Name', exact: true }).fill('web-test-02');
      await page.getByLabel('Memory (MiB)').fill('1023');
      await page.getByRole('button', { name: 'Create', exact: true }).click();
      await page.getByRole('alert').filter({ hasText: /multiple of 4/ }).waitFor({ timeout: TIMEOUT });
      assert.equal((await api<unknown[]>('GET', '/api/vcenter/vm?names=web-test-02')).body.length, 0);
    });

    it('charts a running VM’s CPU and memory from the statistics', async () => {
      await page.goto(`${s.baseUrl}/ui/vm/${await vmId('DC0_C0_H0_VM0')}`);
      await page.getByRole('heading', { name: 'Performance' }).waitFor({ timeout: TIMEOUT });
      // Samples come every 5 seconds; the page reads them at that pace.
      const cpu = page.locator('svg[aria-label^="CPU:"]');
      await page.waitForFunction(() => Number((globalThis as unknown as PageGlobals).document.querySelector('svg[aria-label^="Memory:"]')?.getAttribute('data-samples') ?? 0) >= 1, undefined, { timeout: TIMEOUT, polling: 500 });
      assert.match((await cpu.getAttribute('aria-label'))!, /^CPU: \d+ samples, latest \d+ % of 100 %$/);
      const memory = page.locator('svg[aria-label^="Memory:"]');
      assert.match((await memory.getAttribute('aria-label'))!, /^Memory: \d+ samples, latest \d+ MiB of 512 MiB$/, 'DC0_C0_H0_VM0 has 512 MiB');
      assert.equal(await memory.locator('polyline').count(), 1);
    });

    it('shows hosts with capacity bars', async () => {
      await page.getByRole('link', { name: 'Hosts', exact: true }).click();
      const card = page.locator('[data-host="host-1"]');
      await card.waitFor({ timeout: TIMEOUT });
      const host = (await api<{ name: string; cpu_count: number; used_cpu: number; memory_mib: number }>('GET', '/api/vmgate/hosts/host-1')).body;
      assert.equal(host.name, 'DC0_C0_H0');
      await card.getByRole('heading', { name: /^DC0_C0_H0/ }).waitFor({ timeout: TIMEOUT });
      await card.getByText(`${host.used_cpu} of ${host.cpu_count} vCPUs`).first().waitFor({ timeout: TIMEOUT });
      assert.equal(await card.getByRole('progressbar').count(), 3, 'CPU, memory and its one datastore');
      assert.equal(await page.locator('[data-host]').count(), 3, 'DC0_C0_H0, DC0_C0_H1 and DC0_H0');
    });

    it('opens a VM’s console and the framebuffer renders', async () => {
      await page.goto(`${s.baseUrl}/ui/vm/${await vmId('DC0_C0_H0_VM0')}`);
      await page.getByRole('heading', { name: 'DC0_C0_H0_VM0', level: 1 }).waitFor({ timeout: TIMEOUT });
      await page.getByRole('link', { name: 'Open console' }).click();
      await page.locator('[data-console-state="connected"]').waitFor({ timeout: TIMEOUT });
      const fb = await waitForFramebuffer(page);
      assert.ok(fb.width >= 640 && fb.height >= 400, `a real screen: ${fb.width}x${fb.height}`);
      assert.ok(fb.colours > 1, 'something is drawn');
      await page.getByRole('heading', { name: /^Console: DC0_C0_H0_VM0/ }).waitFor({ timeout: TIMEOUT });
      assert.equal(await page.getByRole('button', { name: 'Send Ctrl-Alt-Del' }).isEnabled(), true);
    });

    it('creates a user and grants it a role', async () => {
      await page.getByRole('link', { name: 'Users and permissions' }).click();
      await page.getByRole('button', { name: 'Create user' }).click();
      await page.getByRole('textbox', { name: 'User name', exact: true }).fill('web-user-1');
      await page.getByRole('textbox', { name: 'Full name' }).fill('Web User');
      await page.getByLabel(/^Password \(empty/).fill('web-user-password-1');
      await page.getByRole('dialog').getByRole('button', { name: 'Create' }).click();
      await page.getByRole('grid', { name: 'Users' }).or(page.getByRole('table', { name: 'Users' })).getByText('web-user-1').waitFor({ timeout: TIMEOUT });
      const user = await api<{ name: string; full_name: string }>('GET', '/api/vmgate/users/web-user-1');
      assert.deepEqual([user.status, user.body.name, user.body.full_name], [200, 'web-user-1', 'Web User']);

      await page.getByRole('tab', { name: 'Permissions' }).click();
      await page.getByRole('button', { name: 'Grant a role' }).click();
      await page.getByRole('textbox', { name: /^User or group/ }).fill('web-user-1');
      await page.getByRole('textbox', { name: /^On \(root/ }).fill('vm-1');
      await page.getByLabel('Role', { exact: true }).selectOption('operator');
      await page.getByRole('dialog').getByRole('button', { name: 'Grant' }).click();
      await page.getByText('user:web-user-1', { exact: true }).waitFor({ timeout: TIMEOUT });
      const perms = await api<{ principal: string; entity: string; role: string; propagate: boolean }[]>('GET', '/api/vmgate/permissions?entity=vm-1');
      assert.deepEqual(perms.body.map((p) => [p.principal, p.entity, p.role, p.propagate]), [['user:web-user-1', 'vm-1', 'operator', true]]);
    });

    it('a failed grant shows the API’s message in the dialog', async () => {
      await page.getByRole('button', { name: 'Grant a role' }).click();
      await page.getByRole('textbox', { name: /^User or group/ }).fill('nobody-here');
      await page.getByRole('dialog').getByRole('button', { name: 'Grant' }).click();
      await page.getByRole('dialog').getByRole('alert').waitFor({ timeout: TIMEOUT });
      assert.match((await page.getByRole('dialog').getByRole('alert').textContent())!, /nobody-here/);
      await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    });

    it('edits a user: full name, disabled and must-change-password, shown in the list and kept by the API', async () => {
      await page.getByRole('tab', { name: 'Users' }).click();
      const users = page.getByRole('grid', { name: 'Users' }).or(page.getByRole('table', { name: 'Users' }));
      await page.getByRole('button', { name: 'Edit web-user-1' }).click();
      const dialog = page.getByRole('dialog', { name: 'Edit user web-user-1' });
      const fullName = dialog.getByRole('textbox', { name: 'Full name' });
      await fullName.waitFor({ timeout: TIMEOUT });
      assert.equal(await fullName.inputValue(), 'Web User', 'the form starts from the account as stored');
      assert.equal(await dialog.getByRole('checkbox', { name: 'Disabled (cannot log in)' }).isChecked(), false);
      assert.equal(await dialog.getByRole('checkbox', { name: 'Must change the password at the next login' }).isChecked(), false);
      await fullName.fill('Web User Renamed');
      await dialog.getByRole('checkbox', { name: 'Disabled (cannot log in)' }).check();
      await dialog.getByRole('checkbox', { name: 'Must change the password at the next login' }).check();
      await dialog.getByRole('button', { name: 'Save' }).click();
      await dialog.waitFor({ state: 'detached', timeout: TIMEOUT });
      const row = users.getByRole('row').filter({ hasText: 'web-user-1' });
      await row.getByText('Web User Renamed').waitFor({ timeout: TIMEOUT });
      await row.getByText('disabled', { exact: true }).waitFor({ timeout: TIMEOUT });
      let user = await api<{ full_name: string; disabled: boolean; must_change_password: boolean }>('GET', '/api/vmgate/users/web-user-1');
      assert.deepEqual([user.body.full_name, user.body.disabled, user.body.must_change_password], ['Web User Renamed', true, true]);

      // Enable it again: only the box changed; the rest stays as it was.
      await page.getByRole('button', { name: 'Edit web-user-1' }).click();
      await dialog.getByRole('checkbox', { name: 'Disabled (cannot log in)' }).waitFor({ timeout: TIMEOUT });
      assert.equal(await dialog.getByRole('checkbox', { name: 'Disabled (cannot log in)' }).isChecked(), true);
      assert.equal(await dialog.getByRole('checkbox', { name: 'Must change the password at the next login' }).isChecked(), true);
      await dialog.getByRole('checkbox', { name: 'Disabled (cannot log in)' }).uncheck();
      await dialog.getByRole('button', { name: 'Save' }).click();
      await dialog.waitFor({ state: 'detached', timeout: TIMEOUT });
      await row.getByText('active', { exact: true }).waitFor({ timeout: TIMEOUT });
      user = await api('GET', '/api/vmgate/users/web-user-1');
      assert.deepEqual([user.body.full_name, user.body.disabled, user.body.must_change_password], ['Web User Renamed', false, true]);
    });

    it('creates a group with a member, changes its members, shows the API’s message for a duplicate, and deletes it after confirming', async () => {
      await page.getByRole('tab', { name: 'Groups' }).click();
      await page.getByRole('button', { name: 'Create group' }).click();
      let dialog = page.getByRole('dialog', { name: 'Create group' });
      await dialog.getByRole('textbox', { name: 'Group name' }).fill('web-ops');
      await dialog.getByRole('textbox', { name: 'Description' }).fill('Web operators');
      await dialog.getByRole('checkbox', { name: 'web-user-1', exact: true }).check();
      await dialog.getByRole('button', { name: 'Create' }).click();
      await dialog.waitFor({ state: 'detached', timeout: TIMEOUT });
      const row = page.locator('[data-group="web-ops"]');
      await row.getByText('Web operators').waitFor({ timeout: TIMEOUT });
      await row.getByText('web-user-1', { exact: true }).waitFor({ timeout: TIMEOUT });
      let group = await api<{ description: string; members: string[] }>('GET', '/api/vmgate/groups/web-ops');
      assert.deepEqual([group.status, group.body.description, group.body.members], [200, 'Web operators', ['web-user-1']]);

      await page.getByRole('button', { name: 'Edit members of web-ops' }).click();
      dialog = page.getByRole('dialog', { name: 'Members of web-ops' });
      assert.equal(await dialog.getByRole('checkbox', { name: 'web-user-1', exact: true }).isChecked(), true, 'the current members are ticked');
      assert.equal(await dialog.getByRole('checkbox', { name: 'demo', exact: true }).isChecked(), false);
      await dialog.getByRole('checkbox', { name: 'web-user-1', exact: true }).uncheck();
      await dialog.getByRole('checkbox', { name: 'demo', exact: true }).check();
      await dialog.getByRole('button', { name: 'Save' }).click();
      await dialog.waitFor({ state: 'detached', timeout: TIMEOUT });
      await row.getByText('demo', { exact: true }).waitFor({ timeout: TIMEOUT });
      assert.equal(await row.getByText('web-user-1', { exact: true }).count(), 0);
      group = await api('GET', '/api/vmgate/groups/web-ops');
      assert.deepEqual(group.body.members, ['demo']);

      await page.getByRole('button', { name: 'Create group' }).click();
      dialog = page.getByRole('dialog', { name: 'Create group' });
      await dialog.getByRole('textbox', { name: 'Group name' }).fill('web-ops');
      await dialog.getByRole('button', { name: 'Create' }).click();
      await dialog.getByRole('alert').filter({ hasText: "group 'web-ops' already exists" }).waitFor({ timeout: TIMEOUT });
      await dialog.getByRole('button', { name: 'Cancel' }).click();

      await page.getByRole('button', { name: 'Delete group web-ops' }).click();
      dialog = page.getByRole('dialog', { name: /Delete group web-ops$/ });
      await dialog.getByText('its members keep their accounts').waitFor({ timeout: TIMEOUT });
      await dialog.getByRole('button', { name: 'Delete' }).click();
      await row.waitFor({ state: 'detached', timeout: TIMEOUT });
      assert.equal((await api('GET', '/api/vmgate/groups/web-ops')).status, 404);
      assert.equal((await api('GET', '/api/vmgate/users/demo')).status, 200, 'its member stays');
    });

    it('deletes a user after confirming; deleting one’s own account shows the API’s message', async () => {
      await page.getByRole('tab', { name: 'Users' }).click();
      await page.getByRole('button', { name: 'Delete administrator' }).click();
      let dialog = page.getByRole('dialog', { name: /Delete user administrator$/ });
      await dialog.getByRole('button', { name: 'Delete' }).click();
      await dialog.getByRole('alert').filter({ hasText: 'you cannot delete your own account' }).waitFor({ timeout: TIMEOUT });
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      assert.equal((await api('GET', '/api/vmgate/users/administrator')).status, 200);

      await page.getByRole('button', { name: 'Delete web-user-1' }).click();
      dialog = page.getByRole('dialog', { name: /Delete user web-user-1$/ });
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'detached', timeout: TIMEOUT });
      assert.equal((await api('GET', '/api/vmgate/users/web-user-1')).status, 200, 'Cancel deletes nothing');

      await page.getByRole('button', { name: 'Delete web-user-1' }).click();
      await dialog.getByText('sessions, permissions and group memberships').waitFor({ timeout: TIMEOUT });
      await dialog.getByRole('button', { name: 'Delete' }).click();
      await dialog.waitFor({ state: 'detached', timeout: TIMEOUT });
      await page.getByRole('button', { name: 'Delete web-user-1' }).waitFor({ state: 'detached', timeout: TIMEOUT });
      assert.equal((await api('GET', '/api/vmgate/users/web-user-1')).status, 404);
      assert.deepEqual((await api<unknown[]>('GET', '/api/vmgate/permissions?entity=vm-1')).body, [], 'its permission went with it');
    });

    it('creates a desktop pool with a VM, shows the API’s message for a bad name, and deletes the pool after confirming', async () => {
      await page.getByRole('link', { name: 'Desktop pools' }).click();
      await page.getByRole('heading', { name: 'Demo desktops' }).waitFor({ timeout: TIMEOUT });
      await page.getByRole('button', { name: 'Create pool' }).click();
      const dialog = page.getByRole('dialog', { name: 'Create desktop pool' });
      await dialog.getByRole('textbox', { name: 'Pool name', exact: true }).fill('web pool');
      await dialog.getByRole('button', { name: 'Create' }).click();
      await dialog.getByRole('alert').filter({ hasText: "pool name 'web pool' is not valid (letters, digits, . _ -)" }).waitFor({ timeout: TIMEOUT });
      await dialog.getByRole('textbox', { name: 'Pool name', exact: true }).fill('web-pool');
      await dialog.getByRole('textbox', { name: /^Display name/ }).fill('Web pool');
      await dialog.getByLabel('Type', { exact: true }).selectOption('DEDICATED');
      await dialog.getByRole('textbox', { name: /^VMs/ }).fill('DC0_C0_H0_VM1');
      await dialog.getByRole('button', { name: 'Create' }).click();
      await dialog.waitFor({ state: 'detached', timeout: TIMEOUT });
      const card = page.locator('[data-pool="web-pool"]');
      await card.getByRole('heading', { name: /^Web pool/ }).waitFor({ timeout: TIMEOUT });
      await card.getByText('web-pool · dedicated · 1 VMs').waitFor({ timeout: TIMEOUT });
      const vm = await vmId('DC0_C0_H0_VM1');
      const pool = await api<{ display_name: string; type: string; vms: string[]; enabled: boolean }>('GET', '/api/vmgate/pools/web-pool');
      assert.deepEqual([pool.status, pool.body.display_name, pool.body.type, pool.body.vms, pool.body.enabled], [200, 'Web pool', 'DEDICATED', [vm], true]);

      await page.getByRole('button', { name: 'Delete pool web-pool' }).click();
      const confirm = page.getByRole('dialog', { name: /Delete pool web-pool$/ });
      await confirm.getByText('Its VMs stay.').waitFor({ timeout: TIMEOUT });
      await confirm.getByRole('button', { name: 'Delete' }).click();
      await card.waitFor({ state: 'detached', timeout: TIMEOUT });
      assert.equal((await api('GET', '/api/vmgate/pools/web-pool')).status, 404);
      assert.equal((await api('GET', `/api/vcenter/vm/${vm}`)).status, 200, 'the VM stays');
      assert.equal(await page.locator('[data-pool="demo-desktops"]').count(), 1, 'the other pool stays');
    });

    it('logs out: the login page is back and the cookie no longer works', async () => {
      await page.getByRole('button', { name: 'Log out' }).click();
      await page.getByRole('button', { name: 'Log in' }).waitFor({ timeout: TIMEOUT });
      assert.equal(await pageFetch(page, 'GET', '/api/vmgate/session'), 401);
    });
  });

  describe('desktop user demo', () => {
    let ctx: BrowserContext;
    let page: Page;
    before(async () => {
      ctx = await browser.context({ width: 390, height: 844 });
      page = await ctx.newPage();
      await logIn(page, 'demo', DEMO_PASSWORD);
      await page.getByRole('heading', { name: 'My desktops', level: 1 }).waitFor({ timeout: TIMEOUT });
    });
    after(async () => ctx?.close());

    it('sees the entitled desktop pool and opens its console in the browser', async () => {
      const card = page.locator('[data-desktop]').filter({ hasText: 'Demo desktops' });
      await card.waitFor({ timeout: TIMEOUT });
      await card.getByRole('link', { name: 'Open Demo desktops' }).click();
      await page.locator('[data-console-state="connected"]').waitFor({ timeout: TIMEOUT });
      const fb = await waitForFramebuffer(page);
      assert.ok(fb.width >= 640 && fb.height >= 400, `a real screen: ${fb.width}x${fb.height}`);
      await page.getByRole('heading', { name: /^Console: Desktop-\d/ }).waitFor({ timeout: TIMEOUT });
    });

    it('cannot reach the admin pages nor their API calls', async () => {
      assert.equal(await page.getByRole('link', { name: 'Inventory' }).count(), 0, 'no admin navigation');
      await page.goto(`${s.baseUrl}/ui/inventory`);
      await page.getByText('Your account may not use the administration pages.').waitFor({ timeout: TIMEOUT });
      assert.equal(await page.getByRole('navigation', { name: 'Inventory tree' }).count(), 0);
      assert.equal(await pageFetch(page, 'GET', '/api/vmgate/users'), 403);
      assert.equal(await pageFetch(page, 'GET', '/api/vmgate/pools'), 403);
      assert.equal(await pageFetch(page, 'POST', '/api/vcenter/vm/vm-1/power?action=stop'), 404, 'a VM demo may not see does not exist for it');
      assert.equal(await pageFetch(page, 'GET', '/api/vmgate/session', false), 401, 'the cookie alone (no X-Vmgate-Web) is not a session: CSRF');
    });

    it('the header fits 390 px: Log out is wholly inside the viewport and nothing scrolls sideways', async () => {
      await page.goto(`${s.baseUrl}/ui/desktops`);
      const logOut = page.getByRole('button', { name: 'Log out' });
      await logOut.waitFor({ timeout: TIMEOUT });
      const box = (await logOut.boundingBox())!;
      assert.ok(box.x >= 0 && box.x + box.width <= 390, `Log out spans ${box.x}..${box.x + box.width} of 390 px`);
      assert.ok(box.y >= 0 && box.y + box.height <= 844, `Log out spans ${box.y}..${box.y + box.height} of 844 px`);
      assert.equal(await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth), 390, 'no horizontal scroll');
      const menu = (await page.getByRole('button', { name: 'Navigation menu' }).boundingBox())!;
      assert.ok(menu.x >= 0 && menu.x + menu.width <= box.x, 'the menu button is left of Log out, not under it');
    });

    it('logs out', async () => {
      await page.goto(`${s.baseUrl}/ui/desktops`);
      await page.getByRole('button', { name: 'Navigation menu' }).waitFor({ timeout: TIMEOUT });
      await page.getByRole('button', { name: 'Log out' }).click();
      await page.getByRole('button', { name: 'Log in' }).waitFor({ timeout: TIMEOUT });
      assert.equal(await pageFetch(page, 'GET', '/api/vmgate/session'), 401);
    });
  });
});

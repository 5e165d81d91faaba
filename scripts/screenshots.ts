#!/usr/bin/env node
/**
 * `npm run screenshots [folder]`: starts a demo vmgate (`vmgate serve --demo`, the
 * simulator) in a temporary data directory, opens the dashboard's main pages in Debian's
 * Chromium as the administrator and as the desktop user `demo`, and writes a PNG of each at
 * 1440x900 and at 390x844 into the folder (default `screenshots/`, not committed).
 * Needs the built app (`npm run build`) and /usr/bin/chromium.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { chromiumMissing, launchChromium } from '../test/support/browser.ts';
import { spawnServer } from '../test/support/spawn-server.ts';

const out = resolve(process.argv[2] ?? 'screenshots');
const ADMIN = 'screenshot-admin-1';
const DEMO = 'screenshot-demo-1';
const SIZES = [
  { name: 'desktop', width: 1440, height: 900 },
  { name: 'phone', width: 390, height: 844 },
] as const;

const missing = chromiumMissing();
if (missing) {
  console.error(`screenshots: ${missing}`);
  process.exit(1);
}
await mkdir(out, { recursive: true });
const dataDir = await mkdtemp(join(tmpdir(), 'vmgate-screenshots-'));
const server = await spawnServer(dataDir, ['--demo'], { VMGATE_ADMIN_PASSWORD: ADMIN, VMGATE_DEMO_PASSWORD: DEMO });
const base = `https://127.0.0.1:${server.ports.https}`;
const browser = await launchChromium();
const written: string[] = [];

async function logIn(page: Page, user: string, password: string): Promise<void> {
  await page.goto(`${base}/ui/`);
  await page.getByLabel('User name').fill(user);
  await page.getByLabel(/^Password/).fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('button', { name: 'Log out' }).waitFor();
}

async function shot(page: Page, size: string, name: string, ready: () => Promise<unknown>): Promise<void> {
  await ready();
  await page.waitForTimeout(800);
  const file = join(out, `${name}-${size}.png`);
  await page.screenshot({ path: file });
  written.push(file);
}

try {
  for (const size of SIZES) {
    const ctx = await browser.context({ width: size.width, height: size.height });
    const page = await ctx.newPage();
    await page.goto(`${base}/ui/`);
    await shot(page, size.name, '01-login', () => page.getByRole('button', { name: 'Log in' }).waitFor());
    await logIn(page, 'administrator', ADMIN);
    const go = async (path: string, name: string, ready: () => Promise<unknown>): Promise<void> => {
      await page.goto(`${base}/ui/${path}`);
      await shot(page, size.name, name, ready);
    };
    await go('inventory', '02-inventory', () => page.getByRole('navigation', { name: 'Inventory tree' }).waitFor());
    // The charts get a sample every 5 seconds from the start: wait for a few. (The function
    // runs in the page, whose CSP refuses a string to evaluate; this file has no DOM types.)
    const charted = (n: number) =>
      page.waitForFunction(
        (min) => {
          const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): Iterable<{ getAttribute(a: string): string | null }> } }).document;
          const charts = [...doc.querySelectorAll('svg[data-samples]')];
          return charts.length > 0 && charts.every((e) => Number(e.getAttribute('data-samples')) >= min);
        },
        n,
        { timeout: 60_000, polling: 500 },
      );
    await go('vm/vm-1', '03-vm', async () => {
      await page.getByRole('heading', { name: 'Snapshots' }).waitFor();
      await charted(4);
    });
    await go('create-vm', '04-create-vm', () => page.getByRole('button', { name: 'Create', exact: true }).waitFor());
    await go('tasks', '05-tasks', () => page.getByRole('grid', { name: 'Tasks' }).or(page.getByRole('table', { name: 'Tasks' })).waitFor());
    await go('hosts', '06-hosts', async () => {
      await page.locator('[data-host]').first().waitFor();
      await charted(2);
    });
    await go('access', '07-access', () => page.getByRole('grid', { name: 'Users' }).or(page.getByRole('table', { name: 'Users' })).waitFor());
    await go('pools', '08-pools', () => page.getByRole('heading', { name: 'Desktop pools' }).waitFor());
    await go('console/vm-1', '09-console', () => page.locator('[data-console-state="connected"]').waitFor({ timeout: 60_000 }));
    await ctx.close();

    const demoCtx = await browser.context({ width: size.width, height: size.height });
    const demo = await demoCtx.newPage();
    await logIn(demo, 'demo', DEMO);
    await demo.goto(`${base}/ui/desktops`);
    await shot(demo, size.name, '10-portal', () => demo.locator('[data-desktop]').first().waitFor());
    await demoCtx.close();
  }
} finally {
  await browser.close();
  server.child.kill('SIGTERM');
  await server.exited;
  await rm(dataDir, { recursive: true, force: true });
}
console.log(`${written.length} screenshots in ${out}:`);
for (const f of written) console.log(`  ${f}`);

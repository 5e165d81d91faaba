/**
 * Debian's Chromium driven by playwright-core, for the web dashboard's tests and
 * `npm run screenshots`. One browser per test file (the machine is small); each scenario
 * gets a fresh context (cookies, storage). Chromium is started with the flags a closed
 * network needs (no background networking, no component updates, no QUIC) and a fresh
 * profile (playwright's launch makes a new temporary user-data-dir and removes it at
 * close; it refuses a --user-data-dir argument), and accepts vmgate's self-signed
 * certificate.
 */
import { existsSync } from 'node:fs';
import type { Browser, BrowserContext } from 'playwright-core';

export const CHROMIUM = process.env.VMGATE_CHROMIUM ?? '/usr/bin/chromium';

/** Why the browser tests cannot run here (null: they can). */
export function chromiumMissing(): string | null {
  return existsSync(CHROMIUM) ? null : `${CHROMIUM} is not installed (apt-get install chromium; scripts/ci-system-packages.sh does it)`;
}

export interface TestBrowser {
  readonly browser: Browser;
  /** A fresh context (no cookies) at the given viewport, trusting the server's self-signed certificate. */
  context(viewport?: { width: number; height: number }): Promise<BrowserContext>;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<TestBrowser> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    browser,
    context: (viewport = { width: 1440, height: 900 }) => browser.newContext({ ignoreHTTPSErrors: true, viewport }),
    async close() {
      await browser.close();
    },
  };
}

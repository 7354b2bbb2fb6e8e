// The console's browser tests: Debian's chromium driven by playwright-core (no browser download), a
// laptop-sized window, and every page error or refused script (a CSP violation) collected so a test
// can insist there were none. Screenshots go to test-artifacts/console/ for people to look at.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { checkBinaries, findBinary } from '../../support/binaries.js';

export const browserCheck = checkBinaries(['chromium'], "the web console's browser tests");

export const SCREENSHOT_DIR = join(process.cwd(), 'test-artifacts', 'console');

export async function launchBrowser(): Promise<Browser> {
  browserCheck.assertPresent();
  return chromium.launch({
    executablePath: findBinary('chromium')!,
    // Root (CI) cannot use chromium's sandbox; the pages are our own.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
}

export interface ConsolePage {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Uncaught errors, console errors and CSP refusals seen so far. */
  readonly problems: string[];
}

/** A fresh browser context (no token, no saved theme) on `url`, 1366×800 like a laptop. */
export async function openConsole(browser: Browser, url: string, options: { colorScheme?: 'light' | 'dark' } = {}): Promise<ConsolePage> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 800 }, colorScheme: options.colorScheme ?? 'light' });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  await page.goto(url);
  return { context, page, problems };
}

/** Saves a full-page screenshot as test-artifacts/console/<name>.png; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

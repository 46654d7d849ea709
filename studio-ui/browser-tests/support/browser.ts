import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { OUTPUT_DIR } from './paths';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
/**
 * Per scenario test: given explicitly because a multi-project Jest run (the root config) ignores a
 * project's testTimeout and would apply its 30 s default.
 */
export const SCENARIO_TIMEOUT_MS = 300_000;

export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (or set CHROMIUM=/path/to/chromium)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
}

/**
 * One scenario's browser page and its screenshot folder (studio-ui/browser-tests/output/<test>/).
 * Page errors and failed API calls are collected so a failing assertion can say what the app saw.
 */
export class Scenario {
  readonly dir: string;
  readonly problems: string[] = [];
  private shots = 0;

  private constructor(
    readonly page: Page,
    test: string,
  ) {
    this.dir = path.join(OUTPUT_DIR, test);
    fs.rmSync(this.dir, { recursive: true, force: true });
    fs.mkdirSync(this.dir, { recursive: true });
    page.on('pageerror', (err) => this.problems.push(`page error: ${err.message}`));
    page.on('response', (res) => {
      if (res.status() >= 500 && res.url().includes('/api/')) this.problems.push(`${res.request().method()} ${res.url()} -> ${res.status()}`);
    });
  }

  static async open(browser: Browser, testFile: string): Promise<Scenario> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    // Generous: two cores are shared with builds and other test suites.
    page.setDefaultTimeout(30_000);
    page.setDefaultNavigationTimeout(60_000);
    return new Scenario(page, path.basename(testFile).replace(/\.spec\.ts$/, ''));
  }

  /** Saves `NN-name.png` (full page) and returns its path. */
  async screenshot(name: string): Promise<string> {
    this.shots += 1;
    const file = path.join(this.dir, `${String(this.shots).padStart(2, '0')}-${name}.png`);
    await this.page.screenshot({ path: file, fullPage: true });
    return file;
  }

  /** Runs one part of the scenario; on failure saves a screenshot named after it and adds what the page reported. */
  async step<T>(name: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      const shot = await this.screenshot(`FAILED-${name}`).catch(() => 'no screenshot');
      const extra = this.problems.length ? `\nThe page reported:\n  ${this.problems.slice(-10).join('\n  ')}` : '';
      const message = `[${name}] ${error instanceof Error ? error.message : String(error)}\nScreenshot: ${shot}${extra}`;
      const wrapped = new Error(message);
      if (error instanceof Error && error.stack) wrapped.stack = `${message}\n${error.stack.split('\n').filter((l) => /^\s+at /.test(l)).join('\n')}`;
      throw wrapped;
    }
  }

  /** Signs in with a workspace API key on the sign-in page the app redirects to, then lands on `path`. */
  async signIn(baseUrl: string, key: string, landing = '/store'): Promise<void> {
    const page = this.page;
    await page.goto(`${baseUrl}${landing}`);
    await page.getByRole('heading', { name: 'Sign in to your workspace' }).waitFor();
    await page.getByLabel('Workspace API key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.pathname === landing);
  }

  async close(): Promise<void> {
    await this.page.context().close();
  }
}

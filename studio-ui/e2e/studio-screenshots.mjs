// Screenshots of the Connector Studio against a built app and the dev fake API (real template and
// build from connector-sdk/dist, canned test run). Needs a build (STUDIO_DIST=<folder>/browser for
// one made with --output-path) and Debian's chromium at /usr/bin/chromium (or CHROMIUM=/path).
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { FAKE_API_KEY, startDevServer } from './dev-fake-api.mjs';

const out = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));
mkdirSync(out, { recursive: true });

const server = await startDevServer(0);
const base = `http://127.0.0.1:${server.address().port}`;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
  page.on('pageerror', (err) => console.error('page error:', err.message));

  await page.goto(`${base}/studio`);
  await page.getByLabel('Workspace API key').fill(FAKE_API_KEY);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('[data-connector="acme-crm"]').waitFor();
  await page.screenshot({ path: `${out}connector-studio.png` });
  console.log('saved connector-studio.png');

  await page.locator('[data-test=new-connector]').first().click();
  await page.locator('.cm-content').waitFor();
  // A syntax error typed into the action: the build names the file, line and column.
  await page.locator('[data-file="src/lib/actions/get-item.ts"]').click();
  await page.locator('.cm-line', { hasText: "name: 'get-item'," }).click();
  await page.keyboard.press('End');
  await page.keyboard.type(',');
  await page.locator('[data-test=build]').click();
  await page.locator('[data-test=problems]').waitFor();
  await page.locator('[data-problem]').first().click();
  await page.screenshot({ path: `${out}connector-editor-build-error.png` });
  console.log('saved connector-editor-build-error.png');

  await page.keyboard.press('End');
  await page.keyboard.press('Backspace');
  await page.locator('[data-test=build]').click();
  await page.locator('#test-props-itemId').waitFor();
  await page.locator('#test-props-itemId').fill('42');
  await page.locator('#test-account-apiKey').fill('not-a-real-key');
  await page.locator('[data-test=run-test]').click();
  await page.locator('[data-test=test-result]').waitFor();
  await page.setViewportSize({ width: 1440, height: 1180 });
  await page.locator('.crumbs').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${out}connector-editor-test.png` });
  await page.setViewportSize({ width: 1440, height: 900 });
  console.log('saved connector-editor-test.png');

  await page.locator('[data-test=publish]').click();
  await page.locator('.alert-success').waitFor();
  await page.locator('[data-test=publish]').click();
  await page.locator('[data-problem^="src/index.ts"]').waitFor();
  await page.locator('[data-problem^="src/index.ts"]').click();
  await page.screenshot({ path: `${out}connector-editor-publish-error.png` });
  console.log('saved connector-editor-publish-error.png');
} finally {
  await browser.close();
  server.close();
}

// Takes the Studio's documentation screenshots against the built app and the dev fake API.
// Needs `npm run build` first and Debian's chromium at /usr/bin/chromium (or CHROMIUM=/path).
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
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 }, deviceScaleFactor: 1 });
  page.on('pageerror', (err) => console.error('page error:', err.message));

  await page.goto(`${base}/store?tab=triggers`);
  await page.getByLabel('Workspace API key').fill(FAKE_API_KEY);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/store\?tab=triggers/);
  await page.locator('[data-trigger]').first().waitFor();
  await page.screenshot({ path: `${out}store-triggers.png` });
  console.log('saved store-triggers.png');

  // A laptop-sized window: the navigation collapses to icons and the cards reflow.
  await page.setViewportSize({ width: 1024, height: 720 });
  await page.screenshot({ path: `${out}store-triggers-1024.png` });
  console.log('saved store-triggers-1024.png');
  await page.setViewportSize({ width: 1280, height: 1000 });

  await page.getByRole('link', { name: 'Flows' }).click();
  await page.getByRole('link', { name: 'Create flow' }).first().click();
  await page.getByLabel('Flow name').fill('Sync new orders');
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.locator('[data-connector="amazon-sqs"]').click();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.locator('#trigger-queueUrl').fill('https://sqs.eu-west-1.amazonaws.com/123456789012/orders');
  await page.locator('#delivery-batchSize').fill('0');
  await page.locator('#delivery-externalId').fill('payload.orderId');
  await page.locator('#delivery-externalId').blur();
  await page.locator('#delivery-batchSize-error').waitFor();
  await page.screenshot({ path: `${out}create-flow-configure.png` });
  console.log('saved create-flow-configure.png');

  await page.locator('#delivery-batchSize').fill('10');
  await page.getByRole('button', { name: 'Create flow' }).click();
  await page.locator('[data-node=trigger]').waitFor();
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.screenshot({ path: `${out}flow-designer.png` });
  console.log('saved flow-designer.png');

  await page.setViewportSize({ width: 1280, height: 900 });
  await page.getByRole('link', { name: 'Store' }).click();
  await page.getByRole('link', { name: 'Amazon SQS' }).first().click();
  await page.locator('[data-trigger="listen-queue"]').waitFor();
  await page.screenshot({ path: `${out}connector-page.png` });
  console.log('saved connector-page.png');

  await page.getByRole('link', { name: 'Add account' }).click();
  await page.locator('#account-accessKeyId').fill('AKIA');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.locator('#account-region-error').waitFor();
  await page.screenshot({ path: `${out}account-create.png` });
  console.log('saved account-create.png');

  await page.locator('#account-name').fill('Staging AWS');
  await page.locator('#account-region').selectOption('eu-central-1');
  await page.locator('#account-accessKeyId').fill('AKIASTAGING123456');
  await page.locator('#account-secretAccessKey').fill('not-a-real-secret');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.locator('[data-account]').nth(1).waitFor();
  await page.getByRole('button', { name: 'Test account Production AWS' }).click();
  await page.getByText('Connected').waitFor();
  await page.screenshot({ path: `${out}accounts.png` });
  console.log('saved accounts.png');

  await page.getByRole('link', { name: 'Flows' }).click();
  await page.locator('[data-flow]').first().waitFor();
  await page.screenshot({ path: `${out}flows.png` });
  console.log('saved flows.png');

  // Designer with steps (seeded flow), one action step open with its inputs and the data picker.
  await page.setViewportSize({ width: 1440, height: 1000 });
  await page.goto(`${base}/flows/flow_seed`);
  await page.locator('[data-step="send_notice"]').waitFor();
  await page.getByRole('button', { name: 'Edit step send_notice' }).click();
  await page.locator('[data-step-editor] [data-expr-input="body"] input').click();
  await page.screenshot({ path: `${out}flow-designer-steps.png`, fullPage: true });
  console.log('saved flow-designer-steps.png');

  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`${base}/flows/flow_seed/executions`);
  await page.locator('[data-run]').first().waitFor();
  await page.screenshot({ path: `${out}executions-flow.png`, fullPage: true });
  console.log('saved executions-flow.png');

  await page.goto(`${base}/executions/run_seed_failed`);
  await page.locator('.timeline [data-step="send_notice"]').waitFor();
  await page.locator('.timeline [data-step="notice"] summary', { hasText: 'Output' }).click();
  await page.locator('.timeline [data-step="send_notice"] .logs summary').click();
  await page.setViewportSize({ width: 1280, height: 1500 });
  await page.evaluate(() => document.querySelectorAll('*').forEach((el) => el.scrollTop > 0 && el.scrollTo(0, 0)));
  await page.screenshot({ path: `${out}run-detail.png` });
  console.log('saved run-detail.png');
} finally {
  await browser.close();
  server.close();
}

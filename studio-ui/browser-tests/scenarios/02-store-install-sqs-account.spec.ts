// Scenario 2: a workspace installs the Amazon SQS connector from the Connector Store and creates
// its account with the fauxqs server as the endpoint.
import type { Browser } from 'playwright-core';
import { ApiClient, harness, ownerApi } from '../support/api';
import { launchBrowser, Scenario, SCENARIO_TIMEOUT_MS } from '../support/browser';

const state = harness();
let browser: Browser;
let s: Scenario;
let workspace: ApiClient;

beforeAll(async () => {
  workspace = await ownerApi(state).createWorkspace(`Store scenario ${Date.now()}`);
  browser = await launchBrowser();
  s = await Scenario.open(browser, __filename);
}, 120_000);

afterAll(async () => {
  await s?.close();
  await browser?.close();
});

test('installs Amazon SQS from the Store and creates its account pointing at fauxqs', async () => {
  const page = s.page;
  await s.step('sign in', () => s.signIn(state.url, workspace.key, '/store'));

  await s.step('store lists Amazon SQS', async () => {
    await page.getByRole('heading', { name: 'Connector Store', level: 1 }).waitFor();
    const card = page.getByRole('listitem').filter({ has: page.getByRole('link', { name: 'Amazon SQS' }) });
    await card.waitFor();
    // A fresh workspace: nothing is installed yet.
    expect(await card.getByText(/^Installed v/).count()).toBe(0);
    await s.screenshot('store');
    await page.getByRole('tab', { name: 'Triggers' }).click();
    await page.getByRole('heading', { name: 'Listen Queue' }).first().waitFor();
    await s.screenshot('store-triggers');
    await page.getByRole('tab', { name: 'Connectors' }).click();
    await page.getByRole('link', { name: 'Amazon SQS' }).click();
  });

  const installed = await s.step('install from the connector page', async () => {
    await page.getByRole('heading', { name: 'Amazon SQS', level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'Listen Queue', level: 3 }).waitFor();
    await page.getByRole('button', { name: 'Install', exact: true }).click();
    const badge = page.getByText(/^Installed v\d+\.\d+\.\d+/).first();
    await badge.waitFor();
    await page.getByRole('link', { name: 'Add account' }).waitFor();
    await s.screenshot('connector-installed');
    return (await badge.textContent())!.trim().replace(/^Installed v/, '');
  });

  // The install is the workspace's, pinned to the version the page showed.
  const install = await workspace.get<{ connector: string; version: string }>('/api/v1/installs/amazon-sqs');
  expect(install.version).toBe(installed);

  const name = 'Local fauxqs';
  await s.step('create the account', async () => {
    await page.getByRole('link', { name: 'Add account' }).click();
    await page.getByRole('heading', { name: 'New account', level: 1 }).waitFor();
    await page.getByLabel('Name', { exact: false }).first().fill(name);
    await page.getByLabel('Access Key ID').fill('browser-tests');
    await page.getByLabel('Secret Access Key').fill('browser-tests-secret');
    await page.getByLabel('Region').fill('us-east-1');
    await page.getByLabel('Endpoint').fill(state.sqsEndpoint);
    await s.screenshot('account-form');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Accounts', level: 1 }).waitFor();
    await page.getByRole('status').filter({ hasText: 'Account created.' }).waitFor();
    await page.getByRole('row').filter({ hasText: name }).waitFor();
    await s.screenshot('accounts');
  });

  // What the API stored: the endpoint as typed, the secret never returned.
  const accounts = await workspace.get<{ items: Array<{ name: string; connector: string; values: Record<string, unknown> }> }>('/api/v1/accounts');
  expect(accounts.items).toHaveLength(1);
  expect(accounts.items[0]).toMatchObject({ name, connector: 'amazon-sqs' });
  expect(accounts.items[0].values.endpoint).toBe(state.sqsEndpoint);
  expect(accounts.items[0].values.accessKeyId).toBe('browser-tests');
  expect(accounts.items[0].values.secretAccessKey).not.toBe('browser-tests-secret');

  // The row shows the non-secret values only.
  const row = page.getByRole('row').filter({ hasText: name });
  await expect(row.textContent()).resolves.not.toContain('browser-tests-secret');
  expect(s.problems).toEqual([]);
}, SCENARIO_TIMEOUT_MS);

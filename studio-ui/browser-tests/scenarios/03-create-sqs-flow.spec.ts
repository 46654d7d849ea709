// Scenario 3: create a flow started by Amazon SQS "Listen Queue" in the wizard (account, Queue URL,
// Batch Size 5, External ID payload.orderId), add a map step in the designer, publish, activate.
import type { Browser } from 'playwright-core';
import { harness, workspaceWithSqsAccount, type SqsWorkspace, type TriggerStatus } from '../support/api';
import { launchBrowser, Scenario, SCENARIO_TIMEOUT_MS } from '../support/browser';
import { createQueueWithDlq, sqsClient } from '../support/sqs';
import { waitFor } from '../support/wait';

const state = harness();
const sqs = sqsClient(state.sqsEndpoint);
let browser: Browser;
let s: Scenario;
let ws: SqsWorkspace;
let queueUrl: string;

const FLOW_NAME = 'Sync new orders';
const MAP_EXPRESSION = '{ "orderIds": [trigger.messages.payload.orderId], "total": $sum(trigger.messages.payload.total) }';

beforeAll(async () => {
  ws = await workspaceWithSqsAccount('Flow scenario');
  queueUrl = await createQueueWithDlq(sqs, `orders-flow-${Date.now()}`);
  browser = await launchBrowser();
  s = await Scenario.open(browser, __filename);
}, 120_000);

afterAll(async () => {
  await s?.close();
  await browser?.close();
  sqs.destroy();
});

test('creates, publishes and activates an SQS Listen Queue flow with a map step', async () => {
  const page = s.page;
  await s.step('sign in', () => s.signIn(state.url, ws.api.key, '/flows'));

  await s.step('name the flow', async () => {
    await page.getByRole('heading', { name: 'Flows', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'Create flow' }).first().click();
    await page.getByRole('heading', { name: 'Name your flow' }).waitFor();
    await page.getByLabel('Flow name').fill(FLOW_NAME);
    await s.screenshot('wizard-name');
    await page.getByRole('button', { name: 'Continue' }).click();
  });

  await s.step('pick Amazon SQS', async () => {
    await page.getByRole('heading', { name: `What starts “${FLOW_NAME}”?` }).waitFor();
    const sqsCard = page.getByRole('radio', { name: /Amazon SQS/ });
    await sqsCard.click();
    // The studio renders the selection on its next change detection (zoneless), not inside
    // click(): wait for the checked state instead of reading the attribute once.
    await page.getByRole('radio', { name: /Amazon SQS/, checked: true }).waitFor({ timeout: 10_000 });
    await s.screenshot('wizard-source');
    await page.getByRole('button', { name: 'Continue' }).click();
  });

  await s.step('configure Listen Queue', async () => {
    await page.getByRole('heading', { name: 'Configure the Amazon SQS trigger' }).waitFor();
    await page.getByRole('radiogroup', { name: /Choose event/ }).getByRole('radio', { name: /Listen Queue/ }).check();
    await page.getByRole('combobox', { name: /^Account\b/ }).selectOption({ label: ws.accountName });
    await page.getByRole('textbox', { name: /^Queue URL/ }).fill(queueUrl);
    await page.getByRole('spinbutton', { name: /^Batch Size/ }).fill('5');
    await page.getByRole('textbox', { name: /^External ID/ }).fill('payload.orderId');
    await s.screenshot('wizard-configure');
    await page.getByRole('button', { name: 'Create flow' }).click();
  });

  const flowId = await s.step('designer shows the trigger node', async () => {
    await page.waitForURL(/\/flows\/[0-9a-f-]{36}$/);
    await page.getByRole('heading', { name: FLOW_NAME, level: 1 }).waitFor();
    const trigger = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'Listen Queue' }) });
    await trigger.waitFor();
    // The account's name replaces its id once the workspace's accounts are loaded.
    await trigger.getByText(/amazon-sqs v\d+\.\d+\.\d+ · account fauxqs/).waitFor();
    const text = await trigger.innerText();
    expect(text).toContain(queueUrl);
    expect(text).toMatch(/Batch Size\s+5/);
    expect(text).toMatch(/External ID\s+payload\.orderId/);
    await s.screenshot('designer-trigger');
    return new URL(page.url()).pathname.split('/').pop()!;
  });

  await s.step('add a map step', async () => {
    await page.getByRole('group', { name: 'Add a step' }).getByRole('button', { name: 'Map', exact: true }).click();
    const editor = page.getByRole('region').filter({ has: page.getByText(/Step 2 · Map/) });
    await editor.waitFor();
    await editor.getByLabel('Step name').fill('summary');
    await editor.getByLabel('JSONata expression').fill(MAP_EXPRESSION);
    await page.getByRole('heading', { name: 'summary', level: 2 }).first().waitFor();
    await s.screenshot('designer-map-step');
  });

  await s.step('publish', async () => {
    await page.getByRole('button', { name: 'Publish' }).click();
    await page.getByText('Published version 1. Activate it to start the trigger.').waitFor();
    await s.screenshot('designer-published');
  });

  await s.step('activate', async () => {
    await page.getByRole('button', { name: 'Activate' }).click();
    await page.getByText('Active: version 1 runs now.').waitFor();
    await page.getByRole('button', { name: 'Deactivate' }).waitFor();
    await expect(page.locator('[data-flow-status]').innerText()).resolves.toBe('active');
    await s.screenshot('designer-active');
  });

  // What the platform now holds: the published definition, active.
  const flow = await ws.api.get<{ status: string; activeVersion: number | null }>(`/api/v1/flows/${flowId}`);
  expect(flow).toMatchObject({ status: 'active', activeVersion: 1 });
  const v1 = await ws.api.get<{ definition: { trigger: Record<string, unknown>; steps: Array<Record<string, unknown>> } }>(`/api/v1/flows/${flowId}/versions/1`);
  expect(v1.definition.trigger).toMatchObject({
    type: 'connector',
    connector: 'amazon-sqs',
    trigger: 'listen-queue',
    account: ws.accountId,
    batchSize: 5,
    externalId: 'payload.orderId',
    props: expect.objectContaining({ queueUrl }) as unknown,
  });
  expect(v1.definition.steps).toEqual([expect.objectContaining({ name: 'summary', type: 'map', expression: MAP_EXPRESSION })]);

  // And the runtime consumes the queue: the Listen Queue trigger is running, without an error.
  const trigger = await waitFor('the Listen Queue trigger to run', async () => {
    const t = await ws.api.get<TriggerStatus>(`/api/v1/flows/${flowId}/trigger`);
    if (t.error) throw new Error(`trigger error: ${t.error}`);
    return t.running ? t : null;
  }, 60_000, 500);
  expect(trigger).toMatchObject({ running: true, kind: 'stream', version: 1, error: null });
  expect(s.problems).toEqual([]);
}, SCENARIO_TIMEOUT_MS);

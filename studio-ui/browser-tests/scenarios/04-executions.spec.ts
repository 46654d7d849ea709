// Scenario 4: 12 messages sent to the queue of an active SQS flow (Batch Size 5, External ID
// payload.orderId, one map step) become runs; the Executions screen lists them, finds one by its
// External ID and shows each step's output.
import type { Browser } from 'playwright-core';
import { harness, workspaceWithSqsAccount, type SqsWorkspace, type TriggerStatus } from '../support/api';
import { launchBrowser, Scenario, SCENARIO_TIMEOUT_MS } from '../support/browser';
import { approximateCounts, createQueueWithDlq, sendJson, sqsClient } from '../support/sqs';
import { waitFor } from '../support/wait';

type RunRow = { id: string; status: string; messageCount: number };

const state = harness();
const sqs = sqsClient(state.sqsEndpoint);
let browser: Browser;
let s: Scenario;
let ws: SqsWorkspace;
let queueUrl: string;
let flowId: string;

const ORDERS = Array.from({ length: 12 }, (_, i) => ({ orderId: `order-${101 + i}`, total: 10 + i }));
const SEARCHED = ORDERS[6]; // order-107

beforeAll(async () => {
  ws = await workspaceWithSqsAccount('Executions scenario');
  queueUrl = await createQueueWithDlq(sqs, `orders-runs-${Date.now()}`);
  // The flow of scenario 3, made through the API.
  const flow = await ws.api.post<{ id: string }>('/api/v1/flows', {
    name: 'Orders to runs',
    trigger: {
      type: 'connector',
      connector: 'amazon-sqs',
      version: ws.version,
      trigger: 'listen-queue',
      account: ws.accountId,
      props: { queueUrl, waitTimeSeconds: 1 },
      batchSize: 5,
      externalId: 'payload.orderId',
      batchWaitMs: 1000,
    },
    steps: [{ name: 'summary', type: 'map', expression: '{ "orderIds": [trigger.messages.payload.orderId], "total": $sum(trigger.messages.payload.total) }' }],
  });
  flowId = flow.id;
  await ws.api.post(`/api/v1/flows/${flowId}/publish`);
  await ws.api.post(`/api/v1/flows/${flowId}/activate`, {});
  await waitFor('the Listen Queue trigger to run', async () => {
    const t = await ws.api.get<TriggerStatus>(`/api/v1/flows/${flowId}/trigger`);
    if (t.error) throw new Error(`trigger error: ${t.error}`);
    return t.running;
  }, 60_000, 500);
  browser = await launchBrowser();
  s = await Scenario.open(browser, __filename);
}, 180_000);

afterAll(async () => {
  if (flowId) await ws.api.post(`/api/v1/flows/${flowId}/deactivate`).catch(() => undefined);
  await s?.close();
  await browser?.close();
  sqs.destroy();
});

test('12 queued messages become runs of at most 5, searchable by External ID, with step outputs', async () => {
  const page = s.page;
  await sendJson(sqs, queueUrl, ORDERS);

  // All 12 recorded (through the API, so the browser part below starts from a settled state).
  const runs = await waitFor('12 messages recorded in succeeded runs', async () => {
    const list = await ws.api.get<{ items: RunRow[] }>(`/api/v1/runs?flowId=${flowId}&limit=100`);
    const done = list.items.filter((r) => r.status === 'succeeded');
    return done.reduce((n, r) => n + r.messageCount, 0) >= 12 && list.items.every((r) => r.status === 'succeeded') ? list.items : null;
  }, 120_000, 1000);
  expect(runs.reduce((n, r) => n + r.messageCount, 0)).toBe(12);
  expect(runs.length).toBeGreaterThanOrEqual(3);
  for (const r of runs) expect(r.messageCount).toBeLessThanOrEqual(5);
  // Each message deleted only after its run was recorded: the queue is empty.
  await waitFor('the queue to be empty', async () => {
    const c = await approximateCounts(sqs, queueUrl);
    return c.visible === 0 && c.inFlight === 0;
  }, 60_000, 500);

  await s.step('sign in to the flow executions', () => s.signIn(state.url, ws.api.key, `/flows/${flowId}/executions`));

  await s.step('executions list shows every run', async () => {
    const table = page.getByRole('table').filter({ has: page.getByRole('columnheader', { name: 'Duration' }) });
    await table.waitFor();
    await waitFor(`${runs.length} run rows`, async () => (await table.getByRole('row').count()) - 1 === runs.length, 30_000);
    const rows = await table.getByRole('row').all();
    let messages = 0;
    for (const row of rows.slice(1)) {
      const cells = await row.getByRole('cell').allInnerTexts();
      expect(cells[0]).toMatch(/^succeeded/);
      messages += Number(cells[3]);
    }
    expect(messages).toBe(12);
    // The message outcomes: all 12 succeeded.
    await page.getByRole('tab', { name: /^succeeded\s+12$/ }).waitFor();
    await s.screenshot('executions');
  });

  await s.step('search by External ID', async () => {
    await page.getByRole('searchbox', { name: 'External ID' }).fill(SEARCHED.orderId);
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const table = page.getByRole('table').filter({ has: page.getByRole('columnheader', { name: 'Duration' }) });
    await waitFor('one run for the External ID', async () => (await table.getByRole('row').count()) === 2, 30_000);
    await s.screenshot('executions-search');
    await table.getByRole('row').nth(1).getByRole('link', { name: /^succeeded/ }).click();
  });

  await s.step('run detail shows the message and the map output', async () => {
    await page.getByRole('heading', { name: 'Run', level: 1 }).waitFor();
    await expect(page.locator('[data-run-status]').innerText()).resolves.toBe('succeeded');
    const messages = page.getByRole('table', { name: 'Messages in this batch' });
    await messages.getByRole('row').filter({ hasText: SEARCHED.orderId }).waitFor();
    const step = page.getByRole('listitem').filter({ hasText: 'summary' }).filter({ hasText: 'map' });
    await expect(step.innerText()).resolves.toMatch(/succeeded/);
    // The Output disclosure (<details>): open it unless the page already did.
    const details = step.locator('details').filter({ has: page.locator('summary', { hasText: /^Output/ }) });
    if ((await details.getAttribute('open')) === null) await details.locator('summary').click();
    const output = details.locator('pre');
    await output.waitFor();
    const value = JSON.parse(await output.innerText()) as { orderIds: string[]; total: number };
    expect(value.orderIds).toContain(SEARCHED.orderId);
    // The output covers exactly this run's batch.
    const batch = ORDERS.filter((o) => value.orderIds.includes(o.orderId));
    expect(batch).toHaveLength(value.orderIds.length);
    expect(value.total).toBe(batch.reduce((n, o) => n + o.total, 0));
    await s.screenshot('run-detail');
  });
  expect(s.problems).toEqual([]);
}, SCENARIO_TIMEOUT_MS);

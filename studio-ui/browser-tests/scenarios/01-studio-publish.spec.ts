// Scenario 1: a developer opens the Connector Studio, edits the SDK template (connector name and
// the Get Item action), builds it, tests the action in the sandbox and publishes the version.
import type { Browser } from 'playwright-core';
import { harness, ownerApi, type ApiClient } from '../support/api';
import { launchBrowser, Scenario, SCENARIO_TIMEOUT_MS } from '../support/browser';

const state = harness();
let browser: Browser;
let s: Scenario;
let ws: ApiClient;

// Registry names are global: unique per run, so a reused platform (BROWSER_TESTS_URL) works too.
const NAME = `order-lookup-${Date.now().toString(36)}`;
const ACTION_FILE = 'src/lib/actions/get-item.ts';
// The file list shows paths inside src/ (with or without the src/ prefix).
const INDEX_BUTTON = /^(src\/)?index\.ts$/;
const ACTION_BUTTON = /^(src\/)?lib\/actions\/get-item\.ts$/;
// The edited action: no HTTP, so the test run needs no outside server.
const ACTION_SOURCE = `import { defineAction, Property } from '@flowport/connector-sdk';
import { exampleAccount } from '../account';

export const getItem = defineAction({
  name: 'get-item',
  displayName: 'Get Item',
  description: 'Describes one item by its id.',
  account: exampleAccount,
  props: {
    itemId: Property.ShortText({ displayName: 'Item ID', required: true }),
  },
  sampleOutput: { id: '1', name: 'Item 1', source: 'studio' },
  async run(ctx) {
    ctx.log.info('looking up item ' + ctx.props.itemId);
    return { id: ctx.props.itemId, name: 'Item ' + ctx.props.itemId, source: 'studio' };
  },
});
`;

beforeAll(async () => {
  ws = await ownerApi(state).createWorkspace(`Studio scenario ${Date.now()}`);
  browser = await launchBrowser();
  s = await Scenario.open(browser, __filename);
}, 120_000);

afterAll(async () => {
  await s?.close();
  await browser?.close();
});

/** Replaces the whole text of the file open in the code editor (CodeMirror) as a paste would. */
async function replaceEditorText(text: string, file: string): Promise<void> {
  const editor = s.page.getByRole('textbox', { name: `Source of ${file}` });
  await editor.click();
  await s.page.keyboard.press('ControlOrMeta+a');
  await s.page.keyboard.press('Delete');
  // insertText: no key events, so the editor's bracket and indent helpers do not change the code.
  await s.page.keyboard.insertText(text);
}

test('edits, builds, tests and publishes a connector from the Connector Studio', async () => {
  const page = s.page;
  await s.step('sign in', () => s.signIn(state.url, ws.key, '/studio'));

  await s.step('open a new connector', async () => {
    await page.getByRole('heading', { name: 'Connector Studio', level: 1 }).waitFor();
    await s.screenshot('studio-empty');
    await page.getByRole('link', { name: 'New connector' }).first().click();
    await page.getByRole('navigation', { name: 'Files' }).getByRole('button', { name: INDEX_BUTTON }).waitFor();
  });

  await s.step('edit the connector name and the action', async () => {
    const files = page.getByRole('navigation', { name: 'Files' });
    await files.getByRole('button', { name: INDEX_BUTTON }).click();
    const editor = page.getByRole('textbox', { name: 'Source of src/index.ts' });
    await editor.waitFor();
    // The template's text as the editor shows it (one .cm-line per line; the file is short, so all are rendered).
    const index = await editor.evaluate((el) => Array.from(el.querySelectorAll('.cm-line')).map((l) => l.textContent ?? '').join('\n'));
    expect(index).toMatch(/name: '[^']+'/);
    await replaceEditorText(index.replace(/name: '[^']+'/, `name: '${NAME}'`).replace(/displayName: '[^']+'/, "displayName: 'Order Lookup'"), 'src/index.ts');
    await files.getByRole('button', { name: ACTION_BUTTON }).click();
    await replaceEditorText(ACTION_SOURCE, ACTION_FILE);
    await page.getByText('changed since the last build').or(page.getByRole('button', { name: 'Build' }).first()).first().waitFor();
    await s.screenshot('editor-edited');
  });

  await s.step('build', async () => {
    await page.getByRole('button', { name: 'Build', exact: true }).first().click();
    const manifest = page.getByRole('region', { name: 'Manifest' });
    await manifest.getByText(NAME, { exact: true }).waitFor();
    await page.getByRole('heading', { name: /Order Lookup/, level: 1 }).waitFor();
    await expect(manifest.innerText()).resolves.toContain('Get Item');
    await s.screenshot('built');
  });

  await s.step('test the action in the sandbox', async () => {
    const panel = page.getByRole('region', { name: 'Build & Test' });
    await panel.getByRole('combobox', { name: 'Run' }).selectOption('action');
    await panel.getByRole('combobox', { name: 'Action' }).selectOption({ label: 'Get Item' });
    await panel.getByRole('textbox', { name: /^Item ID/ }).fill('42');
    // A password input has no textbox role: found by its label.
    await panel.getByLabel(/API Key/).fill('studio-test-key');
    await panel.getByRole('button', { name: /^(Build & )?Test$/ }).click();
    const result = page.getByRole('region', { name: 'Problems and output' });
    await result.getByText('ok', { exact: true }).waitFor();
    const output = JSON.parse(await result.locator('[data-test="test-output"]').innerText()) as Record<string, unknown>;
    expect(output).toEqual({ id: '42', name: 'Item 42', source: 'studio' });
    await expect(result.innerText()).resolves.toContain('looking up item 42');
    await s.screenshot('tested');
  });

  await s.step('publish', async () => {
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    await page.getByRole('status').filter({ hasText: `Published ${NAME}@0.1.0` }).waitFor();
    await s.screenshot('published');
    await page.getByRole('link', { name: 'list of your connectors' }).click();
    await page.getByRole('heading', { name: 'Connector Studio', level: 1 }).waitFor();
    const card = page.getByRole('article').filter({ hasText: NAME });
    await card.getByRole('cell', { name: '0.1.0' }).waitFor();
    await expect(card.innerText()).resolves.toContain('latest');
    await s.screenshot('studio-list');
  });

  // The registry holds the version under this workspace, with the edited action, and the Store shows it.
  const published = await ws.get<{ name: string; displayName: string; versions: Array<{ version: string }> }>(`/api/v1/registry/connectors/${NAME}`);
  expect(published).toMatchObject({ name: NAME, displayName: 'Order Lookup' });
  expect(published.versions.map((v) => v.version)).toEqual(['0.1.0']);
  const version = await ws.get<{ manifest: { actions: Array<{ name: string; description: string }> } }>(`/api/v1/registry/connectors/${NAME}/versions/0.1.0`);
  expect(version.manifest.actions).toEqual([expect.objectContaining({ name: 'get-item', description: 'Describes one item by its id.' })]);
  await s.step('the Store lists it', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Store' }).click();
    // The card's link (its display name; the href tells this run's connector from earlier ones on a reused platform).
    const link = page.getByRole('link', { name: 'Order Lookup' }).and(page.locator(`[href="/store/${NAME}"]`));
    await link.waitFor();
    await s.screenshot('store');
    await link.click();
    await page.getByRole('heading', { name: 'Order Lookup', level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'Get Item', level: 3 }).waitFor();
    await s.screenshot('store-connector');
  });
  expect(s.problems).toEqual([]);
}, SCENARIO_TIMEOUT_MS);

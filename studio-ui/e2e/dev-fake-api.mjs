// DEV FIXTURE ONLY: a tiny in-memory stand-in for the Flowport API, so the built Studio can be
// looked at and screenshotted without the backend. It is not the API; the real-backend browser
// tests replace it. It also serves dist/browser with the history-API fallback the backend uses.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { studioApi } from './fake-studio-api.mjs';

export const FAKE_API_KEY = 'fp_dev_fixture_key';
// STUDIO_DIST: serve another build folder (ng build --output-path), e.g. while someone else rebuilds dist/.
const dist = process.env.STUDIO_DIST ? `${process.env.STUDIO_DIST.replace(/\/$/, '')}/` : fileURLToPath(new URL('../dist/browser/', import.meta.url));

const triggerBase = {
  batchSize: { type: 'integer', title: 'Batch Size', minimum: 1, maximum: 1000, default: 1 },
  externalId: { type: 'string', title: 'External ID' },
};
const connectors = [
  {
    name: 'amazon-sqs', displayName: 'Amazon SQS', categories: ['Messaging', 'AWS'], installedVersion: '1.2.0', versions: ['1.3.0', '1.2.0'],
    description: 'Send and receive messages with Amazon Simple Queue Service.',
    account: { name: 'aws', displayName: 'AWS access key', kind: 'custom', secretFields: ['secretAccessKey'], props: { type: 'object', required: ['region', 'accessKeyId', 'secretAccessKey'], properties: {
      region: { type: 'string', title: 'Region', enum: ['eu-west-1', 'eu-central-1', 'us-east-1'] },
      accessKeyId: { type: 'string', title: 'Access key ID', minLength: 16 },
      secretAccessKey: { type: 'string', title: 'Secret access key', format: 'password' } } } },
    actions: [{ name: 'send-message', displayName: 'Send Message', description: 'Sends one message to a queue.', account: 'aws',
      props: { type: 'object', required: ['queueUrl', 'body'], properties: { queueUrl: { type: 'string', title: 'Queue URL', format: 'uri' }, body: { type: 'string', title: 'Message body' }, delaySeconds: { type: 'integer', title: 'Delay (s)', minimum: 0, maximum: 900 } } } }],
    triggers: [{ name: 'listen-queue', displayName: 'Listen Queue', kind: 'stream', driver: 'sqs', description: 'Starts a run as soon as messages arrive in a queue.',
      sampleData: [{ orderId: 'order-1042', total: 249.9, customer: { email: 'ada@example.com', country: 'DE' }, lines: [{ sku: 'SKU-1', qty: 2 }] }],
      props: { required: ['queueUrl', 'batchSize'], properties: {
        queueUrl: { type: 'string', title: 'Queue URL', format: 'uri', description: 'e.g. https://sqs.eu-west-1.amazonaws.com/123456789012/orders' },
        waitTimeSeconds: { type: 'integer', title: 'Long-poll wait (s)', minimum: 0, maximum: 20, default: 20 } } } }],
  },
  {
    name: 'rabbitmq', displayName: 'RabbitMQ', categories: ['Messaging'], installedVersion: '0.9.1', versions: ['0.9.1'],
    description: 'Consume and publish messages on a RabbitMQ broker.',
    account: { name: 'amqp', displayName: 'AMQP connection', kind: 'custom', secretFields: ['url'], props: { type: 'object', required: ['url'], properties: { url: { type: 'string', title: 'AMQP URL', format: 'password' } } } },
    actions: [{ name: 'publish', displayName: 'Publish Message', description: 'Publishes to an exchange.' }],
    triggers: [{ name: 'consume-queue', displayName: 'Consume Queue', kind: 'stream', driver: 'amqp', description: 'Starts a run for each message delivered from a queue.',
      props: { required: ['queue', 'batchSize'], properties: { queue: { type: 'string', title: 'Queue' }, prefetch: { type: 'integer', title: 'Prefetch', minimum: 1, maximum: 1000, default: 10 } } } }],
  },
  {
    name: 'kafka', displayName: 'Apache Kafka', categories: ['Messaging', 'Streaming'], installedVersion: null, versions: ['2.1.0'],
    description: 'Read records from Kafka topics with consumer groups.',
    account: { name: 'brokers', displayName: 'Kafka brokers', kind: 'custom', secretFields: ['password'], props: { type: 'object', required: ['brokers'], properties: { brokers: { type: 'string', title: 'Brokers' }, password: { type: 'string', format: 'password', title: 'SASL password' } } } },
    actions: [],
    triggers: [{ name: 'consume-topic', displayName: 'Consume Topic', kind: 'stream', driver: 'kafka', description: 'Starts a run for each record on a topic.',
      props: { required: ['topic', 'batchSize'], properties: { topic: { type: 'string', title: 'Topic' }, groupId: { type: 'string', title: 'Consumer group' } } } }],
  },
  {
    name: 'postgres', displayName: 'PostgreSQL', categories: ['Databases'], installedVersion: null, versions: ['1.0.0'],
    description: 'Query tables and react to new rows.',
    account: { name: 'db', displayName: 'Database', kind: 'custom', secretFields: ['password'], props: { type: 'object', properties: { host: { type: 'string', title: 'Host' }, password: { type: 'string', title: 'Password', format: 'password' } } } },
    actions: [{ name: 'query', displayName: 'Run Query', description: 'Runs a SQL query.' }],
    triggers: [{ name: 'new-rows', displayName: 'New Rows', kind: 'pooling', description: 'Checks a table for new rows every few seconds.',
      props: { required: ['table', 'batchSize'], properties: { table: { type: 'string', title: 'Table' }, cursorColumn: { type: 'string', title: 'Cursor column', default: 'id' } } } }],
  },
  {
    name: 'github', displayName: 'GitHub', categories: ['Developer tools'], installedVersion: null, versions: ['3.0.0'],
    description: 'Issues, pull requests and repository events.',
    account: { name: 'token', displayName: 'Personal access token', kind: 'custom', secretFields: ['token'], props: { type: 'object', required: ['token'], properties: { token: { type: 'string', title: 'Token', format: 'password' } } } },
    actions: [{ name: 'create-issue', displayName: 'Create Issue', description: 'Opens an issue.' }],
    triggers: [{ name: 'push', displayName: 'Push Event', kind: 'webhook', description: 'Starts a run when commits are pushed.',
      props: { required: ['repository', 'batchSize'], properties: { repository: { type: 'string', title: 'Repository', description: 'owner/name' } } } }],
  },
];
const installs = new Map(connectors.filter((c) => c.installedVersion).map((c) => [c.name, { connector: c.name, version: c.installedVersion, yanked: false, installedAt: '2026-11-20T09:00:00Z' }]));
const accounts = [{ id: 'acc_1', connector: 'amazon-sqs', account: 'aws', name: 'Production AWS', values: { region: 'eu-west-1', accessKeyId: 'AKIAEXAMPLE12345', secretAccessKey: '********' }, createdAt: '2026-11-21T10:00:00Z' }];
const flows = [];
const runs = [];

// Flows as the flows service answers them: summary + draft, versions, hasWebhookToken.
function newFlow(id, body) {
  return { id, name: body.name, description: body.description ?? '', status: 'draft', activeVersion: null, versions: [], hasWebhookToken: body.trigger?.type === 'webhook',
    draft: { trigger: body.trigger, steps: body.steps ?? [] }, createdAt: new Date().toISOString(), updatedAt: new Date().toISOString() };
}
function flowDetail(f) {
  const t = f.draft.trigger;
  const trigger = t.type === 'connector' ? { type: t.type, label: `${t.connector}@${t.version} ${t.trigger}`, connector: t.connector, version: t.version, trigger: t.trigger } : { type: t.type, label: t.cron ? `cron "${t.cron}"` : t.type };
  return { ...f, trigger, latestVersion: f.versions.at(-1)?.version ?? null };
}
function flowRoute(flow, method, action, body) {
  const now = new Date().toISOString();
  if (!action && method === 'GET') return { body: flowDetail(flow) };
  if (!action && method === 'PUT') {
    const bad = (body.steps ?? []).flatMap((s, i) => (s.type === 'map' && !s.expression?.trim() ? [{ path: `steps[${i}].expression`, message: 'is required: a JSONata expression' }] : []));
    if (bad.length) return error(400, 'VALIDATION_FAILED', `The draft of flow '${flow.name}' has ${bad.length} problem(s)`, bad);
    Object.assign(flow, { name: body.name, description: body.description ?? '', draft: { trigger: body.trigger, steps: body.steps ?? [] }, updatedAt: now });
    return { body: flowDetail(flow) };
  }
  if (action === 'publish') {
    const version = (flow.versions.at(-1)?.version ?? 0) + 1;
    flow.versions.push({ version, active: false, createdAt: now });
    return { status: 201, body: { flowId: flow.id, version, active: false, createdAt: now } };
  }
  if (action === 'activate') {
    if (!flow.versions.length) return error(409, 'NOT_PUBLISHED', `Flow '${flow.name}' has no published version: publish the draft first`);
    Object.assign(flow, { status: 'active', activeVersion: flow.versions.at(-1).version });
    return { body: flowDetail(flow) };
  }
  if (action === 'deactivate') { Object.assign(flow, { status: 'inactive', activeVersion: null }); return { body: flowDetail(flow) }; }
  if (action === 'webhook-token') return { status: 201, body: { flowId: flow.id, webhookToken: 'fpwh_dev_rotated_token' } };
  if (action === 'runs' || action === 'test') {
    const test = action === 'test';
    return { status: 202, body: { runId: addRun({ flowId: flow.id, flowVersion: test ? null : flow.activeVersion, status: 'queued', trigger: test ? { type: 'test', source: flow.draft.trigger.type } : { type: 'manual' }, error: null, durationMs: null, messages: [], steps: [], logs: [] }) } };
  }
  if (action === 'resync') {
    const groups = { succeeded: [], failed: [], unprocessed: [], skipped: [] };
    for (const r of runs.filter((x) => x.flowId === flow.id)) for (const msg of r.messages) {
      const group = r.status === 'succeeded' ? 'succeeded' : r.status === 'failed' ? 'failed' : r.status === 'duplicate' || r.status === 'filtered' ? 'skipped' : 'unprocessed';
      groups[group].push({ id: msg.id, externalId: msg.externalId, messageId: msg.messageId, runId: r.id, runStatus: r.status, reason: group === 'skipped' ? r.status : null, error: r.error, receivedAt: r.createdAt });
    }
    return { body: { flowId: flow.id, counts: Object.fromEntries(Object.entries(groups).map(([k, v]) => [k, v.length])), messages: groups } };
  }
  return error(404, 'not_found', `No fake route for ${method} /api/v1/flows/${flow.id}/${action}.`);
}
function addRun(run) {
  const id = run.id ?? `run_${runs.length + 1}`;
  const createdAt = run.createdAt ?? new Date().toISOString();
  runs.unshift({ messageCount: run.messages.length, replayOf: null, startedAt: createdAt, finishedAt: null, ...run, id, createdAt });
  return id;
}

// A seeded flow with steps and two runs, for the designer and run-detail screenshots.
const seedTrigger = { type: 'connector', connector: 'amazon-sqs', version: '1.2.0', trigger: 'listen-queue', account: 'acc_1',
  props: { queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders' }, batchSize: 10, externalId: 'payload.orderId', batchWaitMs: 1000 };
flows.push({ ...newFlow('flow_seed', { name: 'Notify big orders', trigger: seedTrigger, steps: [
  { type: 'filter', name: 'big_orders', condition: 'trigger.messages[0].payload.total > 100' },
  { type: 'map', name: 'notice', expression: '{ "orderId": trigger.messages[0].payload.orderId, "email": trigger.messages[0].payload.customer.email }' },
  { type: 'action', name: 'send_notice', connector: 'amazon-sqs', version: '1.2.0', action: 'send-message', account: 'acc_1',
    inputs: { queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/notices', body: '{{ $string(steps.notice) }}', delaySeconds: 0 } },
] }), status: 'active', activeVersion: 1, versions: [{ version: 1, active: true, createdAt: '2026-11-24T09:00:00Z' }] });
const seedStep = (order, name, type, status, startedAt, durationMs, input, output, error = null) => ({ order, name, type, status, attempts: status === 'failed' ? 3 : 1, startedAt, finishedAt: startedAt, durationMs, input, output, error });
const payload = (orderId, total) => ({ orderId, total, customer: { email: 'ada@example.com', country: 'DE' } });
addRun({ id: 'run_seed_ok', flowId: 'flow_seed', flowVersion: 1, status: 'succeeded', trigger: { type: 'connector' }, error: null, createdAt: '2026-11-25T09:12:03.000Z', finishedAt: '2026-11-25T09:12:03.412Z', durationMs: 412,
  messages: [{ id: 'msg_1', externalId: 'order-1040', messageId: 'c1f0-41', status: 'accepted', payload: payload('order-1040', 180), labels: null }],
  steps: [seedStep(1, 'big_orders', 'filter', 'succeeded', '2026-11-25T09:12:03.010Z', 3, { total: 180 }, true), seedStep(2, 'notice', 'map', 'succeeded', '2026-11-25T09:12:03.014Z', 2, {}, { orderId: 'order-1040', email: 'ada@example.com' }),
    seedStep(3, 'send_notice', 'action', 'succeeded', '2026-11-25T09:12:03.020Z', 388, { queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/notices' }, { messageId: '7d1c-22' })], logs: [] });
addRun({ id: 'run_seed_failed', flowId: 'flow_seed', flowVersion: 1, status: 'failed', trigger: { type: 'connector' }, error: 'Step "send_notice" failed after 3 attempts: SQS answered 503 Service Unavailable',
  createdAt: '2026-11-25T09:14:41.000Z', finishedAt: '2026-11-25T09:14:44.310Z', durationMs: 3310,
  messages: [{ id: 'msg_2', externalId: 'order-1042', messageId: 'c1f0-42', status: 'accepted', payload: payload('order-1042', 249.9), labels: null },
    { id: 'msg_3', externalId: 'order-1043', messageId: 'c1f0-43', status: 'accepted', payload: payload('order-1043', 120), labels: null }],
  steps: [seedStep(1, 'big_orders', 'filter', 'succeeded', '2026-11-25T09:14:41.008Z', 4, { total: 249.9 }, true), seedStep(2, 'notice', 'map', 'succeeded', '2026-11-25T09:14:41.013Z', 2, {}, { orderId: 'order-1042', email: 'ada@example.com' }),
    seedStep(3, 'send_notice', 'action', 'failed', '2026-11-25T09:14:41.020Z', 3290, { queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/notices', body: '{"orderId":"order-1042"}' }, null, 'SQS answered 503 Service Unavailable')],
  logs: [{ step: 'send_notice', order: 3, level: 'warn', message: 'SendMessage got 503, retrying in 1000 ms (attempt 1 of 3)', at: '2026-11-25T09:14:42.100Z' },
    { step: 'send_notice', order: 3, level: 'warn', message: 'SendMessage got 503, retrying in 2000 ms (attempt 2 of 3)', at: '2026-11-25T09:14:44.200Z' },
    { step: 'send_notice', order: 3, level: 'error', message: 'SendMessage failed: 503 Service Unavailable', at: '2026-11-25T09:14:44.300Z' }] });

const propsOf = (t) => ({ type: 'object', ...t.props, properties: { ...t.props.properties, ...triggerBase } });
const storeConnector = (c) => ({ name: c.name, displayName: c.displayName, icon: '', description: c.description, categories: c.categories, latestVersion: c.versions[0],
  actionCount: c.actions.length, triggerCount: c.triggers.length, installedVersion: installs.get(c.name)?.version ?? null });
const matches = (q, ...texts) => !q || texts.some((t) => t.toLowerCase().includes(q.toLowerCase()));
const error = (status, code, message, details = []) => ({ status, body: { error: { code, message, details } } });

function api(method, path, query, body) {
  let m;
  if (path === '/api/v1/me') return { body: { workspace: { id: 'ws_dev', name: 'Acme Logistics' }, role: 'admin', keyName: 'dev fixture' } };
  if (path === '/api/v1/store/connectors') {
    const items = connectors.filter((c) => matches(query.get('q'), c.displayName, c.description) && (!query.get('category') || c.categories.includes(query.get('category'))));
    return { body: { items: items.map(storeConnector), nextCursor: null } };
  }
  if (path === '/api/v1/store/triggers') {
    const items = connectors.flatMap((c) => c.triggers.map((t) => ({ connector: c.name, connectorDisplayName: c.displayName, connectorVersion: installs.get(c.name)?.version ?? c.versions[0],
      icon: '', name: t.name, displayName: t.displayName, description: t.description, kind: t.kind, driver: t.driver, props: propsOf(t) })))
      .filter((t) => matches(query.get('q'), t.displayName, t.description, t.connectorDisplayName) && (!query.get('kind') || t.kind === query.get('kind')) && (!query.get('connector') || t.connector === query.get('connector')));
    return { body: { items, nextCursor: null } };
  }
  if ((m = path.match(/^\/api\/v1\/registry\/connectors\/([^/]+)(?:\/versions\/([^/]+))?$/))) {
    const c = connectors.find((x) => x.name === decodeURIComponent(m[1]));
    if (!c) return error(404, 'not_found', `Connector "${m[1]}" is not in the registry.`);
    if (!m[2]) return { body: { name: c.name, displayName: c.displayName, description: c.description, icon: '', categories: c.categories, publisher: 'flowport',
      versions: c.versions.map((v, i) => ({ version: v, publishedAt: `2026-11-${String(20 - i * 5).padStart(2, '0')}T10:00:00Z`, deprecated: false, yanked: false, integrity: 'sha512-dev' })) } };
    return { body: { name: c.name, version: decodeURIComponent(m[2]), manifest: { accounts: [c.account], actions: c.actions.map((a) => ({ account: null, ...a, props: a.props ?? { type: 'object' } })),
      triggers: c.triggers.map((t) => ({ ...t, props: propsOf(t) })) } } };
  }
  if (path === '/api/v1/installs' && method === 'GET') return { body: { items: [...installs.values()], nextCursor: null } };
  if (path === '/api/v1/installs' && method === 'POST') {
    const c = connectors.find((x) => x.name === body.connector);
    if (!c) return error(404, 'not_found', `Connector "${body.connector}" is not in the registry.`);
    const install = { connector: c.name, version: body.version ?? c.versions[0], yanked: false, installedAt: new Date().toISOString() };
    installs.set(c.name, install);
    return { status: 201, body: install };
  }
  if ((m = path.match(/^\/api\/v1\/installs\/([^/]+)$/))) {
    const name = decodeURIComponent(m[1]);
    if (!installs.has(name)) return error(404, 'not_found', `${name} is not installed.`);
    if (method === 'PATCH') { installs.get(name).version = body.version; return { body: installs.get(name) }; }
    const using = flows.filter((f) => f.draft.trigger.connector === name);
    if (using.length) return error(409, 'conflict', `${name} is used by ${using.length} flow(s).`, using.map((f) => ({ path: `flows.${f.id}`, message: f.name })));
    installs.delete(name);
    return { status: 204 };
  }
  if (path === '/api/v1/accounts' && method === 'GET') return { body: { items: accounts.filter((a) => !query.get('connector') || a.connector === query.get('connector')), nextCursor: null } };
  if (path === '/api/v1/accounts' && method === 'POST') {
    const account = { id: `acc_${accounts.length + 1}`, ...body, values: { ...body.values }, createdAt: new Date().toISOString() };
    accounts.push(account);
    return { status: 201, body: account };
  }
  if ((m = path.match(/^\/api\/v1\/accounts\/([^/]+)(\/test)?$/))) {
    const i = accounts.findIndex((a) => a.id === m[1]);
    if (i < 0) return error(404, 'not_found', `Account ${m[1]} does not exist.`);
    if (m[2]) return { body: { ok: true } };
    accounts.splice(i, 1);
    return { status: 204 };
  }
  if (path === '/api/v1/flows' && method === 'GET') return { body: { items: flows.map(flowDetail), nextCursor: null } };
  if (path === '/api/v1/flows' && method === 'POST') {
    const flow = newFlow(`flow_${flows.length + 1}`, body);
    flows.push(flow);
    return { status: 201, body: { ...flowDetail(flow), ...(flow.draft.trigger.type === 'webhook' ? { webhookToken: 'fpwh_dev_fixture_token' } : {}) } };
  }
  if ((m = path.match(/^\/api\/v1\/flows\/([^/]+)(?:\/([a-z-]+))?$/))) {
    const flow = flows.find((f) => f.id === m[1]);
    if (!flow) return error(404, 'FLOW_NOT_FOUND', `Flow ${m[1]} does not exist.`);
    return flowRoute(flow, method, m[2] ?? '', body);
  }
  if (path === '/api/v1/runs' && method === 'GET') {
    const items = runs.filter((r) => (!query.get('flowId') || r.flowId === query.get('flowId')) && (!query.get('status') || query.get('status').split(',').includes(r.status))
      && (!query.get('from') || r.createdAt >= query.get('from')) && (!query.get('to') || r.createdAt < query.get('to'))
      && (!query.get('externalId') || r.messages.some((x) => x.externalId === query.get('externalId'))));
    return { body: { items: items.map(({ messages, steps, logs, ...run }) => run), nextCursor: null } };
  }
  if ((m = path.match(/^\/api\/v1\/runs\/([^/]+)(?:\/(logs|replay))?$/))) {
    const run = runs.find((r) => r.id === m[1]);
    if (!run) return error(404, 'RUN_NOT_FOUND', `Run ${m[1]} does not exist in this workspace`);
    if (m[2] === 'logs') return { body: { runId: run.id, items: run.logs } };
    if (m[2] === 'replay') {
      if (run.status !== 'failed') return error(409, 'RUN_NOT_FAILED', `Run ${run.id} is ${run.status}; only failed or dead-lettered runs can be replayed`);
      return { status: 202, body: { runId: addRun({ ...run, id: undefined, status: 'queued', replayOf: run.id, trigger: { ...run.trigger, replayOf: run.id }, steps: [], logs: [], error: null, durationMs: null }) } };
    }
    const { logs, ...detail } = run;
    return { body: detail };
  }
  return error(404, 'not_found', `No fake route for ${method} ${path}.`);
}

const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.ico': 'image/x-icon', '.svg': 'image/svg+xml', '.json': 'application/json' };

export function startDevServer(port = 0) {
  if (!existsSync(join(dist, 'index.html'))) throw new Error(`No build in ${dist}. Run "npm run build -w @flowport/studio-ui" first.`);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname.startsWith('/api/')) {
      let raw = '';
      req.on('data', (chunk) => (raw += chunk));
      req.on('end', async () => {
        const args = [req.method ?? 'GET', url.pathname, url.searchParams, raw ? JSON.parse(raw) : {}];
        const result = req.headers.authorization === `Bearer ${FAKE_API_KEY}`
          ? ((await studioApi(...args)) ?? api(...args))
          : error(401, 'unauthorized', 'Missing or unknown API key.');
        res.writeHead(result.status ?? 200, { 'content-type': 'application/json' });
        res.end(result.body === undefined ? '' : JSON.stringify(result.body));
      });
      return;
    }
    // Files from the build; any other path gets index.html (history-API routing).
    const file = normalize(join(dist, decodeURIComponent(url.pathname)));
    const target = file.startsWith(dist) && existsSync(file) && statSync(file).isFile() ? file : join(dist, 'index.html');
    res.writeHead(200, { 'content-type': types[extname(target)] ?? 'application/octet-stream' });
    createReadStream(target).pipe(res);
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const server = await startDevServer(Number(process.env.PORT ?? 4300));
  console.log(`Studio with the dev fake API: http://127.0.0.1:${server.address().port}/ (API key: ${FAKE_API_KEY})`);
}

// DEV FIXTURE ONLY: a tiny in-memory stand-in for the Flowport API, so the built Studio can be
// looked at and screenshotted without the backend. It is not the API; the real-backend browser
// tests replace it. It also serves dist/browser with the history-API fallback the backend uses.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FAKE_API_KEY = 'fp_dev_fixture_key';
const dist = fileURLToPath(new URL('../dist/browser/', import.meta.url));

const triggerBase = {
  batchSize: { type: 'integer', title: 'Batch Size', minimum: 1, maximum: 1000, default: 1 },
  externalId: { type: 'string', title: 'External ID' },
};
const connectors = [
  {
    name: 'amazon-sqs', displayName: 'Amazon SQS', categories: ['Messaging', 'AWS'], installedVersion: '1.2.0', versions: ['1.3.0', '1.2.0'],
    description: 'Send and receive messages with Amazon Simple Queue Service.',
    account: { name: 'aws', displayName: 'AWS access key', kind: 'custom', secretFields: ['secretAccessKey'], schema: { type: 'object', required: ['region', 'accessKeyId', 'secretAccessKey'], properties: {
      region: { type: 'string', title: 'Region', enum: ['eu-west-1', 'eu-central-1', 'us-east-1'] },
      accessKeyId: { type: 'string', title: 'Access key ID', minLength: 16 },
      secretAccessKey: { type: 'string', title: 'Secret access key', format: 'password' } } } },
    actions: [{ name: 'send-message', displayName: 'Send Message', description: 'Sends one message to a queue.' }],
    triggers: [{ name: 'listen-queue', displayName: 'Listen Queue', kind: 'stream', driver: 'sqs', description: 'Starts a run as soon as messages arrive in a queue.',
      props: { required: ['queueUrl', 'batchSize'], properties: {
        queueUrl: { type: 'string', title: 'Queue URL', format: 'uri', description: 'e.g. https://sqs.eu-west-1.amazonaws.com/123456789012/orders' },
        waitTimeSeconds: { type: 'integer', title: 'Long-poll wait (s)', minimum: 0, maximum: 20, default: 20 } } } }],
  },
  {
    name: 'rabbitmq', displayName: 'RabbitMQ', categories: ['Messaging'], installedVersion: '0.9.1', versions: ['0.9.1'],
    description: 'Consume and publish messages on a RabbitMQ broker.',
    account: { name: 'amqp', displayName: 'AMQP connection', kind: 'custom', secretFields: ['url'], schema: { type: 'object', required: ['url'], properties: { url: { type: 'string', title: 'AMQP URL', format: 'password' } } } },
    actions: [{ name: 'publish', displayName: 'Publish Message', description: 'Publishes to an exchange.' }],
    triggers: [{ name: 'consume-queue', displayName: 'Consume Queue', kind: 'stream', driver: 'amqp', description: 'Starts a run for each message delivered from a queue.',
      props: { required: ['queue', 'batchSize'], properties: { queue: { type: 'string', title: 'Queue' }, prefetch: { type: 'integer', title: 'Prefetch', minimum: 1, maximum: 1000, default: 10 } } } }],
  },
  {
    name: 'kafka', displayName: 'Apache Kafka', categories: ['Messaging', 'Streaming'], installedVersion: null, versions: ['2.1.0'],
    description: 'Read records from Kafka topics with consumer groups.',
    account: { name: 'brokers', displayName: 'Kafka brokers', kind: 'custom', secretFields: ['password'], schema: { type: 'object', required: ['brokers'], properties: { brokers: { type: 'string', title: 'Brokers' }, password: { type: 'string', format: 'password', title: 'SASL password' } } } },
    actions: [],
    triggers: [{ name: 'consume-topic', displayName: 'Consume Topic', kind: 'stream', driver: 'kafka', description: 'Starts a run for each record on a topic.',
      props: { required: ['topic', 'batchSize'], properties: { topic: { type: 'string', title: 'Topic' }, groupId: { type: 'string', title: 'Consumer group' } } } }],
  },
  {
    name: 'postgres', displayName: 'PostgreSQL', categories: ['Databases'], installedVersion: null, versions: ['1.0.0'],
    description: 'Query tables and react to new rows.',
    account: { name: 'db', displayName: 'Database', kind: 'custom', secretFields: ['password'], schema: { type: 'object', properties: { host: { type: 'string', title: 'Host' }, password: { type: 'string', title: 'Password', format: 'password' } } } },
    actions: [{ name: 'query', displayName: 'Run Query', description: 'Runs a SQL query.' }],
    triggers: [{ name: 'new-rows', displayName: 'New Rows', kind: 'pooling', description: 'Checks a table for new rows every few seconds.',
      props: { required: ['table', 'batchSize'], properties: { table: { type: 'string', title: 'Table' }, cursorColumn: { type: 'string', title: 'Cursor column', default: 'id' } } } }],
  },
  {
    name: 'github', displayName: 'GitHub', categories: ['Developer tools'], installedVersion: null, versions: ['3.0.0'],
    description: 'Issues, pull requests and repository events.',
    account: { name: 'token', displayName: 'Personal access token', kind: 'custom', secretFields: ['token'], schema: { type: 'object', required: ['token'], properties: { token: { type: 'string', title: 'Token', format: 'password' } } } },
    actions: [{ name: 'create-issue', displayName: 'Create Issue', description: 'Opens an issue.' }],
    triggers: [{ name: 'push', displayName: 'Push Event', kind: 'webhook', description: 'Starts a run when commits are pushed.',
      props: { required: ['repository', 'batchSize'], properties: { repository: { type: 'string', title: 'Repository', description: 'owner/name' } } } }],
  },
];
const installs = new Map(connectors.filter((c) => c.installedVersion).map((c) => [c.name, { connector: c.name, version: c.installedVersion, yanked: false, installedAt: '2026-11-20T09:00:00Z' }]));
const accounts = [{ id: 'acc_1', connector: 'amazon-sqs', account: 'aws', name: 'Production AWS', values: { region: 'eu-west-1', accessKeyId: 'AKIAEXAMPLE12345', secretAccessKey: '********' }, createdAt: '2026-11-21T10:00:00Z' }];
const flows = [];

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
    return { body: { name: c.name, version: decodeURIComponent(m[2]), manifest: { accounts: [c.account], actions: c.actions.map((a) => ({ ...a, props: { type: 'object' } })),
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
    const using = flows.filter((f) => f.trigger.connector === name);
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
  if (path === '/api/v1/flows' && method === 'GET') return { body: { items: flows, nextCursor: null } };
  if (path === '/api/v1/flows' && method === 'POST') {
    const flow = { id: `flow_${flows.length + 1}`, status: 'draft', updatedAt: new Date().toISOString(), ...body };
    flows.push(flow);
    return { status: 201, body: flow };
  }
  if ((m = path.match(/^\/api\/v1\/flows\/([^/]+)$/))) {
    const flow = flows.find((f) => f.id === m[1]);
    return flow ? { body: flow } : error(404, 'not_found', `Flow ${m[1]} does not exist.`);
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
      req.on('end', () => {
        const result = req.headers.authorization === `Bearer ${FAKE_API_KEY}`
          ? api(req.method ?? 'GET', url.pathname, url.searchParams, raw ? JSON.parse(raw) : {})
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

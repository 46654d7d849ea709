import request from 'supertest';
import { auth, FlowsWorld, listenQueue, sendStep, startFlowsWorld } from './support/flows-app';

describe('flow definitions: create and validate', () => {
  let w: FlowsWorld;
  const create = (body: object, key = w.member) => request(w.t.server).post('/api/v1/flows').set(auth(key)).send(body);
  const errorsOf = (res: request.Response) => res.body.error.details as Array<{ path: string; message: string }>;

  beforeAll(async () => {
    w = await startFlowsWorld('flows_defs');
  }, 120_000);
  afterAll(() => w?.t.close());

  it('creates a connector-triggered flow with every step type; defaults are filled in', async () => {
    const res = await create({
      name: 'Orders to audit',
      description: 'Copies each order',
      trigger: listenQueue(w.accountId, { batchWaitMs: undefined }),
      steps: [
        { name: 'only_big', type: 'filter', condition: 'trigger.messages[0].payload.body.total > 100' },
        { name: 'shape', type: 'map', expression: '{ "id": trigger.messages[0].payload.body.orderId }' },
        { name: 'double', type: 'code', code: 'const x = input.steps.shape.id;\nreturn await Promise.resolve(x * 2);' },
        sendStep('audit', w.accountId),
        { name: 'notify', type: 'http', request: { method: 'post', url: 'https://hooks.example.com/{{ steps.shape.id }}', headers: { 'content-type': 'application/json' }, body: { id: '{{ steps.shape.id }}' } } },
      ],
    }).expect(201);
    expect(res.body).toMatchObject({
      name: 'Orders to audit',
      description: 'Copies each order',
      status: 'draft',
      activeVersion: null,
      latestVersion: null,
      versions: [],
      hasWebhookToken: false,
      trigger: { type: 'connector', label: 'demo-queue@1.0.0 listen-queue', connector: 'demo-queue', version: '1.0.0', trigger: 'listen-queue' },
    });
    expect(res.body.webhookToken).toBeUndefined();
    expect(res.body.draft.trigger).toEqual({
      type: 'connector',
      connector: 'demo-queue',
      version: '1.0.0',
      trigger: 'listen-queue',
      account: w.accountId,
      props: { queue: 'orders' },
      batchSize: 10,
      batchWaitMs: 1000,
      externalId: 'payload.body.orderId',
    });
    expect(res.body.draft.steps.map((s: { name: string }) => s.name)).toEqual(['only_big', 'shape', 'double', 'audit', 'notify']);
    expect(res.body.draft.steps[4].request.method).toBe('POST');

    const got = await request(w.t.server).get(`/api/v1/flows/${res.body.id}`).set(auth(w.member)).expect(200);
    expect(got.body.draft).toEqual(res.body.draft);
  });

  it('creates a pooling-triggered flow: no account needed, interval defaults to the connector\'s and may not go below its minimum', async () => {
    const pooling = { type: 'connector', connector: 'demo-queue', version: '1.0.0', trigger: 'new-rows', props: { table: 'orders' }, includeExisting: true };
    const ok = await create({ name: 'New rows', trigger: pooling }).expect(201);
    expect(ok.body.draft.trigger).toMatchObject({ intervalSeconds: 30, includeExisting: true, batchSize: 1, batchWaitMs: 1000 });
    expect(ok.body.draft.trigger.externalId).toBeUndefined();

    const tooFast = await create({ name: 'Too fast', trigger: { ...pooling, intervalSeconds: 2 } }).expect(400);
    expect(errorsOf(tooFast)).toEqual([{ path: 'trigger.intervalSeconds', message: 'Pooling interval must be a whole number of seconds, at least 5 for New Rows (got 2)' }]);
    const streamInterval = await create({ name: 'Stream poll', trigger: listenQueue(w.accountId, { intervalSeconds: 10 }) }).expect(400);
    expect(errorsOf(streamInterval)).toEqual([{ path: 'trigger.intervalSeconds', message: 'only pooling triggers poll; Listen Queue is a stream trigger, remove intervalSeconds' }]);
  });

  it('creates manual, schedule, webhook and event flows', async () => {
    const inputSchema = { $id: 'https://example.com/order-input', type: 'object', properties: { id: { type: 'string' } }, required: ['id'] };
    const manual = await create({ name: 'By hand', trigger: { type: 'manual', inputSchema } }).expect(201);
    expect(manual.body.trigger).toEqual({ type: 'manual', label: 'manual' });
    expect(manual.body.draft.trigger.inputSchema).toEqual(inputSchema);
    // The same schema (same $id) in a second flow is fine.
    await create({ name: 'By hand too', trigger: { type: 'manual', inputSchema } }).expect(201);

    const cron = await create({ name: 'Weekdays', trigger: { type: 'schedule', cron: '0 9 * * 1-5', timezone: 'Europe/Paris' } }).expect(201);
    expect(cron.body.trigger.label).toBe('cron "0 9 * * 1-5" (Europe/Paris)');
    const at = new Date(Date.now() + 86_400_000).toISOString();
    const once = await create({ name: 'Once', trigger: { type: 'schedule', at } }).expect(201);
    expect(once.body.draft.trigger).toEqual({ type: 'schedule', at });

    const hook = await create({ name: 'Inbound', trigger: { type: 'webhook', requiredFields: ['orderId'], signing: { enabled: false } } }).expect(201);
    expect(hook.body.webhookToken).toMatch(/^fpwh_[A-Za-z0-9_-]{43}$/);
    expect(hook.body.hasWebhookToken).toBe(true);
    const again = await request(w.t.server).get(`/api/v1/flows/${hook.body.id}`).set(auth(w.member)).expect(200);
    expect(again.body.webhookToken).toBeUndefined();
    expect(JSON.stringify(again.body)).not.toContain(hook.body.webhookToken);

    const event = await create({ name: 'On signup', trigger: { type: 'event', event: 'user.signed_up' } }).expect(201);
    expect(event.body.trigger).toEqual({ type: 'event', label: 'event "user.signed_up"' });
  });

  it('webhook External ID: kept as written, empty means none, bad JSONata named at trigger.externalId, kept by export and import', async () => {
    const hook = await create({ name: 'Idempotent hook', trigger: { type: 'webhook', externalId: 'headers."x-delivery-id"' } }).expect(201);
    expect(hook.body.draft.trigger).toEqual({ type: 'webhook', externalId: 'headers."x-delivery-id"' });
    const blank = await create({ name: 'Plain hook', trigger: { type: 'webhook', externalId: '  ' } }).expect(201);
    expect(blank.body.draft.trigger).toEqual({ type: 'webhook' });

    const bad = await create({ name: 'Bad hook', trigger: { type: 'webhook', externalId: 'body.' } }).expect(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
    expect(errorsOf(bad)).toEqual([{ path: 'trigger.externalId', message: 'External ID is not a valid JSONata expression: Unexpected end of expression (at character 5)' }]);
    const notText = await create({ name: 'Bad hook', trigger: { type: 'webhook', externalId: 42 } }).expect(400);
    expect(errorsOf(notText)).toEqual([{ path: 'trigger.externalId', message: 'External ID must be a JSONata expression as text, e.g. body.id (got 42)' }]);

    const exported = await request(w.t.server).get(`/api/v1/flows/${hook.body.id}/export`).set(auth(w.member)).expect(200);
    expect(exported.body.definition.trigger).toEqual({ type: 'webhook', externalId: 'headers."x-delivery-id"' });
    const imported = await request(w.t.server).post('/api/v1/flows/import').set(auth(w.member)).send({ flow: exported.body, name: 'Idempotent hook copy' }).expect(201);
    expect(imported.body.draft.trigger).toEqual({ type: 'webhook', externalId: 'headers."x-delivery-id"' });
    // An edited export is validated like any save.
    const edited = structuredClone(exported.body);
    edited.definition.trigger.externalId = 'body.(';
    const refused = await request(w.t.server).post('/api/v1/flows/import').set(auth(w.member)).send({ flow: edited, name: 'Broken copy' }).expect(400);
    expect(errorsOf(refused).map((d) => d.path)).toEqual(['trigger.externalId']);
  });

  it('reports every trigger problem with its path: props, batch size, batch wait, external ID', async () => {
    const res = await create({
      name: 'Broken',
      trigger: listenQueue(w.accountId, { props: { topic: 'x', batchSize: 5 }, batchSize: 0, batchWaitMs: 60_001, externalId: 'payload.' }),
    }).expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(errorsOf(res)).toEqual(
      expect.arrayContaining([
        { path: 'trigger.batchSize', message: 'Batch Size must be between 1 and 1000 (got 0)' },
        { path: 'trigger.batchWaitMs', message: 'Batch wait must be between 0 and 60000 ms (got 60001)' },
        { path: 'trigger.externalId', message: 'External ID is not a valid JSONata expression: Unexpected end of expression (at character 8)' },
        { path: 'trigger.props.queue', message: 'is required' },
        { path: 'trigger.props.topic', message: 'is not a prop of Listen Queue' },
        { path: 'trigger.props.batchSize', message: 'is not a prop of Listen Queue; set trigger.batchSize instead' },
      ]),
    );
    expect(errorsOf(res)).toHaveLength(6);
    expect(res.body.error.message).toContain('trigger.batchSize: Batch Size must be between 1 and 1000 (got 0)');
    const fractional = await create({ name: 'Half', trigger: listenQueue(w.accountId, { batchSize: 1.5 }) }).expect(400);
    expect(errorsOf(fractional)).toEqual([{ path: 'trigger.batchSize', message: 'Batch Size must be a whole number between 1 and 1000 (got 1.5)' }]);
  });

  it('checks the connector, trigger and account against the installs, the manifest and the store', async () => {
    const notInstalled = await create({ name: 'X', trigger: listenQueue(w.accountId, { connector: 'amazon-sqs' }) }).expect(400);
    expect(errorsOf(notInstalled)).toEqual([{ path: 'trigger.connector', message: '"amazon-sqs" is not installed in this workspace; install it with POST /api/v1/installs' }]);
    const wrongVersion = await create({ name: 'X', trigger: listenQueue(w.accountId, { version: '2.0.0' }) }).expect(400);
    expect(errorsOf(wrongVersion)).toEqual([
      { path: 'trigger.version', message: 'demo-queue is installed at version 1.0.0, not 2.0.0; use "1.0.0" or change the install with PATCH /api/v1/installs/demo-queue' },
    ]);
    const unknownTrigger = await create({ name: 'X', trigger: listenQueue(w.accountId, { trigger: 'listen-topic' }) }).expect(400);
    expect(errorsOf(unknownTrigger)).toEqual([{ path: 'trigger.trigger', message: 'demo-queue@1.0.0 has no trigger "listen-topic"; choose one of listen-queue, new-rows' }]);
    const noAccount = await create({ name: 'X', trigger: listenQueue(w.accountId, { account: undefined }) }).expect(400);
    expect(errorsOf(noAccount)).toEqual([
      { path: 'trigger.account', message: 'is required: Listen Queue needs a demo-queue "credentials" account (create one with POST /api/v1/accounts)' },
    ]);
    const foreign = await create({ name: 'X', trigger: listenQueue(w.other.accountId) }).expect(400);
    expect(errorsOf(foreign)).toEqual([{ path: 'trigger.account', message: `account ${w.other.accountId} does not exist in this workspace` }]);
    const unknownField = await create({ name: 'X', trigger: { ...listenQueue(w.accountId), queue: 'orders' } }).expect(400);
    expect(errorsOf(unknownField)).toEqual([{ path: 'trigger.queue', message: 'is not a field of a connector trigger' }]);
    const noType = await create({ name: 'X', trigger: { connector: 'demo-queue' } }).expect(400);
    expect(errorsOf(noType)).toEqual([{ path: 'trigger.type', message: 'is required: one of connector, manual, schedule, webhook, event' }]);
    const noTrigger = await create({ name: 'X' }).expect(400);
    expect(errorsOf(noTrigger)).toEqual([{ path: 'trigger', message: 'is required: an object whose type is one of connector, manual, schedule, webhook, event' }]);
  });

  it('validates cron expressions, time zones and one-time dates', async () => {
    const badCron = await create({ name: 'S', trigger: { type: 'schedule', cron: '61 * * * *' } }).expect(400);
    expect(errorsOf(badCron)).toEqual([
      { path: 'trigger.cron', message: '"61 * * * *" is not a valid cron expression: Invalid value for minute: 61 (use 5 fields "minute hour day month weekday", or 6 with seconds first)' },
    ]);
    const badZone = await create({ name: 'S', trigger: { type: 'schedule', cron: '0 9 * * *', timezone: 'Mars/Olympus' } }).expect(400);
    expect(errorsOf(badZone)).toEqual([{ path: 'trigger.timezone', message: 'must be an IANA time zone such as Europe/Paris or UTC (got "Mars/Olympus")' }]);
    const never = await create({ name: 'S', trigger: { type: 'schedule', cron: '0 0 31 2 *' } }).expect(400);
    expect(errorsOf(never)).toEqual([{ path: 'trigger.cron', message: '"0 0 31 2 *" never fires: no date matches it' }]);
    const past = await create({ name: 'S', trigger: { type: 'schedule', at: '2020-01-01T00:00:00Z' } }).expect(400);
    expect(errorsOf(past)).toEqual([{ path: 'trigger.at', message: '2020-01-01T00:00:00Z is in the past; a one-time schedule needs a future time' }]);
    const noOffset = await create({ name: 'S', trigger: { type: 'schedule', at: '2099-01-01T00:00:00' } }).expect(400);
    expect(errorsOf(noOffset)[0].path).toBe('trigger.at');
    const neither = await create({ name: 'S', trigger: { type: 'schedule' } }).expect(400);
    expect(errorsOf(neither)).toEqual([{ path: 'trigger.cron', message: expect.stringMatching(/^is required: a cron expression like/) }]);
    const badEvent = await create({ name: 'S', trigger: { type: 'event', event: 'has space' } }).expect(400);
    expect(errorsOf(badEvent)).toEqual([{ path: 'trigger.event', message: 'must be 1-200 letters, digits or . _ : - / (got "has space")' }]);
    const badSchema = await create({ name: 'S', trigger: { type: 'manual', inputSchema: { type: 'objekt' } } }).expect(400);
    expect(errorsOf(badSchema)[0]).toMatchObject({ path: 'trigger.inputSchema', message: expect.stringMatching(/^is not a valid JSON Schema \(draft 2020-12\)/) });
  });

  it('reports step problems with their paths: JSONata, JavaScript syntax, names, actions and literal inputs', async () => {
    const res = await create({
      name: 'Broken steps',
      trigger: { type: 'manual' },
      steps: [
        { name: 'shape', type: 'map', expression: '{ "a": }' },
        { name: 'shape', type: 'filter', condition: 'amount >' },
        { name: '2fast', type: 'code', code: 'const a = 1;\nreturn a +;' },
        sendStep('send', w.accountId, { queue: 5, body: '{{ trigger.input.text' }),
        sendStep('send_computed', w.accountId, { queue: '{{ trigger.input.queue }}', body: 'literal' }),
        { name: 'missing', type: 'action', connector: 'demo-queue', version: '1.0.0', action: 'delete-queue', account: w.accountId, inputs: {} },
        { name: 'call', type: 'http', request: { method: 'FETCH', url: 'ftp://example.com', headers: { x: '{{ ) }}' } } },
        { name: 'slow', type: 'map', expression: '1', timeoutMs: 0, retry: { attempts: 11, backoffMs: 10 } },
        { name: 'odd', type: 'teleport' },
      ],
    }).expect(400);
    expect(errorsOf(res)).toEqual([
      { path: 'steps[0].expression', message: 'is not a valid JSONata expression: The symbol "}" cannot be used as a unary operator (at character 8)' },
      { path: 'steps[1].condition', message: 'is not a valid JSONata expression: Unexpected end of expression (at character 8)' },
      { path: 'steps[1].name', message: '"shape" is already the name of steps[0]; step names must be unique' },
      { path: 'steps[2].name', message: 'must start with a letter or _ and hold only letters, digits and _ (got "2fast")' },
      { path: 'steps[2].code', message: 'is not valid JavaScript: Unexpected token at line 2, column 11' },
      { path: 'steps[3].inputs.body', message: 'has "{{" without a closing "}}": write an expression as {{ steps.previous.id }}' },
      { path: 'steps[3].inputs.queue', message: 'must be string' },
      { path: 'steps[5].action', message: 'demo-queue@1.0.0 has no action "delete-queue"; choose one of send-message' },
      { path: 'steps[6].request.method', message: 'must be one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS (got "FETCH")' },
      { path: 'steps[6].request.url', message: 'must be an http or https URL (got "ftp://example.com")' },
      { path: 'steps[6].request.headers.x', message: expect.stringMatching(/^\{\{ \) \}\} is not a valid JSONata expression: .* \(at character \d+\)$/) },
      { path: 'steps[7].timeoutMs', message: 'Step timeout must be between 1 and 3600000 ms (got 0)' },
      { path: 'steps[7].retry.attempts', message: 'Retry attempts must be between 1 and 10 (got 11)' },
      { path: 'steps[8].type', message: 'must be one of action, map, code, filter, http (got "teleport")' },
    ]);
  });

  it('never runs code steps on the host while checking them', async () => {
    const marker = `__flows_probe_${Date.now()}`;
    await create({ name: 'Probe', trigger: { type: 'manual' }, steps: [{ name: 'probe', type: 'code', code: `globalThis.${marker} = true; return 1;` }] }).expect(201);
    expect((globalThis as Record<string, unknown>)[marker]).toBeUndefined();
  });

  it('refuses a second flow with the same name (409) and rejects unknown body fields (400)', async () => {
    await create({ name: 'Unique name', trigger: { type: 'manual' } }).expect(201);
    const dup = await create({ name: 'unique NAME', trigger: { type: 'manual' } }).expect(409);
    expect(dup.body.error).toMatchObject({ code: 'FLOW_NAME_TAKEN', message: "A flow named 'unique NAME' already exists in this workspace; choose another name" });
    const extra = await create({ name: 'Extra', trigger: { type: 'manual' }, owner: 'me' }).expect(400);
    expect(extra.body.error.details).toEqual([{ path: 'owner', message: 'property owner should not exist' }]);
  });

  it('needs an API key', async () => {
    await request(w.t.server).post('/api/v1/flows').send({ name: 'Anon', trigger: { type: 'manual' } }).expect(401);
  });
});

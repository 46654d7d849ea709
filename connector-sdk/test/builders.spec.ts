import {
  createLocalContext,
  defineAccount,
  defineConnector,
  defineTrigger,
  fetchClientCredentialsToken,
  Property,
  propsSchema,
  EXTERNAL_ID_DESCRIPTIONS,
  SDK_VERSION,
  validateManifest,
} from '../src';
import connector, { apiKey, awsAccount } from './fixtures/example-connector';

describe('Property builders -> JSON Schema', () => {
  it('describes every prop kind with titles, defaults and x-flowport annotations', () => {
    const schema = propsSchema({
      name: Property.ShortText({ displayName: 'Name', description: 'Who', required: true, maxLength: 10 }),
      notes: Property.LongText({ displayName: 'Notes' }),
      count: Property.Number({ displayName: 'Count', integer: true, min: 1, max: 5, defaultValue: 2 }),
      ratio: Property.Number({ displayName: 'Ratio' }),
      enabled: Property.Boolean({ displayName: 'Enabled', defaultValue: true }),
      color: Property.StaticSelect({ displayName: 'Color', options: [{ label: 'Red', value: 'red' }, { label: 'Blue', value: 'blue' }] }),
      queue: Property.DynamicSelect({ displayName: 'Queue', refreshers: ['name'], options: async () => [] }),
      payload: Property.Json({ displayName: 'Payload', schema: { type: 'object' } }),
      token: Property.Secret({ displayName: 'Token', required: true }),
      at: Property.DateTime({ displayName: 'At' }),
    });
    expect(schema).toEqual({
      type: 'object',
      required: ['name', 'token'],
      additionalProperties: false,
      properties: {
        name: { title: 'Name', description: 'Who', type: 'string', maxLength: 10, 'x-flowport-kind': 'shortText' },
        notes: { title: 'Notes', type: 'string', 'x-flowport-kind': 'longText' },
        count: { title: 'Count', type: 'integer', minimum: 1, maximum: 5, default: 2, 'x-flowport-kind': 'number' },
        ratio: { title: 'Ratio', type: 'number', 'x-flowport-kind': 'number' },
        enabled: { title: 'Enabled', type: 'boolean', default: true, 'x-flowport-kind': 'boolean' },
        color: {
          title: 'Color',
          type: 'string',
          oneOf: [{ const: 'red', title: 'Red' }, { const: 'blue', title: 'Blue' }],
          'x-flowport-kind': 'staticSelect',
        },
        queue: { title: 'Queue', 'x-flowport-options': { dynamic: true, refreshers: ['name'] }, 'x-flowport-kind': 'dynamicSelect' },
        payload: { title: 'Payload', type: 'object', 'x-flowport-kind': 'json' },
        token: { title: 'Token', type: 'string', format: 'password', writeOnly: true, 'x-flowport-kind': 'secret' },
        at: { title: 'At', type: 'string', format: 'date-time', 'x-flowport-kind': 'dateTime' },
      },
    });
  });

  it('refuses a default that breaks its own constraints and an inverted range', () => {
    expect(() => Property.Number({ displayName: 'Size', min: 1, max: 10, defaultValue: 0 })).toThrow(
      'Prop "Size": default value must be between 1 and 10 (got 0)',
    );
    expect(() => Property.Number({ displayName: 'Size', min: 5, max: 1 })).toThrow('min (5) is greater than max (1)');
    expect(() => Property.StaticSelect({ displayName: 'Empty', options: [] })).toThrow('at least one option');
    expect(() => Property.ShortText({ displayName: '' })).toThrow('needs a displayName');
  });
});

describe('triggers', () => {
  it('every trigger gets the standard Batch Size and External ID props', () => {
    for (const trigger of connector.manifest.triggers) {
      expect(trigger.props.properties.batchSize).toEqual({
        title: 'Batch Size',
        description: 'How many messages one run receives (1-1000)',
        type: 'integer',
        minimum: 1,
        maximum: 1000,
        default: 1,
        'x-flowport-kind': 'number',
        'x-flowport-standard': true,
      });
      expect(trigger.props.properties.externalId).toEqual({
        title: 'External ID',
        description: EXTERNAL_ID_DESCRIPTIONS[trigger.kind],
        type: 'string',
        'x-flowport-kind': 'shortText',
        'x-flowport-standard': true,
      });
      expect(trigger.props.required).not.toContain('batchSize');
    }
  });

  it('refuses a trigger that redefines a standard prop', () => {
    expect(() =>
      // @ts-expect-error batchSize is reserved for the SDK's standard prop
      defineTrigger({
        kind: 'pooling',
        name: 'x',
        displayName: 'X',
        props: { batchSize: Property.Number({ displayName: 'Batch' }) },
        poll: () => [],
      }),
    ).toThrow('Trigger "x": prop "batchSize" is a standard prop every trigger gets from the SDK (Batch Size); remove it from props');
  });

  it('records kind details: stream driver, pooling interval and id path, webhook signature', () => {
    const [stream, pooling, webhook] = connector.manifest.triggers;
    expect(stream).toMatchObject({ kind: 'stream', account: 'aws', stream: { driver: 'sqs', map: true }, test: false, sampleData: { body: { orderId: 1 } } });
    expect(pooling).toMatchObject({ kind: 'pooling', account: null, test: true, pooling: { itemIdPath: 'orderId', intervalSeconds: { default: 30, min: 10 } } });
    expect(webhook.webhook).toEqual({
      signature: { header: 'x-signature', algorithm: 'hmac-sha256', encoding: 'hex', prefix: 'sha256=', secretProp: 'signingSecret' },
    });
  });

  it('names the missing piece of a malformed trigger', () => {
    expect(() =>
      // @ts-expect-error driver must be amqp, sqs or kafka
      defineTrigger({ kind: 'stream', name: 'q', displayName: 'Q', driver: 'mqtt', config: () => ({}) }),
    ).toThrow('a stream trigger must name its driver: amqp, sqs or kafka (got "mqtt")');
    expect(() =>
      defineTrigger({ kind: 'pooling', name: 'p', displayName: 'P', poll: () => [], intervalSeconds: { default: 2, min: 5 } }),
    ).toThrow('intervalSeconds.default must be a whole number >= intervalSeconds.min (5) (got 2)');
    expect(() =>
      defineTrigger({ kind: 'webhook', name: 'w', displayName: 'W', handle: () => null, signature: { header: 'x-sig', secretProp: 'nope' } }),
    ).toThrow('signature.secretProp "nope" must name one of the trigger\'s Property.Secret props');
    expect(() => defineTrigger({ kind: 'webhook', name: 'w', displayName: 'W', handle: () => null, itemIdPath: '' })).toThrow(
      'Trigger "w": itemIdPath must be a path like "id" or "data.eventId" (got "")',
    );
  });

  it('a webhook trigger may name where its items carry their own id; the manifest says so and validates', () => {
    const events = defineTrigger({ kind: 'webhook', name: 'events', displayName: 'Events', handle: (request) => request.body, itemIdPath: 'data.eventId' });
    expect(events.manifest.webhook).toEqual({ signature: null, itemIdPath: 'data.eventId' });
    const plain = defineTrigger({ kind: 'webhook', name: 'plain', displayName: 'Plain', handle: (request) => request.body });
    expect(plain.manifest.webhook).toEqual({ signature: null });
    const withIds = defineConnector({ name: 'events', version: '1.0.0', displayName: 'Events', triggers: [events, plain] });
    expect(validateManifest(withIds.manifest)).toEqual({ ok: true, errors: [] });
    const bad = JSON.parse(JSON.stringify(withIds.manifest));
    bad.triggers[0].webhook.itemIdPath = '';
    expect(validateManifest(bad).ok).toBe(false);
  });
});

describe('accounts', () => {
  it('lists secret fields for each account kind', () => {
    const basic = defineAccount({ kind: 'basic', name: 'login', displayName: 'Login' });
    const oauth = defineAccount({ kind: 'oauth2ClientCredentials', name: 'oauth', displayName: 'OAuth', tokenUrl: 'https://id.example.com/token' });
    const none = defineAccount({ kind: 'none', name: 'anonymous', displayName: 'None' });
    expect(apiKey.manifest).toMatchObject({ kind: 'secretText', secretFields: ['secret'], validate: true });
    expect(apiKey.manifest.props.properties.secret).toMatchObject({ title: 'API Key', format: 'password', writeOnly: true });
    expect(awsAccount.manifest.secretFields).toEqual(['secretAccessKey']);
    expect(awsAccount.manifest.props.required).toEqual(['accessKeyId', 'secretAccessKey']);
    expect(basic.manifest).toMatchObject({ secretFields: ['password'], validate: false });
    expect(basic.manifest.props.required).toEqual(['username', 'password']);
    expect(oauth.manifest).toMatchObject({ secretFields: ['clientSecret'], oauth2: { tokenUrl: 'https://id.example.com/token', scope: null } });
    expect(oauth.manifest.props.properties.tokenUrl.default).toBe('https://id.example.com/token');
    expect(none.manifest.props).toEqual({ type: 'object', properties: {}, required: [], additionalProperties: false });
  });

  it('fetchClientCredentialsToken posts the client credentials form through ctx.http', async () => {
    const seen: { url: string; body?: string; headers?: Record<string, string> }[] = [];
    const ctx = createLocalContext({
      fetch: async (url, init) => {
        seen.push({ url, body: init?.body, headers: init?.headers });
        const ok = init?.body?.includes('client_secret=s%26cret');
        return { status: ok ? 200 : 401, headers: {}, body: ok ? JSON.stringify({ access_token: 'tok-1', expires_in: 3600 }) : 'denied' };
      },
    });
    const account = { clientId: 'app', clientSecret: 's&cret', tokenUrl: 'https://id.example.com/token', scope: 'read write' };
    await expect(fetchClientCredentialsToken(ctx.http, account)).resolves.toBe('tok-1');
    expect(seen[0]).toEqual({
      url: 'https://id.example.com/token',
      body: 'grant_type=client_credentials&client_id=app&client_secret=s%26cret&scope=read%20write',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    });
    await expect(fetchClientCredentialsToken(ctx.http, { ...account, clientSecret: 'x' })).rejects.toThrow(
      'OAuth2 token request to https://id.example.com/token failed with HTTP 401: denied',
    );
  });

  it('checks account values and applies defaults', () => {
    expect(awsAccount.resolve({ accessKeyId: 'AK', secretAccessKey: 'S' })).toEqual({ accessKeyId: 'AK', secretAccessKey: 'S', region: 'us-east-1' });
    expect(() => awsAccount.resolve({ accessKeyId: 'AK' })).toThrow('Account "aws": Secret Access Key (secretAccessKey) is required');
  });
});

describe('connector manifest', () => {
  it('assembles accounts from actions and triggers and infers capabilities', () => {
    const m = connector.manifest;
    expect(m).toMatchObject({
      manifestVersion: 1,
      name: 'example-shop',
      version: '1.2.3',
      displayName: 'Example Shop',
      categories: ['Commerce'],
      allowedHosts: ['api.example.com'],
      capabilities: ['log', 'http', 'store'],
      sdkVersion: SDK_VERSION,
    });
    expect(m.accounts.map((a) => a.name)).toEqual(['apiKey', 'aws']);
    expect(m.actions[0]).toMatchObject({ name: 'send-message', account: 'apiKey' });
    expect(JSON.parse(JSON.stringify(m))).toEqual(m);
  });
});

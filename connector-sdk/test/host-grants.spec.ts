import {
  allowedHostsForCall,
  defineAccount,
  defineAction,
  defineConnector,
  defineTrigger,
  grantableHost,
  grantedHosts,
  hostGrantFields,
  Property,
  validateManifest,
  type ConnectorManifest,
} from '../src';

const endpointAccount = defineAccount({
  kind: 'custom',
  name: 'api',
  displayName: 'API',
  props: {
    token: Property.Secret({ displayName: 'Token' }),
    endpoint: Property.ShortText({ displayName: 'Endpoint', grantsHost: true }),
    mirror: Property.Secret({ displayName: 'Mirror URL', grantsHost: true }),
  },
});

const call = defineAction({
  name: 'call',
  displayName: 'Call',
  account: endpointAccount,
  props: {
    url: Property.ShortText({ displayName: 'URL', required: true, grantsHost: true }),
    fallback: Property.ShortText({ displayName: 'Fallback', grantsHost: true, defaultValue: 'https://fallback.example.net/x' }),
    note: Property.ShortText({ displayName: 'Note' }),
  },
  async run(ctx) {
    return (await ctx.http.fetch(ctx.props.url)).status;
  },
});

const feed = defineTrigger({
  kind: 'pooling',
  name: 'feed',
  displayName: 'Feed',
  account: endpointAccount,
  props: { feedUrl: Property.LongText({ displayName: 'Feed URL', grantsHost: true }) },
  async poll() {
    return [];
  },
});

const connector = defineConnector({ name: 'granting', version: '1.0.0', displayName: 'Granting', allowedHosts: ['api.example.com'], actions: [call], triggers: [feed] });
const manifest = connector.manifest;

describe('grantsHost: the x-flowport-host keyword', () => {
  it('is written into the manifest for text and secret props only when set, and makes http a default capability', () => {
    const account = manifest.accounts[0].props.properties;
    expect(account.endpoint['x-flowport-host']).toBe(true);
    expect(account.mirror).toMatchObject({ type: 'string', writeOnly: true, 'x-flowport-host': true });
    expect(account.token).not.toHaveProperty('x-flowport-host');
    expect(manifest.actions[0].props.properties.note).not.toHaveProperty('x-flowport-host');
    expect(hostGrantFields(manifest.actions[0].props)).toEqual(['url', 'fallback']);
    expect(hostGrantFields(manifest.triggers[0].props)).toEqual(['feedUrl']);
    expect(manifest.capabilities).toEqual(['log', 'http', 'store']);
    // Without any allowedHosts, a granting prop alone still needs ctx.http.
    const bare = defineConnector({ name: 'bare', version: '1.0.0', displayName: 'Bare', actions: [call] });
    expect(bare.manifest.capabilities).toContain('http');
    expect(validateManifest(manifest)).toEqual({ ok: true, errors: [] });
  });

  it('defineConnector refuses the keyword on a non-text prop, a value other than true, and explicit capabilities without http', () => {
    const onJson = defineAction({
      name: 'json-grant',
      displayName: 'Json grant',
      props: { target: Property.Json({ displayName: 'Target', schema: { type: 'object', 'x-flowport-host': true } }) },
      run: async () => null,
    });
    expect(() => defineConnector({ name: 'bad', version: '1.0.0', displayName: 'Bad', actions: [onJson] })).toThrow(
      'Connector "bad": prop "target" of action "json-grant" grants a host but is a json prop; grantsHost works only on text props (ShortText, LongText, Secret) holding a URL',
    );
    const onNumber = defineAccount({
      kind: 'custom',
      name: 'numbered',
      displayName: 'Numbered',
      props: { host: Property.Json({ displayName: 'Host', schema: { type: 'number', 'x-flowport-host': true } }) },
    });
    expect(() => defineConnector({ name: 'bad', version: '1.0.0', displayName: 'Bad', accounts: [onNumber] })).toThrow(
      'prop "host" of account "numbered" grants a host but is a json prop',
    );
    const notTrue = defineAction({
      name: 'not-true',
      displayName: 'Not true',
      props: { url: Property.Json({ displayName: 'URL', schema: { type: 'string', 'x-flowport-host': 'yes' } }) },
      run: async () => null,
    });
    expect(() => defineConnector({ name: 'bad', version: '1.0.0', displayName: 'Bad', actions: [notTrue] })).toThrow(
      'Connector "bad": prop "url" of action "not-true" has "x-flowport-host": "yes"; it must be true (grantsHost: true) or left out',
    );
    expect(() => defineConnector({ name: 'bad', version: '1.0.0', displayName: 'Bad', actions: [call], capabilities: ['log'] })).toThrow(
      'Connector "bad": prop "endpoint" of account "api" grants a host to ctx.http (grantsHost) but the capabilities leave out "http"; add "http" to capabilities',
    );
  });

  it('validateManifest reports the keyword on a non-string prop of a hand-written manifest', () => {
    const m = JSON.parse(JSON.stringify(manifest)) as ConnectorManifest;
    m.actions[0].props.properties.note = { title: 'Note', type: 'integer', 'x-flowport-kind': 'number', 'x-flowport-host': true };
    m.triggers[0].props.properties.feedUrl['x-flowport-host'] = false;
    expect(validateManifest(m).errors).toEqual([
      { path: 'triggers[0].props.properties.feedUrl.x-flowport-host', message: 'must be true (got false)' },
      { path: 'actions[0].props.properties.note.x-flowport-host', message: 'only a text prop (type "string") holding a URL can grant a host (got type "integer")' },
    ]);
  });
});

describe('grantedHosts / allowedHostsForCall: the hosts one call may reach', () => {
  const account = { token: 't', endpoint: 'http://SQS.Internal:9324/', mirror: 'https://[::1]:8443/m' };

  it('adds the hosts of the call\'s own account values and props, defaults included, to the manifest\'s allowedHosts', () => {
    expect(grantedHosts(manifest, { op: 'action.run', target: 'call', account, props: { url: 'https://orders.example.org/v1?x=1', note: 'http://not-granted.example' } })).toEqual([
      'sqs.internal',
      '::1',
      'orders.example.org',
      'fallback.example.net',
    ]);
    expect(allowedHostsForCall(manifest, { op: 'action.run', target: 'call', account: null, props: { url: 'https://api.example.com/x', fallback: 'http://10.0.0.7:8080' } })).toEqual([
      'api.example.com',
      '10.0.0.7',
    ]);
    expect(grantedHosts(manifest, { op: 'trigger.poll', target: 'feed', account: null, props: { feedUrl: 'https://feed.example.org/items' } })).toEqual(['feed.example.org']);
    expect(grantedHosts(manifest, { op: 'trigger.test', target: 'feed', account: { endpoint: 'https://e.example' }, props: {} })).toEqual(['e.example']);
    expect(grantedHosts(manifest, { op: 'account.validate', target: 'api', account, props: { url: 'https://ignored.example' } })).toEqual(['sqs.internal', '::1']);
    expect(grantedHosts(manifest, { op: 'props.options', target: 'action:call:note', account: null, props: { url: 'https://typed.example/so-far' } })).toEqual(['typed.example', 'fallback.example.net']);
  });

  it('grants nothing for values that are not http(s) URLs of one host, or for unknown targets', () => {
    for (const value of ['', 'sqs.internal:9324', 'ftp://files.example.com/', 'file:///etc/passwd', 'http://*.example.com/', 'not a url', 42, null, undefined]) {
      expect(grantableHost(value)).toBeUndefined();
    }
    expect(grantableHost(' HTTPS://Example.COM./path ')).toBe('example.com');
    expect(grantedHosts(manifest, { op: 'action.run', target: 'call', account: null, props: { url: 'ftp://x.example', fallback: 'mailto:a@b.example' } })).toEqual([]);
    expect(grantedHosts(manifest, { op: 'action.run', target: 'missing', account, props: { url: 'https://x.example' } })).toEqual([]);
    expect(grantedHosts(manifest, { op: 'props.options', target: 'nonsense', account, props: {} })).toEqual([]);
    expect(allowedHostsForCall(manifest, { op: 'trigger.poll', target: 'feed' })).toEqual(['api.example.com']);
  });
});

import { join } from 'node:path';
import { createContext, runInContext } from 'node:vm';
import { build } from 'esbuild';
import { createLocalContext, defineConnector, defineTrigger, Property } from '../src';

// Spawns processes and bundles; the root Jest config's 5 s default is too tight on a loaded machine.
jest.setTimeout(60_000);

describe('guest entry', () => {
  it('bundles whole, without Node APIs or ajv, and runs where only JS built-ins exist', async () => {
    const result = await build({
      stdin: { contents: "import * as sdk from './src/guest.ts'; globalThis.sdk = sdk;", resolveDir: join(__dirname, '..'), loader: 'ts' },
      bundle: true,
      write: false,
      format: 'iife',
      platform: 'neutral',
      treeShaking: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((i) => /validate|local-context|cli\/|node_modules/.test(i))).toEqual([]);
    const context = createContext({});
    runInContext(result.outputFiles[0].text, context);
    const sdk = (context as { sdk: typeof import('../src/guest') }).sdk;
    const connector = sdk.defineConnector({
      name: 'vm-check',
      version: '1.0.0',
      displayName: 'VM check',
      actions: [sdk.defineAction({ name: 'echo', displayName: 'Echo', props: { text: sdk.Property.ShortText({ displayName: 'Text', required: true }) }, run: (ctx) => ctx.props.text })],
    });
    expect(await connector.invoke({ op: 'action.run', target: 'echo', input: { props: { text: 'hi' } } }, createLocalContext())).toBe('hi');
  });
});

describe('stream trigger defaults', () => {
  it('map defaults to payload = message.body', async () => {
    const connector = defineConnector({
      name: 'rabbit',
      version: '1.0.0',
      displayName: 'Rabbit',
      triggers: [
        defineTrigger({
          kind: 'stream',
          name: 'consume',
          displayName: 'Consume',
          driver: 'amqp',
          props: { queue: Property.ShortText({ displayName: 'Queue', required: true }) },
          config: (ctx) => ({ url: 'amqp://127.0.0.1', queue: ctx.props.queue, routingKey: `orders.${ctx.props.batchSize}` }),
        }),
      ],
    });
    expect(connector.manifest.triggers[0].stream).toEqual({ driver: 'amqp', map: false });
    const message = { id: '1', body: 'plain text', headers: { 'x-id': 'a' }, attributes: {}, receivedAt: '2026-01-01T00:00:00Z' };
    const ctx = createLocalContext();
    expect(await connector.invoke({ op: 'trigger.map', target: 'consume', input: { props: { queue: 'q' }, message } }, ctx)).toEqual({ payload: 'plain text' });
    expect(await connector.invoke({ op: 'trigger.config', target: 'consume', input: { props: { queue: 'q', batchSize: 50 } } }, ctx)).toEqual({
      url: 'amqp://127.0.0.1',
      queue: 'q',
      routingKey: 'orders.50',
    });
  });

  it('refuses duplicate names and bad versions when defining a connector', () => {
    const a = defineTrigger({ kind: 'pooling', name: 'same', displayName: 'Same', poll: () => [] });
    expect(() => defineConnector({ name: 'dup', version: '1.0.0', displayName: 'Dup', triggers: [a, a] })).toThrow(
      'Connector has two triggers named "same"; trigger names must be unique',
    );
    expect(() => defineConnector({ name: 'dup', version: 'v1', displayName: 'Dup' })).toThrow('version "v1" is not a semantic version like 1.0.0');
    expect(() => defineConnector({ name: 'Dup', version: '1.0.0', displayName: 'Dup' })).toThrow('use a lowercase slug like "amazon-sqs"');
    expect(() =>
      defineConnector({ name: 'nostore', version: '1.0.0', displayName: 'No store', capabilities: ['http'], triggers: [a] }),
    ).toThrow('pooling triggers keep their cursor in ctx.store; add "store" to capabilities');
  });
});

import { createLocalContext, MemoryStore, type GuestRequest } from '../src';
import connector from './fixtures/example-connector';

const call = (request: GuestRequest, store = new MemoryStore()) => connector.invoke(request, createLocalContext({ store }));
const awsAccount = { accessKeyId: 'AK', secretAccessKey: 'SK' };

describe('invoke dispatch', () => {
  it('action.run: applies defaults, checks props, returns plain JSON', async () => {
    const store = new MemoryStore();
    const out = await call(
      { op: 'action.run', target: 'send-message', input: { props: { queue: 'orders', body: 'hi' }, account: { secret: 'good-key' } } },
      store,
    );
    expect(out).toEqual({ queue: 'orders', body: 'hi', priority: 4, mode: 'safe', at: '1970-01-01T00:00:00.000Z', key: 'go' });
    expect(store.toJSON()).toEqual({ sent: 'hi' });
  });

  it('action.run: names every bad prop and the missing account field', async () => {
    await expect(
      call({ op: 'action.run', target: 'send-message', input: { props: { body: 3, priority: 12, mode: 'slow' }, account: { secret: 'k' } } }),
    ).rejects.toThrow(
      'Action "send-message": Queue (queue) is required; Body (body) must be text (got 3); Priority (priority) must be between 0 and 9 (got 12); Mode (mode) must be one of "fast", "safe" (got "slow")',
    );
    await expect(call({ op: 'action.run', target: 'send-message', input: { props: { queue: 'q', body: 'b' }, account: {} } })).rejects.toThrow(
      'Account "apiKey": API Key (secret) is required',
    );
  });

  it('names unknown targets and ops with what is available', async () => {
    await expect(call({ op: 'action.run', target: 'x', input: {} })).rejects.toThrow('unknown action "x"; available: send-message');
    await expect(call({ op: 'trigger.poll', target: 'nope', input: {} })).rejects.toThrow(
      'unknown trigger "nope"; available: listen-queue, new-orders, order-hook',
    );
    await expect(call({ op: 'trigger.poll', target: 'listen-queue', input: {} })).rejects.toThrow(
      'trigger "listen-queue" is a stream trigger; this op needs a pooling trigger',
    );
    await expect(call({ op: 'action.delete' as never, input: {} })).rejects.toThrow('unknown op "action.delete"; available: action.run, trigger.poll');
  });

  it('trigger.poll keeps its cursor in ctx.store and sees the standard props', async () => {
    const store = new MemoryStore({ cursor: 10 });
    const first = await call({ op: 'trigger.poll', target: 'new-orders', input: { props: { batchSize: 5 }, lastPollAt: '2026-01-01T00:00:00Z' } }, store);
    expect(first).toEqual({ items: [{ orderId: 11, batch: 5 }, { orderId: 12, lastPollAt: '2026-01-01T00:00:00Z' }] });
    const second = await call({ op: 'trigger.poll', target: 'new-orders', input: {} }, store);
    expect(second).toEqual({ items: [{ orderId: 13, batch: 1 }, { orderId: 14, lastPollAt: null }] });
    expect(store.toJSON()).toEqual({ cursor: 14 });
    await expect(call({ op: 'trigger.poll', target: 'new-orders', input: { props: { batchSize: 0 } } })).rejects.toThrow(
      'Trigger "new-orders": Batch Size (batchSize) must be between 1 and 1000 (got 0)',
    );
  });

  it('trigger.config and trigger.map for a stream trigger', async () => {
    const props = { queueUrl: 'http://127.0.0.1:4566/000/orders' };
    expect(await call({ op: 'trigger.config', target: 'listen-queue', input: { props, account: awsAccount } })).toEqual({
      queueUrl: props.queueUrl,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AK', secretAccessKey: 'SK' },
    });
    const message = { id: 'm-1', body: { orderId: 7 }, headers: {}, attributes: {}, receivedAt: '2026-01-01T00:00:00Z' };
    expect(await call({ op: 'trigger.map', target: 'listen-queue', input: { props, account: awsAccount, message } })).toEqual({
      payload: { body: { orderId: 7 }, id: 'm-1' },
      labels: { queue: 'q' },
    });
  });

  it('trigger.test returns test(ctx) items, or the sample data when there is no test()', async () => {
    expect(await call({ op: 'trigger.test', target: 'new-orders', input: {} })).toEqual([{ orderId: 0 }]);
    expect(await call({ op: 'trigger.test', target: 'listen-queue', input: { props: { queueUrl: 'u' }, account: awsAccount } })).toEqual([
      { body: { orderId: 1 } },
    ]);
  });

  it('trigger.webhook turns one call into payloads', async () => {
    const request = { method: 'POST', path: '/', query: {}, headers: {}, body: { orders: [{ id: 1 }, { id: 2 }] }, rawBody: '' };
    const props = { signingSecret: 's' };
    expect(await call({ op: 'trigger.webhook', target: 'order-hook', input: { props, request } })).toEqual({ payloads: [{ id: 1 }, { id: 2 }] });
    expect(await call({ op: 'trigger.webhook', target: 'order-hook', input: { props, request: { ...request, method: 'GET' } } })).toEqual({
      payloads: [],
    });
  });

  it('account.validate passes good credentials and explains a refusal', async () => {
    expect(await call({ op: 'account.validate', target: 'apiKey', input: { account: { secret: 'good' } } })).toEqual({ ok: true });
    await expect(call({ op: 'account.validate', target: 'apiKey', input: { account: { secret: 'bad' } } })).rejects.toThrow(
      'Account "API key": the API key was refused (HTTP 401)',
    );
    expect(await call({ op: 'account.validate', target: 'aws', input: { account: awsAccount } })).toEqual({ ok: true });
    await expect(call({ op: 'account.validate', target: 'nope', input: {} })).rejects.toThrow('unknown account "nope"; available: apiKey, aws');
  });

  it('props.options loads dynamic options with the account and the props filled so far', async () => {
    expect(
      await call({ op: 'props.options', target: 'action:send-message:queue', input: { props: { region: 'eu' }, account: { secret: 'abc' } } }),
    ).toEqual([
      { label: 'Orders (3)', value: 'orders' },
      { label: 'In eu', value: 'regional' },
    ]);
    await expect(call({ op: 'props.options', target: 'action:send-message:mode', input: {} })).rejects.toThrow(
      'prop "mode" of action "send-message" is not a dynamic select',
    );
    await expect(call({ op: 'props.options', target: 'send-message', input: {} })).rejects.toThrow(
      'props.options target must be "<action|trigger>:<name>:<prop>" (got "send-message")',
    );
  });
});

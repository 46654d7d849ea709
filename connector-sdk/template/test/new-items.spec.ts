import { createLocalContext, MemoryStore, type HttpResponse } from '@flowport/connector-sdk';
import connector from '../src/index';

// Fixture-driven: a tiny fake of the API answers the connector's requests.
const items = [
  { id: 1, name: 'First', status: 'open', createdAt: '2026-01-01T00:00:00Z' },
  { id: 2, name: 'Second', status: 'closed', createdAt: '2026-01-02T00:00:00Z' },
  { id: 3, name: 'Third', status: 'open', createdAt: '2026-01-03T00:00:00Z' },
];
const account = { baseUrl: 'https://api.example.com', apiKey: 'test-key' };

async function fakeApi(url: string, init?: { headers?: Record<string, string> }): Promise<HttpResponse> {
  const json = (status: number, body: unknown) => ({ status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (init?.headers?.authorization !== 'Bearer test-key') return json(401, { error: 'unauthorized' });
  const { pathname, searchParams } = new URL(url);
  if (pathname === '/me') return json(200, { id: 'me' });
  if (pathname === '/items') {
    const after = Number(searchParams.get('after') ?? 0);
    const limit = Number(searchParams.get('limit') ?? 100);
    return json(200, { items: items.filter((i) => i.id > after).slice(0, limit) });
  }
  const item = items.find((i) => pathname === `/items/${i.id}`);
  return item ? json(200, item) : json(404, { error: 'not found' });
}

describe('{{name}} connector', () => {
  it('get-item reads one item', async () => {
    const ctx = createLocalContext({ fetch: fakeApi });
    const out = await connector.invoke({ op: 'action.run', target: 'get-item', input: { props: { itemId: '2' }, account } }, ctx);
    expect(out).toEqual(items[1]);
  });

  it('new-items returns only items created since the last poll', async () => {
    const store = new MemoryStore();
    const ctx = createLocalContext({ fetch: fakeApi, store });
    const first = await connector.invoke({ op: 'trigger.poll', target: 'new-items', input: { props: {}, account, lastPollAt: null } }, ctx);
    expect(first).toEqual({ items });
    expect(store.toJSON()).toEqual({ lastItemId: 3 });

    items.push({ id: 4, name: 'Fourth', status: 'closed', createdAt: '2026-01-04T00:00:00Z' });
    const second = await connector.invoke({ op: 'trigger.poll', target: 'new-items', input: { props: { status: 'closed' }, account } }, ctx);
    expect(second).toEqual({ items: [items[3]] });
    expect(store.toJSON()).toEqual({ lastItemId: 4 });
  });

  it('account.validate refuses a wrong API key', async () => {
    const ctx = createLocalContext({ fetch: fakeApi });
    await expect(
      connector.invoke({ op: 'account.validate', target: 'apiKey', input: { account: { ...account, apiKey: 'wrong' } } }, ctx),
    ).rejects.toThrow('The API key was refused (HTTP 401)');
  });
});

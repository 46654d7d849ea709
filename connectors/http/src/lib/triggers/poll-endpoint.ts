import { defineTrigger, Property, type JsonValue } from '@flowport/connector-sdk';
import { httpAuth } from '../account';
import { parsePath, readPath } from '../common/path';
import { httpError, sendRequest } from '../common/request';

const SEEN = 'seenIds';
/** IDs remembered across polls; a feed longer than this may repeat its oldest items (the platform's External ID check still stops a second run). */
const SEEN_LIMIT = 5000;

export const pollEndpoint = defineTrigger({
  kind: 'pooling',
  name: 'poll-endpoint',
  displayName: 'Poll Endpoint',
  description: 'GETs a URL at an interval and starts a run for every item not seen before.',
  account: httpAuth,
  props: {
    url: Property.ShortText({ displayName: 'URL', required: true, placeholder: 'https://api.example.com/orders?status=new', grantsHost: true }),
    headers: Property.Json({ displayName: 'Headers', schema: { type: 'object' } }),
    itemsPath: Property.ShortText({
      displayName: 'Items Path',
      description: 'Where the list of items is in the JSON response: $ (the response is the list), items, $.data.items[*]',
      defaultValue: '$',
    }),
    idField: Property.ShortText({
      displayName: 'Item ID Field',
      description: 'The field that identifies an item (dotted path, e.g. id or meta.uuid); set External ID to payload.<field> when it is not "id"',
      defaultValue: 'id',
    }),
  },
  itemIdPath: 'id',
  intervalSeconds: { default: 60, min: 5 },
  sampleData: { id: 1, name: 'First item' },
  async poll(ctx) {
    const items = await fetchItems(ctx, ctx.props);
    const idSteps = parsePath(ctx.props.idField);
    // Seen IDs live in ctx.store, so a restart or another replica does not replay them.
    const seen = ((await ctx.store.get(SEEN)) as string[] | null) ?? [];
    const known = new Set(seen);
    const fresh: JsonValue[] = [];
    for (const item of items) {
      const id = readPath(item, idSteps);
      if (typeof id !== 'string' && typeof id !== 'number') {
        throw new Error(`An item has no ${JSON.stringify(ctx.props.idField)} (Item ID Field): ${JSON.stringify(item).slice(0, 200)}; set Item ID Field to the field that identifies items`);
      }
      const key = String(id);
      if (known.has(key)) continue;
      known.add(key);
      seen.push(key);
      fresh.push(item);
    }
    if (fresh.length > 0) await ctx.store.set(SEEN, seen.slice(-SEEN_LIMIT));
    return fresh;
  },
  async test(ctx) {
    // Peeks without touching the seen IDs.
    return (await fetchItems(ctx, ctx.props)).slice(0, 3);
  },
});

async function fetchItems(
  ctx: Parameters<typeof sendRequest>[0] & { account: Parameters<typeof sendRequest>[1] },
  props: { url: string; headers?: JsonValue; itemsPath: string },
): Promise<JsonValue[]> {
  const res = await sendRequest(ctx, ctx.account, { method: 'GET', url: props.url, headers: props.headers });
  if (res.status >= 400) throw httpError('GET', props.url, res);
  if (typeof res.body === 'string') throw new Error(`GET ${props.url} did not return JSON (content-type ${res.headers['content-type'] ?? 'none'}); Poll Endpoint needs a JSON response`);
  const found = readPath(res.body, parsePath(props.itemsPath));
  if (Array.isArray(found)) return found;
  if (found !== null && typeof found === 'object') return [found];
  throw new Error(`Items Path ${JSON.stringify(props.itemsPath)} found ${found === undefined ? 'nothing' : JSON.stringify(found).slice(0, 100)} in the response of ${props.url}; point it at the list of items`);
}

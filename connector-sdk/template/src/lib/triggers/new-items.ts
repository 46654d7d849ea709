import { defineTrigger, Property } from '@flowport/connector-sdk';
import { exampleAccount } from '../account';
import { apiGet } from '../common/client';

interface Item {
  id: number;
  name: string;
  status: string;
  createdAt: string;
}

const CURSOR = 'lastItemId';

export const newItems = defineTrigger({
  kind: 'pooling',
  name: 'new-items',
  displayName: 'New Item',
  description: 'Starts a flow for every item created since the last poll.',
  account: exampleAccount,
  props: {
    status: Property.StaticSelect({
      displayName: 'Status',
      options: [
        { label: 'Any', value: 'any' },
        { label: 'Open', value: 'open' },
        { label: 'Closed', value: 'closed' },
      ],
      defaultValue: 'any',
    }),
  },
  itemIdPath: 'id',
  intervalSeconds: { default: 30, min: 10 },
  sampleData: { id: 1, name: 'First item', status: 'open', createdAt: '2026-01-01T00:00:00Z' },
  async poll(ctx) {
    // The cursor lives in ctx.store, so a restart or another runtime replica resumes where this one stopped.
    const after = ((await ctx.store.get(CURSOR)) as number | null) ?? 0;
    const { items } = await apiGet<{ items: Item[] }>(ctx, ctx.account, `/items?after=${after}&limit=${ctx.props.batchSize * 10}`);
    const wanted = ctx.props.status === 'any' ? items : items.filter((item) => item.status === ctx.props.status);
    if (items.length > 0) await ctx.store.set(CURSOR, Math.max(...items.map((item) => item.id)));
    return wanted;
  },
  async test(ctx) {
    // Peeks at the newest items without moving the cursor.
    const { items } = await apiGet<{ items: Item[] }>(ctx, ctx.account, '/items?limit=3');
    return items;
  },
});

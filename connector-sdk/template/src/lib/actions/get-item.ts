import { defineAction, Property } from '@flowport/connector-sdk';
import { exampleAccount } from '../account';
import { apiGet } from '../common/client';

export const getItem = defineAction({
  name: 'get-item',
  displayName: 'Get Item',
  description: 'Reads one item by its id.',
  account: exampleAccount,
  props: {
    itemId: Property.ShortText({ displayName: 'Item ID', required: true }),
  },
  sampleOutput: { id: 1, name: 'First item', createdAt: '2026-01-01T00:00:00Z' },
  async run(ctx) {
    return apiGet(ctx, ctx.account, `/items/${encodeURIComponent(ctx.props.itemId)}`);
  },
});

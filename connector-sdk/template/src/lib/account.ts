import { defineAccount, Property } from '@flowport/connector-sdk';
import { apiGet } from './common/client';

// Kept out of src/index.ts so actions and triggers can import it without a circular import.
export const exampleAccount = defineAccount({
  kind: 'custom',
  name: 'apiKey',
  displayName: '{{displayName}} API key',
  description: 'Create an API key in your {{displayName}} settings.',
  props: {
    baseUrl: Property.ShortText({ displayName: 'API URL', defaultValue: 'https://api.example.com' }),
    apiKey: Property.Secret({ displayName: 'API Key', required: true }),
  },
  async validate(ctx) {
    await apiGet(ctx, ctx.account, '/me');
    return true;
  },
});

import { defineAccount, Property } from '@flowport/connector-sdk';

export const httpAuth = defineAccount({
  kind: 'custom',
  name: 'http-auth',
  displayName: 'HTTP authentication',
  description: 'How requests authenticate: none, a bearer token, basic auth or an API key header.',
  props: {
    authType: Property.StaticSelect({
      displayName: 'Authentication',
      options: [
        { label: 'None', value: 'none' },
        { label: 'Bearer token', value: 'bearer' },
        { label: 'Basic auth', value: 'basic' },
        { label: 'API key header', value: 'apiKey' },
      ],
      defaultValue: 'none',
    }),
    token: Property.Secret({ displayName: 'Bearer Token', description: 'Sent as Authorization: Bearer <token>' }),
    username: Property.ShortText({ displayName: 'User (basic auth)' }),
    password: Property.Secret({ displayName: 'Password (basic auth)' }),
    apiKeyHeader: Property.ShortText({ displayName: 'API Key Header', defaultValue: 'X-API-Key', pattern: '^[A-Za-z0-9!#$%&\'*+.^_`|~-]+$' }),
    apiKey: Property.Secret({ displayName: 'API Key' }),
  },
  validate(ctx) {
    const a = ctx.account;
    if (a.authType === 'bearer' && !a.token) return { ok: false, message: 'Bearer token authentication needs a Bearer Token' };
    if (a.authType === 'basic' && !a.username) return { ok: false, message: 'Basic auth needs a User (the password may be empty)' };
    if (a.authType === 'apiKey' && !a.apiKey) return { ok: false, message: 'API key authentication needs an API Key' };
    return { ok: true };
  },
});

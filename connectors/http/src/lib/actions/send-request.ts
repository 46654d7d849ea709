import { defineAction, Property } from '@flowport/connector-sdk';
import { httpAuth } from '../account';
import { httpError, sendRequest } from '../common/request';

export const sendRequestAction = defineAction({
  name: 'send-request',
  displayName: 'Send Request',
  description: 'Sends one HTTP request and returns the status, headers and body (parsed when JSON).',
  account: httpAuth,
  props: {
    method: Property.StaticSelect({
      displayName: 'Method',
      options: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'].map((m) => ({ label: m, value: m })),
      defaultValue: 'GET',
    }),
    // The request's own host is what this call may reach (the platform grants it; redirects elsewhere are refused).
    url: Property.ShortText({ displayName: 'URL', required: true, placeholder: 'https://api.example.com/orders', grantsHost: true }),
    headers: Property.Json({ displayName: 'Headers', description: 'e.g. { "Accept": "application/json" }', schema: { type: 'object' } }),
    query: Property.Json({ displayName: 'Query Parameters', description: 'e.g. { "status": "open", "tag": ["a", "b"] }', schema: { type: 'object' } }),
    bodyType: Property.StaticSelect({
      displayName: 'Body Type',
      options: [
        { label: 'None', value: 'none' },
        { label: 'JSON', value: 'json' },
        { label: 'Form (urlencoded)', value: 'form' },
        { label: 'Raw text', value: 'raw' },
      ],
      defaultValue: 'none',
    }),
    body: Property.Json({ displayName: 'Body', description: 'JSON: any value; Form: an object; Raw: text' }),
    failOnHttpError: Property.Boolean({ displayName: 'Fail on HTTP errors', description: 'Fail the step on a 4xx or 5xx status', defaultValue: true }),
  },
  sampleOutput: { status: 200, headers: { 'content-type': 'application/json' }, body: { id: 1 } },
  async run(ctx) {
    const res = await sendRequest(ctx, ctx.account, ctx.props);
    if (res.status >= 400 && ctx.props.failOnHttpError) throw httpError(ctx.props.method, ctx.props.url, res);
    return res;
  },
});

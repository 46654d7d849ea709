import { defineAccount, Property } from '@flowport/connector-sdk';
import { sqsCall } from './common/client';

export const awsAccount = defineAccount({
  kind: 'custom',
  name: 'aws',
  displayName: 'AWS credentials',
  description: 'An IAM access key allowed to use the queues (sqs:SendMessage, sqs:ReceiveMessage, sqs:DeleteMessage, sqs:GetQueueAttributes, sqs:ChangeMessageVisibility).',
  props: {
    accessKeyId: Property.ShortText({ displayName: 'Access Key ID', required: true }),
    secretAccessKey: Property.Secret({ displayName: 'Secret Access Key', required: true }),
    region: Property.ShortText({ displayName: 'Region', description: 'e.g. eu-west-1', defaultValue: 'us-east-1', pattern: '^[a-z0-9-]+$' }),
    sessionToken: Property.Secret({ displayName: 'Session Token', description: 'Only for temporary (STS) credentials' }),
    endpoint: Property.ShortText({
      displayName: 'Endpoint',
      description: 'For SQS-compatible servers (ElasticMQ, LocalStack, fauxqs), e.g. http://sqs.internal:9324; empty = AWS',
      // Calls with this account may reach the endpoint's host besides *.amazonaws.com.
      grantsHost: true,
    }),
  },
  async validate(ctx) {
    // The cheapest signed call: proves the keys, the region and the endpoint in one request.
    await sqsCall(ctx, ctx.account, 'ListQueues', { MaxResults: 1 });
    return { ok: true };
  },
});

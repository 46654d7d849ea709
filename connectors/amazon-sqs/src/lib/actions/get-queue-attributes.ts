import { defineAction, Property } from '@flowport/connector-sdk';
import { awsAccount } from '../account';
import { sqsCall } from '../common/client';
import { queueUrlProp } from '../common/props';

// Attributes SQS returns as numbers in text; the output gives them as numbers.
const NUMERIC = new Set([
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
  'DelaySeconds',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'ReceiveMessageWaitTimeSeconds',
  'VisibilityTimeout',
  'KmsDataKeyReusePeriodSeconds',
]);

export const getQueueAttributes = defineAction({
  name: 'get-queue-attributes',
  displayName: 'Get Queue Attributes',
  description: 'Reads a queue\'s attributes: message counts, timeouts, ARN, FIFO settings and its redrive (dead-letter) policy.',
  account: awsAccount,
  props: {
    queueUrl: queueUrlProp,
    attributeNames: Property.Json({
      displayName: 'Attribute Names',
      description: 'e.g. ["ApproximateNumberOfMessages", "RedrivePolicy"]; empty = all',
      schema: { type: 'array', items: { type: 'string' } },
    }),
  },
  sampleOutput: { attributes: { QueueArn: 'arn:aws:sqs:us-east-1:123456789012:orders', ApproximateNumberOfMessages: 3, VisibilityTimeout: 30 } },
  async run(ctx) {
    const names = Array.isArray(ctx.props.attributeNames) && ctx.props.attributeNames.length > 0 ? ctx.props.attributeNames : ['All'];
    const out = await sqsCall<{ Attributes?: Record<string, string> }>(ctx, ctx.account, 'GetQueueAttributes', { QueueUrl: ctx.props.queueUrl, AttributeNames: names });
    const attributes: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(out.Attributes ?? {})) {
      if (NUMERIC.has(name) && value !== '' && Number.isFinite(Number(value))) attributes[name] = Number(value);
      else if ((name === 'RedrivePolicy' || name === 'RedriveAllowPolicy' || name === 'Policy') && value.startsWith('{')) attributes[name] = JSON.parse(value);
      else if (value === 'true' || value === 'false') attributes[name] = value === 'true';
      else attributes[name] = value;
    }
    return { attributes };
  },
});

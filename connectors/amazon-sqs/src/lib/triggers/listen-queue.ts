import { defineTrigger, Property, type JsonValue } from '@flowport/connector-sdk';
import { awsAccount } from '../account';
import { queueName } from '../common/client';
import { queueUrlProp } from '../common/props';

/**
 * The queue is consumed on the host by the platform's `sqs` driver (long polling, visibility
 * extension, DeleteMessageBatch after the run is recorded, dead-lettering); this trigger only
 * says how to configure it and shapes each message into the run's payload.
 */
export const listenQueue = defineTrigger({
  kind: 'stream',
  name: 'listen-queue',
  displayName: 'Listen Queue',
  description: 'Starts a run for every batch of messages on an SQS queue. A message is deleted only after its run is recorded.',
  account: awsAccount,
  driver: 'sqs',
  props: {
    queueUrl: queueUrlProp,
    waitTimeSeconds: Property.Number({
      displayName: 'Wait Time (seconds)',
      description: 'Long-poll duration of each receive (0-20); 20 is cheapest',
      integer: true,
      min: 0,
      max: 20,
      defaultValue: 20,
    }),
    visibilityTimeoutSeconds: Property.Number({
      displayName: 'Visibility Timeout (seconds)',
      description: 'How long a received message stays hidden from other consumers; extended while its batch is being recorded',
      integer: true,
      min: 2,
      max: 43200,
      defaultValue: 30,
    }),
    deadLetterQueueUrl: Property.ShortText({
      displayName: 'Dead-letter Queue URL',
      description: "Where messages go after the retry limit; empty = the queue's redrive policy target (one of the two is required)",
    }),
  },
  sampleData: { orderId: 'A-1001', total: 42.5 },
  config(ctx) {
    const { accessKeyId, secretAccessKey, sessionToken, region, endpoint } = ctx.account;
    return {
      queueUrl: ctx.props.queueUrl,
      region,
      ...(endpoint ? { endpoint } : {}),
      credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) },
      waitTimeSeconds: ctx.props.waitTimeSeconds,
      visibilityTimeoutSeconds: ctx.props.visibilityTimeoutSeconds,
      ...(ctx.props.deadLetterQueueUrl ? { deadLetterQueueUrl: ctx.props.deadLetterQueueUrl } : {}),
    };
  },
  map(message, ctx) {
    // A JSON object body becomes the payload itself, so External ID and steps read its fields
    // directly (payload.orderId); any other body sits under `body`. SQS metadata goes under `sqs`
    // (the driver passes message attributes as headers, system attributes as attributes).
    const sqs: Record<string, JsonValue> = { messageId: message.id, attributes: message.attributes, messageAttributes: message.headers };
    const body = message.body;
    const payload: Record<string, JsonValue> =
      body !== null && typeof body === 'object' && !Array.isArray(body) ? { ...body, sqs } : { body, sqs };
    const labels: Record<string, string> = { queue: queueName(ctx.props.queueUrl) };
    const group = message.attributes.MessageGroupId;
    if (typeof group === 'string') labels.messageGroupId = group;
    return { payload, labels };
  },
});

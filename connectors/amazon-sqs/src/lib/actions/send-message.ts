import { defineAction, Property } from '@flowport/connector-sdk';
import { awsAccount } from '../account';
import { sqsCall, toBody, toMessageAttributes } from '../common/client';
import { queueUrlProp } from '../common/props';

export const sendMessage = defineAction({
  name: 'send-message',
  displayName: 'Send Message',
  description: 'Sends one message to a queue (standard or FIFO).',
  account: awsAccount,
  props: {
    queueUrl: queueUrlProp,
    body: Property.Json({ displayName: 'Message Body', description: 'Text is sent as is; objects and arrays as JSON', required: true }),
    messageAttributes: Property.Json({
      displayName: 'Message Attributes',
      description: 'Up to 10, e.g. { "source": "shop", "priority": 2 } (numbers become Number attributes)',
      schema: { type: 'object' },
    }),
    delaySeconds: Property.Number({ displayName: 'Delay (seconds)', description: 'Standard queues only', integer: true, min: 0, max: 900 }),
    messageGroupId: Property.ShortText({ displayName: 'Message Group ID', description: 'FIFO queues: messages of one group are delivered in order' }),
    messageDeduplicationId: Property.ShortText({
      displayName: 'Deduplication ID',
      description: 'FIFO queues without content-based deduplication: a repeat within 5 minutes is dropped',
    }),
  },
  sampleOutput: { messageId: '5fea7756-0ea4-451a-a703-a558b933e274', md5OfMessageBody: 'fafb00f5732ab283681e124bf8747ed1' },
  async run(ctx) {
    const fifo = ctx.props.queueUrl.endsWith('.fifo');
    if (fifo && !ctx.props.messageGroupId) throw new Error('Message Group ID is required for a FIFO queue (its URL ends in .fifo)');
    if (fifo && ctx.props.delaySeconds) throw new Error('Delay (seconds) is not supported per message on a FIFO queue; set the queue\'s DelaySeconds instead');
    const out = await sqsCall<{ MessageId: string; MD5OfMessageBody: string; SequenceNumber?: string }>(ctx, ctx.account, 'SendMessage', {
      QueueUrl: ctx.props.queueUrl,
      MessageBody: toBody(ctx.props.body),
      MessageAttributes: toMessageAttributes(ctx.props.messageAttributes),
      DelaySeconds: ctx.props.delaySeconds,
      MessageGroupId: ctx.props.messageGroupId || undefined,
      MessageDeduplicationId: ctx.props.messageDeduplicationId || undefined,
    });
    return {
      messageId: out.MessageId,
      md5OfMessageBody: out.MD5OfMessageBody,
      ...(out.SequenceNumber ? { sequenceNumber: out.SequenceNumber } : {}),
    };
  },
});

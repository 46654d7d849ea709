import { defineAction, Property, type JsonValue } from '@flowport/connector-sdk';
import { awsAccount } from '../account';
import { sqsCall, toBody, toMessageAttributes } from '../common/client';
import { queueUrlProp } from '../common/props';

type Entry = { body: JsonValue; messageAttributes?: JsonValue; delaySeconds?: number; messageGroupId?: string; messageDeduplicationId?: string };

const SQS_BATCH_LIMIT = 10;

export const sendMessageBatch = defineAction({
  name: 'send-message-batch',
  displayName: 'Send Message Batch',
  description: 'Sends up to 100 messages; they go to SQS in requests of 10. Entries SQS refuses are listed in `failed`.',
  account: awsAccount,
  props: {
    queueUrl: queueUrlProp,
    messages: Property.Json({
      displayName: 'Messages',
      description: 'A list of message bodies, or of { body, messageAttributes?, delaySeconds?, messageGroupId?, messageDeduplicationId? }',
      required: true,
      schema: { type: 'array', minItems: 1, maxItems: 100 },
    }),
    failOnError: Property.Boolean({ displayName: 'Fail on refused entries', description: 'Fail the step when SQS refuses any entry', defaultValue: true }),
  },
  sampleOutput: { successful: [{ index: 0, messageId: '5fea7756-0ea4-451a-a703-a558b933e274' }], failed: [] },
  async run(ctx) {
    const list = ctx.props.messages;
    if (!Array.isArray(list) || list.length === 0) throw new Error('Messages must be a non-empty list');
    const entries: Entry[] = list.map((item) =>
      item !== null && typeof item === 'object' && !Array.isArray(item) && 'body' in item ? (item as Entry) : { body: item },
    );
    const successful: { index: number; messageId: string; sequenceNumber?: string }[] = [];
    const failed: { index: number; code: string; message: string; senderFault: boolean }[] = [];
    for (let start = 0; start < entries.length; start += SQS_BATCH_LIMIT) {
      const chunk = entries.slice(start, start + SQS_BATCH_LIMIT);
      const out = await sqsCall<{
        Successful?: { Id: string; MessageId: string; SequenceNumber?: string }[];
        Failed?: { Id: string; Code: string; Message?: string; SenderFault: boolean }[];
      }>(ctx, ctx.account, 'SendMessageBatch', {
        QueueUrl: ctx.props.queueUrl,
        // The entry Id is its index in the whole list, so results map back to the input.
        Entries: chunk.map((entry, i) => ({
          Id: String(start + i),
          MessageBody: toBody(entry.body),
          MessageAttributes: toMessageAttributes(entry.messageAttributes),
          DelaySeconds: entry.delaySeconds,
          MessageGroupId: entry.messageGroupId,
          MessageDeduplicationId: entry.messageDeduplicationId,
        })),
      });
      for (const s of out.Successful ?? []) successful.push({ index: Number(s.Id), messageId: s.MessageId, ...(s.SequenceNumber ? { sequenceNumber: s.SequenceNumber } : {}) });
      for (const f of out.Failed ?? []) failed.push({ index: Number(f.Id), code: f.Code, message: f.Message ?? '', senderFault: f.SenderFault });
    }
    successful.sort((a, b) => a.index - b.index);
    failed.sort((a, b) => a.index - b.index);
    if (failed.length > 0 && ctx.props.failOnError) {
      throw new Error(`SQS refused ${failed.length} of ${entries.length} messages: ${failed.map((f) => `#${f.index} ${f.code} ${f.message}`.trim()).join('; ')}`);
    }
    return { successful, failed };
  },
});

import { defineAction, Property } from '@flowport/connector-sdk';
import { awsAccount } from '../account';
import { sqsCall } from '../common/client';
import { queueUrlProp } from '../common/props';

export const deleteMessage = defineAction({
  name: 'delete-message',
  displayName: 'Delete Message',
  description: 'Deletes a message by the receipt handle its receive returned (Listen Queue deletes its own messages after recording them).',
  account: awsAccount,
  props: {
    queueUrl: queueUrlProp,
    receiptHandle: Property.LongText({ displayName: 'Receipt Handle', description: 'From the receive that returned the message', required: true }),
  },
  sampleOutput: { deleted: true },
  async run(ctx) {
    await sqsCall(ctx, ctx.account, 'DeleteMessage', { QueueUrl: ctx.props.queueUrl, ReceiptHandle: ctx.props.receiptHandle });
    return { deleted: true };
  },
});

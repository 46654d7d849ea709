import { Property } from '@flowport/connector-sdk';

export const queueUrlProp = Property.ShortText({
  displayName: 'Queue URL',
  description: 'e.g. https://sqs.eu-west-1.amazonaws.com/123456789012/orders (FIFO queues end in .fifo)',
  required: true,
});

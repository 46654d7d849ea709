import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';

export function sqsClient(endpoint: string): SQSClient {
  return new SQSClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'browser-tests', secretAccessKey: 'browser-tests-secret' } });
}

/**
 * A queue with a redrive policy to its own dead-letter queue (the Listen Queue trigger refuses
 * to start without a dead-letter destination). Returns the queue URL.
 */
export async function createQueueWithDlq(sqs: SQSClient, name: string): Promise<string> {
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
  const dlqArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl!, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: '3' }), VisibilityTimeout: '30' },
    }),
  );
  return queue.QueueUrl!;
}

/** Sends JSON bodies in batches of 10 (the SQS maximum). */
export async function sendJson(sqs: SQSClient, queueUrl: string, bodies: unknown[]): Promise<void> {
  for (let i = 0; i < bodies.length; i += 10) {
    const chunk = bodies.slice(i, i + 10);
    const res = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: chunk.map((b, j) => ({ Id: String(i + j), MessageBody: JSON.stringify(b) })) }));
    if (res.Failed?.length) throw new Error(`SendMessageBatch refused ${res.Failed.length} entries: ${JSON.stringify(res.Failed)}`);
  }
}

export async function approximateCounts(sqs: SQSClient, queueUrl: string): Promise<{ visible: number; inFlight: number }> {
  const a = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }))).Attributes ?? {};
  return { visible: Number(a.ApproximateNumberOfMessages ?? 0), inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) };
}

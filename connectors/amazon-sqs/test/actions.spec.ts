import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { SandboxPool } from '@flowport/sandbox';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { buildConnectorPackage, type BuiltConnector, startFauxqs, waitFor, type FauxqsServer } from '@flowport/testing';

jest.setTimeout(60_000);

describe('amazon-sqs actions in the sandbox against fauxqs', () => {
  let server: FauxqsServer;
  let pool: SandboxPool;
  let built: BuiltConnector;
  let sqs: SQSClient;
  let account: Record<string, string>;
  const queues: string[] = [];

  beforeAll(async () => {
    [server, built] = await Promise.all([startFauxqs(), buildConnectorPackage(join(__dirname, '..'))]);
    pool = new SandboxPool({ timeoutMs: 20_000 });
    sqs = new SQSClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, useQueueUrlAsEndpoint: false });
    account = { accessKeyId: 'test', secretAccessKey: 'test', region: 'us-east-1', endpoint: server.endpoint };
  });
  afterAll(async () => {
    for (const url of queues) await sqs.send(new DeleteQueueCommand({ QueueUrl: url })).catch(() => undefined);
    sqs?.destroy();
    await pool?.close();
    await server?.stop();
  });

  async function createQueue(suffix = '', attributes: Record<string, string> = {}): Promise<string> {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `flowport-sqs-${randomBytes(4).toString('hex')}${suffix}`, Attributes: attributes }));
    queues.push(QueueUrl!);
    return QueueUrl!;
  }

  // fauxqs is on 127.0.0.1, which the SSRF guard refuses by default: the test grants it, as an
  // operator would for a self-hosted SQS-compatible server (see README, "Custom endpoints").
  const call = (op: 'action.run' | 'account.validate', target: string, input: unknown, privateNetwork = true) =>
    pool.call({
      bundle: { code: built.code, integrity: built.integrity },
      op,
      target,
      input,
      capabilities: { allowedHosts: [...built.manifest.allowedHosts, '127.0.0.1'], allowPrivateNetwork: privateNetwork },
    });
  async function run(target: string, props: Record<string, unknown>): Promise<Record<string, unknown>> {
    const result = await call('action.run', target, { props, account });
    if (!result.ok) throw new Error(`${target}: ${result.error.name}: ${result.error.message}`);
    return result.output as Record<string, unknown>;
  }
  const receiveAll = async (queueUrl: string) =>
    (await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['All'] }))).Messages ?? [];

  it('declares the AWS hosts and validates the account with a signed ListQueues', async () => {
    expect(built.manifest.allowedHosts).toEqual(['*.amazonaws.com']);
    const ok = await call('account.validate', 'aws', { account });
    expect(ok).toMatchObject({ ok: true, output: { ok: true } });
    // Without the private-network grant the sandbox refuses the loopback endpoint.
    const blocked = await call('account.validate', 'aws', { account }, false);
    expect(blocked.ok).toBe(false);
    expect(!blocked.ok && blocked.error.message).toMatch(/HttpBlockedError|blocked|refused|private/i);
  });

  it('Send Message sends a JSON body with attributes; a delayed message stays hidden until its delay', async () => {
    const queueUrl = await createQueue();
    const out = await run('send-message', { queueUrl, body: { orderId: 'A-1', total: 3.5 }, messageAttributes: { source: 'shop', priority: 2 } });
    expect(out.messageId).toEqual(expect.any(String));
    expect(out.md5OfMessageBody).toMatch(/^[0-9a-f]{32}$/);
    await run('send-message', { queueUrl, body: 'later', delaySeconds: 2 });

    const [message, ...rest] = await receiveAll(queueUrl);
    expect(rest).toEqual([]);
    expect(message.MessageId).toBe(out.messageId);
    expect(JSON.parse(message.Body!)).toEqual({ orderId: 'A-1', total: 3.5 });
    expect(message.MessageAttributes).toEqual({
      source: { DataType: 'String', StringValue: 'shop' },
      priority: { DataType: 'Number', StringValue: '2' },
    });
    const delayed = await waitFor('the delayed message', async () => (await receiveAll(queueUrl)).find((m) => m.Body === 'later'), 10_000, 250);
    expect(delayed.Body).toBe('later');
  });

  it('Send Message Batch sends 13 messages in two requests and maps results back to their index', async () => {
    const queueUrl = await createQueue();
    const messages = Array.from({ length: 13 }, (_, i) => (i % 2 === 0 ? { n: i } : { body: { n: i }, messageAttributes: { odd: 'yes' } }));
    const out = (await run('send-message-batch', { queueUrl, messages })) as { successful: { index: number; messageId: string }[]; failed: unknown[] };
    expect(out.failed).toEqual([]);
    expect(out.successful.map((s) => s.index)).toEqual([...Array(13).keys()]);
    const attrs = (await run('get-queue-attributes', { queueUrl, attributeNames: ['ApproximateNumberOfMessages'] })) as { attributes: Record<string, unknown> };
    expect(attrs.attributes).toEqual({ ApproximateNumberOfMessages: 13 });
    const received = [...(await receiveAll(queueUrl)), ...(await receiveAll(queueUrl))];
    const odd = received.find((m) => JSON.parse(m.Body!).n === 3)!;
    expect(odd.MessageAttributes?.odd?.StringValue).toBe('yes');
  });

  it('Delete Message removes a received message; Get Queue Attributes then counts nothing', async () => {
    const queueUrl = await createQueue();
    await run('send-message', { queueUrl, body: 'to delete' });
    const [message] = await receiveAll(queueUrl);
    expect(await run('delete-message', { queueUrl, receiptHandle: message.ReceiptHandle })).toEqual({ deleted: true });
    const { attributes } = (await run('get-queue-attributes', { queueUrl })) as { attributes: Record<string, unknown> };
    expect(attributes).toMatchObject({ ApproximateNumberOfMessages: 0, ApproximateNumberOfMessagesNotVisible: 0, VisibilityTimeout: 30, QueueArn: expect.stringContaining(':flowport-sqs-') });
  });

  it('FIFO: group and deduplication id are sent; a repeated deduplication id is dropped; a missing group fails clearly', async () => {
    const queueUrl = await createQueue('.fifo', { FifoQueue: 'true' });
    const first = await run('send-message', { queueUrl, body: { step: 1 }, messageGroupId: 'order-7', messageDeduplicationId: 'd-1' });
    expect(first.sequenceNumber).toEqual(expect.any(String));
    await run('send-message', { queueUrl, body: { step: 1, again: true }, messageGroupId: 'order-7', messageDeduplicationId: 'd-1' });
    await run('send-message', { queueUrl, body: { step: 2 }, messageGroupId: 'order-7', messageDeduplicationId: 'd-2' });
    // A FIFO group hands out its next message only after the one in flight is deleted.
    const received = [];
    for (let i = 0; i < 4; i++) {
      const batch = await receiveAll(queueUrl);
      for (const m of batch) await run('delete-message', { queueUrl, receiptHandle: m.ReceiptHandle });
      received.push(...batch);
    }
    expect(received.map((m) => JSON.parse(m.Body!))).toEqual([{ step: 1 }, { step: 2 }]);
    expect(received[0].Attributes?.MessageGroupId).toBe('order-7');
    expect(received[0].Attributes?.MessageDeduplicationId).toBe('d-1');
    await expect(run('send-message', { queueUrl, body: 'x' })).rejects.toThrow('Message Group ID is required for a FIFO queue (its URL ends in .fifo)');
  });

  it('redrive policy: attributes show it parsed, and a message received past maxReceiveCount lands in the dead-letter queue', async () => {
    const dlqUrl = await createQueue('-dlq');
    const dlqArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    const queueUrl = await createQueue('', { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 1 }), VisibilityTimeout: '1' });
    const { attributes } = (await run('get-queue-attributes', { queueUrl, attributeNames: ['RedrivePolicy', 'VisibilityTimeout'] })) as { attributes: Record<string, unknown> };
    expect(attributes).toEqual({ RedrivePolicy: { deadLetterTargetArn: dlqArn, maxReceiveCount: 1 }, VisibilityTimeout: 1 });

    await run('send-message', { queueUrl, body: { poison: true } });
    expect(await receiveAll(queueUrl)).toHaveLength(1); // first receive, not deleted
    await waitFor('the message to move to the dead-letter queue', async () => {
      await receiveAll(queueUrl); // the receive past maxReceiveCount moves it
      const dlq = (await run('get-queue-attributes', { queueUrl: dlqUrl, attributeNames: ['ApproximateNumberOfMessages'] })) as { attributes: { ApproximateNumberOfMessages: number } };
      return dlq.attributes.ApproximateNumberOfMessages === 1 || undefined;
    }, 15_000, 500);
    const [dead] = await receiveAll(dlqUrl);
    expect(JSON.parse(dead.Body!)).toEqual({ poison: true });
  });

  it('names the queue and the fix when SQS refuses a call', async () => {
    const result = await call('action.run', 'send-message', { props: { queueUrl: `${server.endpoint}/000000000000/no-such-queue`, body: 'x' }, account });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.message).toMatch(/^SQS SendMessage failed \(400 [A-Za-z.]+\): .*Check the Queue URL/);
  });
});

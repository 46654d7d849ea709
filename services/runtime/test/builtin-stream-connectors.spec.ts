// Issue 5, end to end through the API for each built-in stream connector: the real package
// (connectors/amazon-sqs, connectors/rabbitmq, connectors/kafka) built with `flowport connector
// build` as a third party would, published to the registry, installed, an account created, a flow
// with Batch Size 6 and External ID `payload.orderId` published and activated, 23 messages sent
// to a real source (3 repeating an earlier order id), and everything asserted through the runs
// API and the resync view, then at the source.
//
// Sources: SQS is the `fauxqs` server (started here); RabbitMQ is the machine's broker; Kafka is
// the wire-protocol TEST broker in connectors/kafka/testing (in-memory, single node, real kafkajs
// clients over TCP), because no Kafka broker is available as a package on these machines.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { GetQueueAttributesCommand, SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { TestApp } from '@flowport/core';
import { buildConnectorPackage, startFauxqs, type FauxqsServer } from '@flowport/testing';
import * as amqp from 'amqplib';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { startTestBroker, type TestBroker } from '../../../connectors/kafka/testing';
import { AMQP_URL, AmqpQueueFixture, SqsQueueFixture } from './support/brokers';
import { Api, createRuntimeApp, waitUntil, type RunDetail } from './support/platform';

// Per broker: building the connector with the CLI, starting the trigger, 23 messages through the
// executor, on a loaded 2-core machine. Each test has measured well below this.
jest.setTimeout(90_000);

const CONNECTORS = join(__dirname, '..', '..', '..', 'connectors');
const BATCH_SIZE = 6;
const BATCH_WAIT_MS = 400;

type Order = { orderId: string; amount: number; repeat?: true };
/** A message as the source knows it: the broker's own message id and the order it carries. */
type Sent = { messageId: string; order: Order };
type RecordedMessage = RunDetail['messages'][number] & { messageId: string; labels: Record<string, string> };

/** 20 distinct orders; the 3 repeats come after their originals (positions 10, 17 and 23). */
function orderSequence(prefix: string): Order[] {
  const orders: Order[] = Array.from({ length: 20 }, (_, i) => ({ orderId: `${prefix}-${i + 1}`, amount: i + 1 }));
  const sequence = [...orders];
  sequence.splice(9, 0, { orderId: `${prefix}-3`, amount: 3, repeat: true });
  sequence.splice(16, 0, { orderId: `${prefix}-7`, amount: 7, repeat: true });
  sequence.push({ orderId: `${prefix}-15`, amount: 15, repeat: true });
  return sequence;
}

type Scenario = {
  connector: 'amazon-sqs' | 'rabbitmq' | 'kafka';
  trigger: string;
  driver: 'sqs' | 'amqp' | 'kafka';
  account: Record<string, unknown>;
  props: Record<string, unknown>;
  /** Sends the messages in order; returns each one's broker message id. */
  send: (orders: Order[]) => Promise<Sent[]>;
  /** The labels the connector's map gives a message. */
  labels: (sent: Sent) => Record<string, string>;
  /** Waits until the source holds nothing unacknowledged for the flow, while its trigger runs and after it stopped. */
  expectNothingLeft: (trigger: 'running' | 'stopped') => Promise<void>;
};

describe('built-in stream connectors through the API: Batch Size 6, External ID payload.orderId, 23 messages with 3 repeats', () => {
  let t: TestApp;
  let api: Api;

  beforeAll(async () => {
    t = await createRuntimeApp();
    api = new Api(t);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  /** Publishes and installs the package as built by the CLI, and creates an account through the API. */
  async function installConnector(name: Scenario['connector'], account: Record<string, unknown>): Promise<{ version: string; accountId: string }> {
    const built = await buildConnectorPackage(join(CONNECTORS, name));
    expect(built.manifest.name).toBe(name);
    const accountId = await api.setUpConnector({ manifest: built.manifest, bundle: built.code, integrity: built.integrity }, account);
    return { version: built.manifest.version as string, accountId };
  }

  /** Creates, publishes and activates the flow, sends the 23 messages, and asserts everything the issue asks for. */
  async function runScenario(s: Scenario): Promise<void> {
    const { version, accountId } = await installConnector(s.connector, s.account);
    const flow = await api.createFlow({
      name: `${s.connector} orders`,
      trigger: {
        type: 'connector',
        connector: s.connector,
        version,
        trigger: s.trigger,
        account: accountId,
        props: s.props,
        batchSize: BATCH_SIZE,
        externalId: 'payload.orderId',
        batchWaitMs: BATCH_WAIT_MS,
      },
      steps: [{ name: 'summary', type: 'map', expression: '{ "orderIds": [trigger.messages.externalId], "total": $sum(trigger.messages.payload.amount) }' }],
    });
    // The trigger must consume before anything is sent (Kafka's group reads from the beginning anyway).
    await waitUntil(`the ${s.connector} trigger to run`, async () => {
      const res = await api.get(`/api/v1/flows/${flow.id}/trigger`).expect(200);
      if (res.body.error) throw new Error(`the ${s.connector} trigger did not start: ${res.body.error}`);
      return res.body.running === true;
    }, 30_000);

    const sequence = orderSequence(s.connector);
    expect(sequence).toHaveLength(23);
    const sendStartedAt = Date.now();
    const sent = await s.send(sequence);
    expect(new Set(sent.map((m) => m.messageId)).size).toBe(23);
    const sentById = new Map(sent.map((m) => [m.messageId, m]));

    // Every message recorded (20 in runs, 3 duplicates) and every run ended.
    const resync = await waitUntil(
      '20 messages in succeeded runs and 3 duplicates',
      async () => {
        const res = await api.get(`/api/v1/flows/${flow.id}/resync`).expect(200);
        const { succeeded, failed, unprocessed, skipped } = res.body.counts as Record<string, number>;
        if (failed > 0) throw new Error(`messages failed: ${JSON.stringify(res.body.messages.failed)}`);
        return succeeded + skipped >= 23 && unprocessed === 0 ? res.body : undefined;
      },
      60_000,
      200,
    );
    expect(resync.counts).toEqual({ succeeded: 20, failed: 0, unprocessed: 0, skipped: 3 });

    const runs = (await api.get(`/api/v1/runs?flowId=${flow.id}&limit=100`).expect(200)).body.items as Array<{ id: string; status: string; messageCount: number; createdAt: string }>;
    expect(runs.every((r) => r.status === 'succeeded')).toBe(true);
    expect(runs.reduce((n, r) => n + r.messageCount, 0)).toBe(20);
    for (const run of runs) {
      expect(run.messageCount).toBeGreaterThanOrEqual(1);
      expect(run.messageCount).toBeLessThanOrEqual(BATCH_SIZE);
    }
    expect(runs.length).toBeGreaterThanOrEqual(Math.ceil(20 / BATCH_SIZE));
    // Batches seal when full or when the batch wait passes (the trigger is still running, so no
    // stop seals one). Whatever the interleaving, 23 messages with 3 repeats cannot all fall in
    // full batches or in batches of repeats only, so some batch holding a new order was sealed by
    // the wait: its run has fewer than 6 messages and was recorded no sooner than the batch wait
    // after sending began (50 ms for clock rounding; load only adds delay). A full batch holding a
    // repeat also gives a run of fewer than 6, hence "some".
    const partial = runs.filter((r) => r.messageCount < BATCH_SIZE);
    expect(partial.map((r) => Date.parse(r.createdAt) - sendStartedAt).some((ms) => ms >= BATCH_WAIT_MS - 50)).toBe(true);

    // Each of the 20 orders exactly once, labelled with its External ID, with the step's output.
    const details: RunDetail[] = await Promise.all(runs.map(async (r) => (await api.get(`/api/v1/runs/${r.id}`).expect(200)).body as RunDetail));
    const recorded = details.flatMap((d) => d.messages as RecordedMessage[]);
    expect(recorded.map((m) => m.externalId).sort()).toEqual(sequence.filter((o) => !o.repeat).map((o) => o.orderId).sort());
    for (const run of details) {
      expect(run.messages).toHaveLength(run.messageCount);
      expect(run.trigger).toMatchObject({ type: 'stream', connector: s.connector, version, trigger: s.trigger, driver: s.driver });
      for (const message of run.messages as RecordedMessage[]) {
        const source = sentById.get(message.messageId);
        expect(source).toBeDefined();
        expect(message.status).toBe('accepted');
        expect(message.externalId).toBe(source!.order.orderId);
        expect(message.payload).toMatchObject({ orderId: source!.order.orderId, amount: source!.order.amount });
        expect(message.labels).toEqual(s.labels(source!));
      }
      expect(run.steps).toEqual([
        expect.objectContaining({
          order: 1,
          name: 'summary',
          type: 'map',
          status: 'succeeded',
          error: null,
          output: { orderIds: run.messages.map((m) => m.externalId), total: run.messages.reduce((n, m) => n + (m.payload as Order).amount, 0) },
        }),
      ]);
    }

    // The 3 repeats: duplicates of their External ID that started no run. On SQS either copy may
    // arrive first (a standard queue does not keep order), so the check is on the broker message ids.
    const duplicates = resync.messages.skipped as Array<{ externalId: string; messageId: string; runId: string | null; runStatus: string | null; reason: string }>;
    expect(duplicates.map((d) => d.externalId).sort()).toEqual([`${s.connector}-15`, `${s.connector}-3`, `${s.connector}-7`]);
    const recordedIds = new Set(recorded.map((m) => m.messageId));
    for (const dup of duplicates) {
      expect(dup).toMatchObject({ reason: 'duplicate', runId: null, runStatus: null });
      expect(sentById.get(dup.messageId)?.order.orderId).toBe(dup.externalId);
      expect(recordedIds.has(dup.messageId)).toBe(false);
      const search = await api.get(`/api/v1/runs?flowId=${flow.id}&externalId=${encodeURIComponent(dup.externalId)}`).expect(200);
      expect(search.body.items).toHaveLength(1);
    }
    expect(new Set([...recordedIds, ...duplicates.map((d) => d.messageId)])).toEqual(new Set(sentById.keys()));

    // Nothing left unacknowledged at the source, before and after the flow stops consuming.
    await s.expectNothingLeft('running');
    await api.post(`/api/v1/flows/${flow.id}/deactivate`).expect(200);
    await waitUntil('the trigger to stop', async () => (await api.get(`/api/v1/flows/${flow.id}/trigger`).expect(200)).body.running === false);
    await s.expectNothingLeft('stopped');
    // Nothing started after the fact: still the same runs.
    expect((await api.get(`/api/v1/runs?flowId=${flow.id}&limit=100`).expect(200)).body.items).toHaveLength(runs.length);
  }

  describe('Amazon SQS "listen-queue" (fauxqs)', () => {
    let server: FauxqsServer;
    let fixture: SqsQueueFixture;
    let client: SQSClient;
    beforeAll(async () => {
      server = await startFauxqs();
      // A standard queue whose redrive policy names the dead-letter queue the driver needs.
      fixture = await SqsQueueFixture.create(server.endpoint);
      client = SqsQueueFixture.client(server.endpoint);
    });
    afterAll(async () => {
      client?.destroy();
      await fixture?.cleanup();
      await server?.stop();
    });

    it('records 20 messages once in runs of at most 6, 3 duplicates, all deleted from the queue', async () => {
      const attributes = async () =>
        (await client.send(new GetQueueAttributesCommand({ QueueUrl: fixture.queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }))).Attributes ?? {};
      await runScenario({
        connector: 'amazon-sqs',
        trigger: 'listen-queue',
        driver: 'sqs',
        account: { accessKeyId: 'test', secretAccessKey: 'test', region: 'us-east-1', endpoint: server.endpoint },
        props: { queueUrl: fixture.queueUrl, waitTimeSeconds: 1, visibilityTimeoutSeconds: 30 },
        send: async (orders) => {
          const sent: Sent[] = [];
          for (let i = 0; i < orders.length; i += 10) {
            const chunk = orders.slice(i, i + 10);
            const result = await client.send(new SendMessageBatchCommand({ QueueUrl: fixture.queueUrl, Entries: chunk.map((order, j) => ({ Id: String(j), MessageBody: JSON.stringify(order) })) }));
            if (result.Failed?.length) throw new Error(`SendMessageBatch failed: ${JSON.stringify(result.Failed)}`);
            for (const ok of result.Successful ?? []) sent.push({ messageId: ok.MessageId!, order: chunk[Number(ok.Id)] });
          }
          return sent;
        },
        labels: () => ({ queue: fixture.queueUrl.split('/').pop()! }),
        expectNothingLeft: async () => {
          const left = await waitUntil('the queue to hold no message, visible or in flight', async () => {
            const a = await attributes();
            return a.ApproximateNumberOfMessages === '0' && a.ApproximateNumberOfMessagesNotVisible === '0' ? a : undefined;
          });
          expect(left).toMatchObject({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' });
          expect(await fixture.takeDeadLetters()).toEqual([]);
        },
      });
    });
  });

  describe('RabbitMQ "listen-queue" (the machine\'s broker)', () => {
    let fixture: AmqpQueueFixture;
    let connection: amqp.ChannelModel;
    let channel: amqp.ConfirmChannel;
    beforeAll(async () => {
      fixture = await AmqpQueueFixture.create();
      connection = await amqp.connect(AMQP_URL);
      channel = await connection.createConfirmChannel();
    });
    afterAll(async () => {
      await connection?.close().catch(() => undefined);
      await fixture?.cleanup();
    });

    it('records 20 messages once in runs of at most 6, 3 duplicates, all acked', async () => {
      const queue = fixture.queue;
      await runScenario({
        connector: 'rabbitmq',
        trigger: 'listen-queue',
        driver: 'amqp',
        account: { host: '127.0.0.1', port: 5672, username: 'guest', password: 'guest' },
        props: { queue, declareQueue: true },
        send: async (orders) => {
          const sent = orders.map((order, i) => ({ messageId: `${queue}-${i + 1}`, order }));
          for (const m of sent) channel.sendToQueue(queue, Buffer.from(JSON.stringify(m.order)), { contentType: 'application/json', persistent: true, messageId: m.messageId });
          await channel.waitForConfirms();
          return sent;
        },
        // Sent through the default exchange, so the routing key is the queue's name.
        labels: () => ({ queue, routingKey: queue }),
        expectNothingLeft: async (trigger) => {
          // rabbitmqctl is the only way to see unacked counts without the management plugin.
          const counts = await waitUntil('no message ready or unacked', async () => {
            const c = await fixture.counts();
            return c.waiting === 0 && c.unacked === 0 ? c : undefined;
          });
          expect(counts).toEqual({ waiting: 0, unacked: 0 });
          // Once the consumer is gone, an unacked message would be back in the queue.
          const state = await channel.checkQueue(queue);
          expect(state).toMatchObject({ messageCount: 0, consumerCount: trigger === 'stopped' ? 0 : 1 });
          expect((await channel.checkQueue(`${queue}.dlq`)).messageCount).toBe(0);
        },
      });
    });
  });

  describe('Kafka "consume-topic" (the wire-protocol test broker)', () => {
    let broker: TestBroker;
    let producer: Producer;
    let admin: Admin;
    beforeAll(async () => {
      broker = await startTestBroker({ host: '127.0.0.1', autoCreateTopics: false });
      const kafka = new Kafka({ clientId: 'builtin-stream-connectors-spec', brokers: broker.brokers, logLevel: logLevel.NOTHING, retry: { retries: 3, initialRetryTime: 100 } });
      producer = kafka.producer({ allowAutoTopicCreation: false });
      admin = kafka.admin();
      await Promise.all([producer.connect(), admin.connect()]);
    });
    afterAll(async () => {
      await producer?.disconnect();
      await admin?.disconnect();
      await broker?.close();
    });

    it('records 20 messages once in runs of at most 6, 3 duplicates, offsets committed to the end', async () => {
      const topic = `orders-${randomBytes(4).toString('hex')}`;
      const groupId = `flowport-flow-${randomBytes(4).toString('hex')}`;
      broker.createTopic(topic, 3);
      await runScenario({
        connector: 'kafka',
        trigger: 'consume-topic',
        driver: 'kafka',
        account: { brokers: broker.brokers.join(','), authentication: 'none' },
        props: { topics: topic, consumerGroup: groupId, fromBeginning: true },
        send: async (orders) => {
          // Keyed by order id: a repeat lands on its original's partition, after it.
          await producer.send({ topic, acks: -1, messages: orders.map((o) => ({ key: o.orderId, value: JSON.stringify(o) })) });
          // The broker's ids for them: topic/partition/offset, as the driver names messages.
          return broker.messages(topic).map((r) => ({ messageId: `${topic}/${r.partition}/${r.offset}`, order: JSON.parse(r.value!.toString('utf8')) as Order }));
        },
        labels: (m) => {
          const [, partition, offset] = m.messageId.split('/');
          return { topic, partition, offset, key: m.order.orderId };
        },
        expectNothingLeft: async (trigger) => {
          const offsets = await waitUntil('the group\'s committed offsets to reach the end of every partition', async () => {
            const [ends, [committed]] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
            const end = Object.fromEntries(ends.map((p) => [p.partition, p.high]));
            const done = Object.fromEntries(committed.partitions.map((p) => [p.partition, p.offset]));
            return JSON.stringify(end) === JSON.stringify(done) ? { end, done } : undefined;
          });
          expect(offsets.done).toEqual(offsets.end);
          expect(Object.values(offsets.end).reduce((n, o) => n + Number(o), 0)).toBe(23);
          expect(broker.topics()).not.toContain(`${topic}.dlq`);
          // The stopped flow's consumer left its group (the committed offsets stay).
          expect(broker.group(groupId).state).toBe(trigger === 'stopped' ? 'Empty' : 'Stable');
        },
      });
    });
  });
});

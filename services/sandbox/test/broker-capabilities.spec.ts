import type { AmqpPublishRequest, KafkaProduceRequest } from '@flowport/connector-sdk';
import { SandboxPool, type AmqpCapability, type HostCallInfo, type KafkaCapability, type SqlCapability } from '../src';
import { bundleOf } from './bundles';

// The sandbox half of ctx.amqp / ctx.kafka: what guest code sees, the argument checks and the
// bridge. The host halves (real RabbitMQ and the Kafka test broker) are tested in
// services/runtime and connectors/{rabbitmq,kafka}.
const connector = bundleOf({
  members: `async (input, ctx) => ({ sql: typeof ctx.sql, amqp: typeof ctx.amqp, kafka: typeof ctx.kafka, frozen: ctx.amqp ? Object.isFrozen(ctx.amqp) : null })`,
  publish: `async (input, ctx) => ctx.amqp.publish(input)`,
  produce: `async (input, ctx) => ctx.kafka.produce(input)`,
  publishError: `async (input, ctx) => {
    try { await ctx.amqp.publish(input); return 'published'; }
    catch (e) { return { name: e.name, message: e.message }; }
  }`,
  produceError: `async (input, ctx) => {
    try { await ctx.kafka.produce(input); return 'produced'; }
    catch (e) { return { name: e.name, message: e.message }; }
  }`,
});

/** Records what reached the host and answers like the runtime's capability does. */
class RecordingAmqp implements AmqpCapability {
  readonly calls: Array<{ request: AmqpPublishRequest; call: HostCallInfo }> = [];
  async publish(request: AmqpPublishRequest, call: HostCallInfo) {
    this.calls.push({ request, call });
    if (request.exchange === 'missing') {
      const error = new Error('RabbitMQ refused the message: NOT_FOUND - no exchange "missing"');
      error.name = 'AmqpPublishError';
      throw error;
    }
    return { confirmed: true as const, exchange: request.exchange ?? '', routingKey: request.routingKey ?? request.queue ?? '', messageId: request.properties?.messageId ?? null };
  }
}

class RecordingKafka implements KafkaCapability {
  readonly calls: Array<{ request: KafkaProduceRequest; call: HostCallInfo }> = [];
  async produce(request: KafkaProduceRequest, call: HostCallInfo) {
    this.calls.push({ request, call });
    return {
      topic: request.topic,
      partitions: [{ partition: 0, baseOffset: '7', count: request.messages.length }],
      messages: request.messages.map((_, i) => ({ partition: 0, offset: String(7 + i) })),
    };
  }
}

describe('SandboxPool broker capabilities (ctx.amqp, ctx.kafka)', () => {
  let pool: SandboxPool;
  beforeAll(() => {
    pool = new SandboxPool({ timeoutMs: 5000, memoryLimitMb: 64 });
  });
  afterAll(() => pool.close());

  const run = (target: string, input: unknown, capabilities = {}) => pool.call({ bundle: connector, op: 'action.run', target, input, capabilities });

  it('offers ctx.amqp and ctx.kafka only to calls granted them, each on its own', async () => {
    const sql: SqlCapability = { query: async () => ({ rows: [], rowCount: 0 }) };
    expect(await run('members', {})).toMatchObject({ ok: true, output: { sql: 'undefined', amqp: 'undefined', kafka: 'undefined', frozen: null } });
    expect(await run('members', {}, { sql })).toMatchObject({ ok: true, output: { sql: 'object', amqp: 'undefined', kafka: 'undefined' } });
    expect(await run('members', {}, { amqp: new RecordingAmqp() })).toMatchObject({ ok: true, output: { sql: 'undefined', amqp: 'object', kafka: 'undefined', frozen: true } });
    expect(await run('members', {}, { kafka: new RecordingKafka() })).toMatchObject({ ok: true, output: { amqp: 'undefined', kafka: 'object' } });
    // A warm isolate granted amqp before keeps nothing of it for the next call.
    expect(await run('members', {})).toMatchObject({ ok: true, output: { amqp: 'undefined', kafka: 'undefined' } });
  });

  it('hands a checked copy of the publish request and the call deadline to the host, and the answer back', async () => {
    const amqp = new RecordingAmqp();
    const before = Date.now();
    const request = {
      url: 'amqp://guest:guest@mq.example.com:5672/%2F',
      exchange: 'orders',
      routingKey: 'orders.created',
      content: { orderId: 'A-1' },
      properties: { headers: { source: 'shop', attempt: 2, replay: false }, messageId: 'm-1', persistent: true, priority: 5, expiration: 60000 },
    };
    const result = await run('publish', request, { amqp });
    expect(result).toMatchObject({ ok: true, output: { confirmed: true, exchange: 'orders', routingKey: 'orders.created', messageId: 'm-1' } });
    expect(amqp.calls).toHaveLength(1);
    expect(amqp.calls[0].request).toEqual(request);
    expect(amqp.calls[0].call.deadline).toBeGreaterThanOrEqual(before + 5000);
    expect(amqp.calls[0].call.deadline).toBeLessThanOrEqual(Date.now() + 5000);
  });

  it('refuses malformed publish requests before the host sees them, naming the field', async () => {
    const amqp = new RecordingAmqp();
    const url = 'amqp://mq.example.com';
    const cases: Array<[unknown, string]> = [
      [null, 'amqp.publish(request): request must be an object'],
      [{ url, content: 'x' }, 'needs exchange (and routingKey) to publish to an exchange, or queue to send to a queue'],
      [{ url, exchange: 'x', queue: 'q', content: 'x' }, 'has both exchange and queue'],
      [{ url, exchange: 'x', routingkey: 'k', content: 'x' }, 'request.routingkey is not a known field; use url, exchange, routingKey'],
      [{ url, queue: 'q' }, 'request.content is required: the message, as text or as JSON'],
      [{ exchange: 'x', content: 'x' }, 'request.url is required'],
      [{ url, exchange: 'x', content: 'x', assertQueue: true }, 'request.assertQueue is only used with queue'],
      [{ url, queue: 'q', content: 'x', properties: { headers: { nested: { a: 1 } } } }, 'request.properties.headers.nested must be text, a number or true/false (got an object)'],
      [{ url, queue: 'q', content: 'x', properties: { priority: 300 } }, 'request.properties.priority must be a whole number from 0 to 255 (got number 300)'],
      [{ url, queue: 'q', content: 'x', properties: { persistent: 'yes' } }, 'request.properties.persistent must be true or false'],
    ];
    for (const [request, message] of cases) {
      const result = await run('publishError', request, { amqp });
      expect(result).toMatchObject({ ok: true, output: { name: 'TypeError', message: expect.stringContaining(message) } });
    }
    expect(amqp.calls).toEqual([]);
  });

  it('passes a host failure back as its name and message only', async () => {
    const result = await run('publishError', { url: 'amqp://mq.example.com', exchange: 'missing', content: 'x' }, { amqp: new RecordingAmqp() });
    expect(result).toMatchObject({ ok: true, output: { name: 'AmqpPublishError', message: 'RabbitMQ refused the message: NOT_FOUND - no exchange "missing"' } });
  });

  it('bridges kafka.produce with a checked copy, and refuses malformed messages naming the index and field', async () => {
    const kafka = new RecordingKafka();
    const request = {
      brokers: ['kafka-1:9092'],
      clientId: 'shop',
      sasl: { mechanism: 'scram-sha-256', username: 'svc', password: 's3cret' },
      topic: 'orders',
      messages: [{ key: 'customer-7', value: { orderId: 'A-1' }, headers: { source: 'shop' }, partition: 2 }, { key: null, value: 'plain text' }],
      compression: 'gzip',
    };
    expect(await run('produce', request, { kafka })).toMatchObject({
      ok: true,
      output: { topic: 'orders', partitions: [{ partition: 0, baseOffset: '7', count: 2 }], messages: [{ partition: 0, offset: '7' }, { partition: 0, offset: '8' }] },
    });
    expect(kafka.calls[0].request).toEqual(request);

    const base = { brokers: ['kafka-1:9092'], topic: 'orders' };
    const cases: Array<[unknown, string]> = [
      [{ ...base, messages: [] }, 'request.messages must be a non-empty list'],
      [{ ...base, brokers: 'kafka-1:9092', messages: [{ value: 1 }] }, 'request.brokers must be a non-empty list of host:port texts'],
      [{ ...base, messages: [{ value: 1 }, { key: 'k' }] }, 'request.messages[1].value is required'],
      [{ ...base, messages: [{ value: 1, headers: { n: 1 } }] }, 'request.messages[0].headers.n must be text (got number 1)'],
      [{ ...base, messages: [{ value: 1, partition: -1 }] }, 'request.messages[0].partition must be a whole number from 0'],
      [{ ...base, messages: [{ value: 1 }], compression: 'snappy' }, 'request.compression must be "none" or "gzip"'],
      [{ ...base, messages: [{ value: 1 }], sasl: { mechanism: 'oauth', username: 'u', password: 'p' } }, 'request.sasl.mechanism must be plain, scram-sha-256, scram-sha-512'],
      [{ ...base, messages: Array.from({ length: 1001 }, () => ({ value: 1 })) }, 'holds 1001 messages; at most 1000 per call'],
    ];
    for (const [bad, message] of cases) {
      const result = await run('produceError', bad, { kafka });
      expect(result).toMatchObject({ ok: true, output: { name: 'TypeError', message: expect.stringContaining(message) } });
    }
    expect(kafka.calls).toHaveLength(1);
  });
});

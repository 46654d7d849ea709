import { AmqpDriver, createDefaultDriverRegistry, ExternalIdExpression, SqsDriver, StreamDriverConfigError, type StreamMessage } from '../src/delivery';

jest.setTimeout(30_000);

const message: StreamMessage = {
  id: 'broker-1',
  body: { orderId: 'A-1' },
  headers: { tenant: 'acme' },
  attributes: { MessageGroupId: 'g1' },
  receivedAt: new Date().toISOString(),
};

describe('driver config validation', () => {
  it('names each bad field of an amqp config and the fix', async () => {
    const error = await new AmqpDriver().start({ url: 'http://x', batchSize: 0 }, async () => undefined).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamDriverConfigError);
    expect((error as StreamDriverConfigError).issues).toEqual([
      { path: 'batchSize', message: 'Batch Size must be between 1 and 1000 (got 0)' },
      { path: 'url', message: 'url must start with amqp:// or amqps:// (got http://x)' },
      { path: 'queue', message: 'queue is required: the name of the queue to consume from' },
    ]);
  });

  it('hides the password of a bad url and refuses a non-object config', async () => {
    await expect(new AmqpDriver().start({ url: 'amqpx://me:secret@host', queue: 'q', batchSize: 1 }, async () => undefined)).rejects.toThrow(
      'url must start with amqp:// or amqps:// (got amqpx://me:***@host)',
    );
    await expect(new SqsDriver().start(null, async () => undefined)).rejects.toThrow('sqs driver config is invalid: config must be an object (got null)');
  });

  it('checks sqs limits', async () => {
    await expect(new SqsDriver().start({ queueUrl: 'not a url', batchSize: 1001, waitTimeSeconds: 21 }, async () => undefined)).rejects.toThrow(
      'sqs driver config is invalid: batchSize: Batch Size must be between 1 and 1000 (got 1001); queueUrl: queueUrl must be a URL (got "not a url"); waitTimeSeconds: waitTimeSeconds must be between 0 and 20 (got 21)',
    );
  });

  it('fails start with the broker address when RabbitMQ cannot be reached', async () => {
    await expect(
      new AmqpDriver().start({ url: 'amqp://guest:guest@127.0.0.1:1', queue: 'q', batchSize: 1, reconnect: { initialMaxRetries: 0 } }, async () => undefined),
    ).rejects.toThrow(/Could not connect to RabbitMQ at amqp:\/\/guest:\*\*\*@127.0.0.1:1 for queue "q"/);
  });
});

describe('StreamDriverRegistry', () => {
  it('creates a fresh driver per name and lists the known ones on a typo', () => {
    const registry = createDefaultDriverRegistry();
    expect(registry.names()).toEqual(expect.arrayContaining(['amqp', 'sqs']));
    const a = registry.create('amqp');
    expect(a).toBeInstanceOf(AmqpDriver);
    expect(registry.create('amqp')).not.toBe(a);
    expect(() => registry.create('kafak')).toThrow(/^Unknown stream driver "kafak": the trigger must declare one of "amqp", .*"sqs"/);
    expect(() => registry.register('sqs', () => new SqsDriver())).toThrow('Stream driver "sqs" is already registered');
  });
});

describe('ExternalIdExpression', () => {
  it('evaluates JSONata over payload, headers, attributes and id', async () => {
    expect(await new ExternalIdExpression('payload.orderId').evaluate(message, { orderId: 'B-2' })).toBe('B-2');
    expect(await new ExternalIdExpression('headers.tenant & ":" & attributes.MessageGroupId & ":" & id').evaluate(message, {})).toBe('acme:g1:broker-1');
    expect(await new ExternalIdExpression('payload.n').evaluate(message, { n: 42 })).toBe('42');
  });

  it('uses the broker message id when the expression is empty', async () => {
    expect(await new ExternalIdExpression('  ').evaluate(message, { orderId: 'x' })).toBe('broker-1');
  });

  it('fails for a message whose expression gives nothing or an empty string', async () => {
    await expect(new ExternalIdExpression('payload.missing').evaluate(message, {})).rejects.toThrow(
      'External ID expression "payload.missing" gave nothing for message broker-1; it must give a non-empty string or a number.',
    );
    await expect(new ExternalIdExpression('payload.s').evaluate(message, { s: '' })).rejects.toThrow('gave ""');
    await expect(new ExternalIdExpression('payload.o').evaluate(message, { o: { a: 1 } })).rejects.toThrow('gave {"a":1}');
  });

  it('rejects an expression that does not parse, with where', () => {
    expect(() => new ExternalIdExpression('payload.(')).toThrow(/External ID expression "payload.\(" is invalid: .*\(at character \d+\)/);
  });
});

describe('ExternalIdExpression plain paths', () => {
  it('answers exactly like JSONata for arrays, numbers and misses along a plain path', async () => {
    const expression = new ExternalIdExpression('payload.items.sku');
    expect(await expression.evaluate(message, { items: [{ sku: 'a' }] })).toBe('a');
    await expect(expression.evaluate(message, { items: [{ sku: 'a' }, { sku: 'b' }] })).rejects.toThrow('gave ["a","b"]');
    expect(await new ExternalIdExpression('payload.`order id`').evaluate(message, { 'order id': 0 })).toBe('0');
    await expect(new ExternalIdExpression('payload.a.b').evaluate(message, { a: 'text' })).rejects.toThrow('gave nothing');
  });
});

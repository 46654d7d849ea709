// The connector's own ops (trigger.config, trigger.map, account.validate) through its invoke
// entry. The end-to-end path (bundle built by the CLI, ops in the real sandbox, the runtime's
// kafka driver against the wire-protocol test broker in testing/, runs in PostgreSQL) is
// services/runtime/test/kafka-connector.spec.ts.
import { createLocalContext, type JsonValue } from '@flowport/connector-sdk';
import connector from '../src/index';

const ctx = createLocalContext();
const account = { brokers: 'kafka-1:9092, kafka-2:9092', authentication: 'none' };
type Json = Record<string, JsonValue>;
const config = (props: Json, acct: Json = account) =>
  connector.invoke({ op: 'trigger.config', target: 'consume-topic', input: { props, account: acct } }, ctx);

describe('kafka connector: Consume Topic', () => {
  it('declares a stream trigger on the kafka driver with the standard Batch Size and External ID', () => {
    const trigger = connector.manifest.triggers.find((t) => t.name === 'consume-topic');
    expect(trigger).toMatchObject({ kind: 'stream', displayName: 'Consume Topic', stream: { driver: 'kafka', map: true } });
    expect(Object.keys((trigger!.props as { properties: object }).properties)).toEqual(
      expect.arrayContaining(['topics', 'consumerGroup', 'fromBeginning', 'batchSize', 'externalId']),
    );
    expect(connector.manifest.actions.map((a) => a.name)).toEqual(['produce-messages']);
    expect(connector.manifest.accounts[0]).toMatchObject({ name: 'kafka', secretFields: ['password'] });
  });

  it('maps props and account to the driver settings', async () => {
    await expect(config({ topics: 'orders', consumerGroup: 'flow-1' })).resolves.toEqual({
      brokers: ['kafka-1:9092', 'kafka-2:9092'],
      topic: 'orders',
      topics: ['orders'],
      groupId: 'flow-1',
      clientId: 'flowport',
      ssl: false,
      fromBeginning: false,
    });
    await expect(
      config(
        { topics: 'orders, refunds,orders', consumerGroup: ' flow-2 ', fromBeginning: true },
        { brokers: 'b:9093', clientId: 'acme', authentication: 'scram-sha-512', username: 'svc', password: 's3cret', tls: true },
      ),
    ).resolves.toEqual({
      brokers: ['b:9093'],
      topic: 'orders',
      topics: ['orders', 'refunds'],
      groupId: 'flow-2',
      clientId: 'acme',
      ssl: true,
      sasl: { mechanism: 'scram-sha-512', username: 'svc', password: 's3cret' },
      fromBeginning: true,
    });
  });

  it('refuses settings the driver could not use, naming the field and the fix', async () => {
    await expect(config({ topics: 'orders,bad!', consumerGroup: 'g' })).rejects.toThrow('Topic "bad!" is not a Kafka topic name');
    await expect(config({ topics: 'orders', consumerGroup: '  ' })).rejects.toThrow('Consumer Group must not be empty');
    await expect(config({ topics: 'orders', consumerGroup: 'g' }, { brokers: 'kafka-1', authentication: 'plain', username: 'u' })).rejects.toThrow(
      'The Kafka account is incomplete: Broker "kafka-1" must be host:port, e.g. kafka-1:9092; Password is required with SASL PLAIN',
    );
    await expect(config({ consumerGroup: 'g' })).rejects.toThrow(/Topics \(topics\) is required/);
  });

  it('validates the account settings without a connection', async () => {
    const validate = (acct: Json) => connector.invoke({ op: 'account.validate', target: 'kafka', input: { account: acct } }, ctx);
    await expect(validate(account)).resolves.toEqual({ ok: true });
    await expect(validate({ brokers: ' , ', authentication: 'scram-sha-256', password: 'p' })).rejects.toThrow(
      /Brokers must name at least one host:port.*Username is required with SASL SCRAM-SHA-256/,
    );
  });

  it('maps a message to its JSON (or text) payload labelled with topic, partition, offset and key', async () => {
    const map = (message: Json) =>
      connector.invoke({ op: 'trigger.map', target: 'consume-topic', input: { props: { topics: 'orders', consumerGroup: 'g' }, account, message } }, ctx);
    const base = { id: 'orders/2/41', headers: {}, receivedAt: '2026-01-01T00:00:00.000Z' };
    await expect(map({ ...base, body: { orderId: 'o-1' }, attributes: { topic: 'orders', partition: 2, offset: '41', key: 'customer-7' } })).resolves.toEqual({
      payload: { orderId: 'o-1' },
      labels: { topic: 'orders', partition: '2', offset: '41', key: 'customer-7' },
    });
    await expect(map({ ...base, body: ' {"orderId":"o-2"}', attributes: { topic: 'orders', partition: 0, offset: '1', key: null } })).resolves.toEqual({
      payload: { orderId: 'o-2' },
      labels: { topic: 'orders', partition: '0', offset: '1' },
    });
    await expect(map({ ...base, body: 'hello', attributes: { topic: 'orders', partition: 0, offset: '2', key: null } })).resolves.toMatchObject({ payload: 'hello' });
  });
});

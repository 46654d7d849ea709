import { defineAction, Property, type GuestContext, type JsonValue, type KafkaProduceMessage } from '@flowport/connector-sdk';
import { kafkaAccount } from '../account';
import { connectionSettings } from '../common/connection';
import { TOPIC_NAME } from '../common/lists';

/** Messages one step may produce; the platform's own limit per call. */
const MAX_MESSAGES = 1000;

type Kafka = NonNullable<GuestContext['kafka']>;

/** ctx.kafka, or an error saying the platform did not grant it. */
function requireKafka(ctx: Pick<GuestContext, 'kafka'>): Kafka {
  if (!ctx.kafka) throw new Error('This call has no Kafka capability (ctx.kafka): the platform holds the Kafka producer for this connector; check that the runtime grants "kafka"');
  return ctx.kafka;
}

/**
 * Produces through the platform's host-held producer (`ctx.kafka`, kafkajs, acks = all): the
 * sandbox has no sockets. One message from Message/Key/Headers/Partition, or many from Messages.
 */
export const produceMessages = defineAction({
  name: 'produce-messages',
  displayName: 'Produce Message(s)',
  description: 'Writes one or more messages to a Kafka topic, with key, headers and partition, and waits until the cluster acknowledges them.',
  account: kafkaAccount,
  props: {
    topic: Property.ShortText({ displayName: 'Topic', description: 'An existing topic, e.g. orders', required: true }),
    value: Property.Json({ displayName: 'Message', description: 'One message: text is sent as is, objects and lists as JSON. Leave empty when Messages is used' }),
    key: Property.ShortText({ displayName: 'Key', description: 'Messages with the same key go to the same partition (in order); empty = no key' }),
    headers: Property.Json({
      displayName: 'Headers',
      description: 'e.g. { "source": "shop" }; numbers and true/false are sent as text',
      schema: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } },
    }),
    partition: Property.Number({ displayName: 'Partition', description: 'Empty = chosen by the key (or spread when there is none)', integer: true, min: 0 }),
    messages: Property.Json({
      displayName: 'Messages',
      description: `Several messages at once (at most ${MAX_MESSAGES}): [{ "key": "k1", "value": { ... }, "headers": { ... }, "partition": 0 }]`,
      schema: { type: 'array', items: { type: 'object', required: ['value'] } },
    }),
    compression: Property.StaticSelect({
      displayName: 'Compression',
      options: [
        { label: 'None', value: 'none' },
        { label: 'GZIP', value: 'gzip' },
      ],
      defaultValue: 'none',
    }),
  },
  sampleOutput: { topic: 'orders', partitions: [{ partition: 0, baseOffset: '41', count: 1 }], messages: [{ partition: 0, offset: '41' }] },
  async run(ctx) {
    const kafka = requireKafka(ctx);
    const topic = ctx.props.topic.trim();
    if (!TOPIC_NAME.test(topic)) throw new Error(`Topic "${ctx.props.topic}" is not a Kafka topic name: use 1-249 letters, digits, ".", "_" or "-"`);
    const single = ctx.props.value !== undefined && ctx.props.value !== null && ctx.props.value !== '';
    const many = ctx.props.messages !== undefined && ctx.props.messages !== null && ctx.props.messages !== '';
    if (single === many) {
      throw new Error(single ? 'Give Message (one message) or Messages (a list), not both' : 'Message or Messages is required: the value to write, or a list of messages');
    }
    let messages: KafkaProduceMessage[];
    if (single) {
      messages = [message({ value: ctx.props.value!, key: ctx.props.key, headers: ctx.props.headers, partition: ctx.props.partition }, 'Message')];
    } else {
      const list = ctx.props.messages;
      if (!Array.isArray(list) || list.length === 0) throw new Error('Messages must be a non-empty list like [{ "key": "k1", "value": { "orderId": "A-1" } }]');
      if (list.length > MAX_MESSAGES) throw new Error(`Messages holds ${list.length} messages; at most ${MAX_MESSAGES} per step, split them`);
      messages = list.map((item, i) => {
        if (item === null || typeof item !== 'object' || Array.isArray(item)) throw new Error(`Messages[${i}] must be an object like { "key": "k1", "value": { ... } }`);
        const { value, key, headers, partition, ...rest } = item as Record<string, JsonValue>;
        const unknown = Object.keys(rest);
        if (unknown.length > 0) throw new Error(`Messages[${i}].${unknown[0]} is not a message field; use key, value, headers, partition`);
        if (value === undefined) throw new Error(`Messages[${i}].value is required`);
        if (key !== undefined && key !== null && typeof key !== 'string' && typeof key !== 'number') throw new Error(`Messages[${i}].key must be text`);
        if (partition !== undefined && partition !== null && (typeof partition !== 'number' || !Number.isInteger(partition) || partition < 0)) {
          throw new Error(`Messages[${i}].partition must be a whole number from 0`);
        }
        return message({ value, key: key === null || key === undefined ? undefined : String(key), headers, partition: partition === null ? undefined : (partition as number | undefined) }, `Messages[${i}]`);
      });
    }
    return kafka.produce({ ...connectionSettings(ctx.account), topic, messages, compression: ctx.props.compression });
  },
});

function message(m: { value: JsonValue; key?: string; headers?: JsonValue; partition?: number }, where: string): KafkaProduceMessage {
  const out: KafkaProduceMessage = { value: m.value };
  if (m.key) out.key = m.key;
  if (m.headers !== undefined && m.headers !== null && m.headers !== '') {
    if (typeof m.headers !== 'object' || Array.isArray(m.headers)) throw new Error(`${where} headers must be an object like { "source": "shop" }`);
    const headers: Record<string, string> = {};
    for (const [name, v] of Object.entries(m.headers)) {
      if (typeof v === 'string') headers[name] = v;
      else if (typeof v === 'number' || typeof v === 'boolean') headers[name] = String(v);
      else throw new Error(`${where} header "${name}" must be text, a number or true/false`);
    }
    out.headers = headers;
  }
  if (m.partition !== undefined) out.partition = m.partition;
  return out;
}

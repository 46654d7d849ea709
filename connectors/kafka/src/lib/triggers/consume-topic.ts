import { defineTrigger, Property, type KafkaDriverConfig } from '@flowport/connector-sdk';
import { kafkaAccount } from '../account';
import { connectionSettings } from '../common/connection';
import { splitList, TOPIC_NAME } from '../common/lists';

/**
 * Starts a run for the messages of one or more topics. The runtime's `kafka` driver holds the
 * consumer (kafkajs, consumer group, offsets committed only after the run is recorded); this
 * file only maps the props and account to its settings and each message to a payload.
 */
export const consumeTopic = defineTrigger({
  kind: 'stream',
  name: 'consume-topic',
  displayName: 'Consume Topic',
  description: 'Starts the flow for messages arriving on Kafka topics, read in a consumer group.',
  account: kafkaAccount,
  driver: 'kafka',
  props: {
    topics: Property.ShortText({
      displayName: 'Topics',
      description: 'One topic, or several separated by commas, e.g. orders,refunds',
      required: true,
    }),
    consumerGroup: Property.ShortText({
      displayName: 'Consumer Group',
      description: 'The group whose committed offsets remember what this flow has read; use one group per flow',
      required: true,
    }),
    fromBeginning: Property.Boolean({
      displayName: 'From beginning on first start',
      description: 'When the group has no committed offset yet: read the oldest retained message (on) or only new messages (off)',
      defaultValue: false,
    }),
  },
  sampleData: { orderId: 'o-1001', total: 42.5, currency: 'EUR' },
  config(ctx): KafkaDriverConfig {
    const topics = splitList(ctx.props.topics);
    if (topics.length === 0) throw new Error('Topics must name at least one topic, e.g. orders or orders,refunds');
    const badTopic = topics.find((topic) => !TOPIC_NAME.test(topic));
    if (badTopic) throw new Error(`Topic "${badTopic}" is not a Kafka topic name: use 1-249 letters, digits, ".", "_" or "-"`);
    const group = ctx.props.consumerGroup.trim();
    if (!group) throw new Error('Consumer Group must not be empty: name the group that tracks what this flow has read');
    return {
      ...connectionSettings(ctx.account),
      topic: topics[0],
      topics,
      groupId: group,
      fromBeginning: ctx.props.fromBeginning,
    };
  },
  map(message) {
    const { topic, partition, offset, key } = message.attributes;
    const labels: Record<string, string> = { topic: String(topic), partition: String(partition), offset: String(offset) };
    if (typeof key === 'string') labels.key = key;
    return { payload: parseJson(message.body), labels };
  },
});

/** The driver parses JSON bodies already; this also covers a driver or replay that passes text. */
function parseJson(body: unknown): unknown {
  if (typeof body !== 'string') return body;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return body;
  }
}

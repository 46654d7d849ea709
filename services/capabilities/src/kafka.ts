/**
 * The host side of the sandbox's `kafka` capability (`ctx.kafka.produce(request)`) with kafkajs.
 * Connector code passes the connection settings it builds from its account (the same brokers,
 * clientId, ssl and sasl its `trigger.config` gives the `kafka` driver) and never sees a socket:
 * the runtime keeps one connected producer per broker set and credentials (a small LRU, idle ones
 * disconnected), writes with acks = all (-1), idempotence off, and answers with the partition and
 * offset of every message.
 *
 * Every broker connection, the bootstrap ones and those the cluster advertises, goes through
 * the network guard (a kafkajs `socketFactory`), so metadata cannot steer the producer to a
 * private address.
 */
import { createHash } from 'node:crypto';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { KafkaProduceRequest, KafkaProduceResult } from '@flowport/connector-sdk';
import type { HostCallInfo, KafkaCapability } from '@flowport/sandbox';
import {
  CompressionTypes,
  Kafka,
  logLevel,
  Partitioners,
  type ISocketFactory,
  type Message,
  type Producer,
  type RecordMetadata,
  type SASLOptions,
} from 'kafkajs';
import { NetworkGuard, NetworkGuardError, type NetworkGuardOptions } from './network-guard';
import { withDeadline } from './deadline';

export type KafkaCapabilityOptions = NetworkGuardOptions & {
  /** Longest a produce may take, connecting included; the connector call's deadline caps it too. Default 10 000 ms. */
  timeoutMs?: number;
  /** TCP connect timeout of each broker connection. Default 5000 ms. */
  connectTimeoutMs?: number;
  /** Largest message (key + value + headers). Default 1 000 000 bytes, under Kafka's default max.message.bytes. */
  maxMessageBytes?: number;
  /** Producers kept connected (one per broker set and credentials); the least recently used is disconnected beyond this. Default 20. */
  maxProducers?: number;
  /** A producer unused this long is disconnected. Default 60 000 ms. */
  idleTimeoutMs?: number;
  /** kafkajs retries of one produce (metadata refresh, leader moves). Default 2. */
  retries?: number;
};

/** A produce that failed: refused by the cluster, not acknowledged, or not possible with these settings. */
export class KafkaProduceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KafkaProduceError';
  }
}

type Settings = { brokers: string[]; clientId: string; ssl: boolean; sasl?: { mechanism: string; username: string; password: string } };

type Entry = {
  key: string;
  settings: Settings;
  producer: Producer;
  ready: Promise<void>;
  connected: boolean;
  /** The partition kafkajs's partitioner chose for each message object of this producer. */
  partitions: WeakMap<Message, number>;
  inFlight: number;
  lastUsed: number;
  retiring: boolean;
};

const GUARDED = { service: 'Kafka broker', fix: 'use the public address of the cluster' };
// Kafka's own rules: topic names (kafka.common.internals.Topic) and host:port bootstrap addresses.
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;
const BROKER_ADDRESS = /^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):(\d{1,5})$/;

/** The innermost kafkajs error (retries wrap the one that matters). */
function rootCause(error: unknown): Error & { type?: string; retriable?: boolean } {
  let current = error as Error & { cause?: unknown; originalError?: unknown; type?: string };
  for (let depth = 0; depth < 5; depth++) {
    const next = current?.cause ?? current?.originalError;
    if (!(next instanceof Error)) break;
    current = next as typeof current;
  }
  return current;
}

function splitBroker(broker: string): { host: string; port: number } {
  const match = BROKER_ADDRESS.exec(broker.trim());
  if (!match || Number(match[2]) < 1 || Number(match[2]) > 65535) {
    throw new KafkaProduceError(`Broker "${broker}" must be host:port, e.g. kafka-1:9092; fix Brokers in the account`);
  }
  return { host: match[1].replace(/^\[|\]$/g, ''), port: Number(match[2]) };
}

function encodeValue(value: KafkaProduceRequest['messages'][number]['value']): string {
  return typeof value === 'string' ? value : JSON.stringify(value === undefined ? null : value);
}

/** One per runtime process; pass it as `CallCapabilities.kafka` to calls granted `kafka`. */
export class KafkaCapabilities implements KafkaCapability {
  private readonly producers = new Map<string, Entry>();
  private readonly guard: NetworkGuard;
  private readonly timeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly maxMessageBytes: number;
  private readonly maxProducers: number;
  private readonly idleTimeoutMs: number;
  private readonly retries: number;
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;

  constructor(options: KafkaCapabilityOptions = {}) {
    this.guard = new NetworkGuard(options);
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 5000;
    this.maxMessageBytes = options.maxMessageBytes ?? 1_000_000;
    this.maxProducers = options.maxProducers ?? 20;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
    this.retries = options.retries ?? 2;
    this.sweeper = setInterval(() => this.disconnectIdle(), Math.min(this.idleTimeoutMs, 30_000));
    this.sweeper.unref();
  }

  /** Producers connected or connecting now (for tests and metrics). */
  get openProducers(): number {
    return this.producers.size;
  }

  async produce(request: KafkaProduceRequest, call: HostCallInfo): Promise<KafkaProduceResult> {
    if (this.closed) throw new KafkaProduceError('The Kafka capability is closed (the runtime is shutting down)');
    const settings = this.settings(request);
    const topic = request.topic.trim();
    if (!TOPIC_NAME.test(topic)) throw new KafkaProduceError(`Topic "${request.topic}" is not a Kafka topic name: use 1-249 letters, digits, ".", "_" or "-"`);
    const messages: Message[] = request.messages.map((m, i) => {
      const message: Message = { key: m.key ?? null, value: encodeValue(m.value) };
      if (m.headers) message.headers = { ...m.headers };
      if (m.partition !== undefined) message.partition = m.partition;
      let bytes = Buffer.byteLength(message.value as string) + (m.key ? Buffer.byteLength(m.key) : 0);
      for (const [name, value] of Object.entries(m.headers ?? {})) bytes += Buffer.byteLength(name) + Buffer.byteLength(value);
      if (bytes > this.maxMessageBytes) {
        throw new KafkaProduceError(`Message ${i + 1} is ${bytes} bytes, over the ${this.maxMessageBytes} byte limit; send less (store large payloads elsewhere and send a reference)`);
      }
      return message;
    });

    const deadline = Math.min(Date.now() + this.timeoutMs, call.deadline);
    const budget = Math.max(0, deadline - Date.now());
    const brokers = settings.brokers.join(',');
    const entry = await this.producerFor(settings);
    entry.inFlight++;
    entry.lastUsed = Date.now();
    try {
      const ready = entry.ready.catch((error: unknown) => {
        throw this.describe(error, topic, messages, brokers);
      });
      await withDeadline(ready, deadline, () => new KafkaProduceError(`Could not connect to the Kafka brokers ${brokers} within ${budget} ms; check Brokers and TLS in the account, and that the cluster is reachable`));
      const sent = withDeadline(
        entry.producer.send({
          topic,
          messages,
          acks: -1,
          timeout: Math.max(1, deadline - Date.now()),
          compression: request.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
        }),
        deadline,
        () => new KafkaProduceError(`Kafka did not acknowledge the messages to topic "${topic}" within ${budget} ms; they may or may not have been written. Check the cluster's health, or send fewer messages at once`),
      );
      let metadata: RecordMetadata[];
      try {
        metadata = await sent;
      } catch (error) {
        throw error instanceof KafkaProduceError ? error : this.describe(error, topic, messages, brokers);
      }
      return this.result(topic, messages, metadata, entry.partitions);
    } finally {
      entry.inFlight--;
      entry.lastUsed = Date.now();
      if (entry.retiring && entry.inFlight === 0) void this.disconnect(entry);
    }
  }

  /** Disconnects every producer; later produces fail. Also run by NestJS when its module is destroyed. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    const entries = [...this.producers.values()];
    this.producers.clear();
    await Promise.all(entries.map((entry) => this.disconnect(entry)));
  }

  async onModuleDestroy(): Promise<void> {
    await this.close();
  }

  private settings(request: KafkaProduceRequest): Settings {
    const brokers = request.brokers.map((b) => b.trim()).filter((b) => b.length > 0);
    if (brokers.length === 0) throw new KafkaProduceError('Brokers must name at least one host:port, e.g. kafka-1:9092; fix it in the account');
    for (const broker of brokers) splitBroker(broker);
    const settings: Settings = { brokers, clientId: request.clientId?.trim() || 'flowport', ssl: request.ssl ?? false };
    if (request.sasl) settings.sasl = { ...request.sasl };
    return settings;
  }

  private result(topic: string, messages: Message[], metadata: RecordMetadata[], chosen: WeakMap<Message, number>): KafkaProduceResult {
    const base = new Map<number, bigint>();
    for (const m of metadata) if (m.topicName === topic && m.baseOffset !== undefined) base.set(m.partition, BigInt(m.baseOffset));
    const next = new Map<number, bigint>();
    const counts = new Map<number, number>();
    const placed = messages.map((message) => {
      const partition = chosen.get(message) ?? message.partition ?? -1;
      const offset = next.get(partition) ?? base.get(partition);
      if (offset === undefined) throw new KafkaProduceError(`Kafka returned no offset for partition ${partition} of topic "${topic}"; its messages may not have been written, check the topic's partitions`);
      next.set(partition, offset + 1n);
      counts.set(partition, (counts.get(partition) ?? 0) + 1);
      return { partition, offset: offset.toString() };
    });
    const partitions = [...counts.keys()].sort((a, b) => a - b).map((partition) => ({ partition, baseOffset: base.get(partition)!.toString(), count: counts.get(partition)! }));
    return { topic, partitions, messages: placed };
  }

  /** A kafkajs failure in the words of the account and props. */
  private describe(error: unknown, topic: string, messages: Message[], brokers: string): KafkaProduceError {
    const root = rootCause(error);
    if (root instanceof KafkaProduceError) return root;
    if (root instanceof NetworkGuardError) return new KafkaProduceError(root.message);
    const type = root.type ?? '';
    const partitions = [...new Set(messages.map((m) => m.partition).filter((p): p is number => p !== undefined && p !== null))];
    switch (type) {
      case 'UNKNOWN_TOPIC_OR_PARTITION':
        return new KafkaProduceError(
          partitions.length > 0
            ? `Topic "${topic}" does not exist, or has no partition ${partitions.join(', ')}; create the topic, fix Topic, or leave Partition empty`
            : `Topic "${topic}" does not exist on the cluster; create it (topics are not created on first write) or fix Topic`,
        );
      case 'TOPIC_AUTHORIZATION_FAILED':
        return new KafkaProduceError(`The account may not write to topic "${topic}" (TOPIC_AUTHORIZATION_FAILED); grant it Write on the topic`);
      case 'MESSAGE_TOO_LARGE':
      case 'RECORD_LIST_TOO_LARGE':
        return new KafkaProduceError(`Kafka refused the messages to topic "${topic}" as too large (${type}); send smaller or fewer messages`);
      case 'UNSUPPORTED_COMPRESSION_TYPE':
        return new KafkaProduceError(`The Kafka cluster does not accept this compression (${type}); set Compression to none`);
      default:
        break;
    }
    // kafkajs keeps only the text of a socketFactory error: a broker the cluster's metadata advertised was refused.
    const refused = /Kafka broker ".*" is a private or internal address.*$/.exec(root.message);
    if (refused) return new KafkaProduceError(`The cluster advertises a broker connectors may not reach: ${refused[0]}`);
    if (root.name === 'KafkaJSSASLAuthenticationError') {
      return new KafkaProduceError(`Kafka refused the credentials: ${root.message}; check Authentication, Username and Password in the account`);
    }
    if (root.name === 'KafkaJSConnectionError' || root.name === 'KafkaJSConnectionClosedError' || /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|Connection timeout/i.test(root.message)) {
      return new KafkaProduceError(`Could not reach the Kafka brokers ${brokers}: ${root.message}. Check Brokers and TLS in the account, and that the cluster is reachable`);
    }
    if (/without metadata|does not host this topic/i.test(root.message)) {
      return new KafkaProduceError(`Topic "${topic}" does not exist on the cluster; create it (topics are not created on first write) or fix Topic`);
    }
    return new KafkaProduceError(`Kafka refused the messages to topic "${topic}": ${type ? `${type}: ` : ''}${root.message}`);
  }

  private async producerFor(settings: Settings): Promise<Entry> {
    const key = createHash('sha256').update(JSON.stringify(settings)).digest('hex');
    const known = this.producers.get(key);
    if (known) {
      // Most recently used last, so eviction takes the oldest.
      this.producers.delete(key);
      this.producers.set(key, known);
      return known;
    }
    // The bootstrap brokers are checked before kafkajs starts, so a refused address fails at
    // once instead of after kafkajs's connection retries.
    for (const broker of settings.brokers) {
      const { host } = splitBroker(broker);
      try {
        await this.guard.resolve(host, GUARDED);
      } catch (error) {
        throw error instanceof NetworkGuardError ? new KafkaProduceError(error.message) : error;
      }
    }
    const again = this.producers.get(key);
    if (again) return again;
    const entry = this.createProducer(key, settings);
    this.producers.set(key, entry);
    while (this.producers.size > this.maxProducers) {
      const [oldestKey, oldest] = this.producers.entries().next().value!;
      this.producers.delete(oldestKey);
      oldest.retiring = true;
      if (oldest.inFlight === 0) void this.disconnect(oldest);
    }
    return entry;
  }

  private createProducer(key: string, settings: Settings): Entry {
    const partitions = new WeakMap<Message, number>();
    const kafka = new Kafka({
      clientId: settings.clientId,
      brokers: settings.brokers,
      ssl: settings.ssl,
      sasl: settings.sasl as SASLOptions | undefined,
      connectionTimeout: this.connectTimeoutMs,
      // A broker that accepts and never answers must not hold a request (or disconnect) for kafkajs's default 30 s.
      requestTimeout: this.timeoutMs,
      retry: { retries: this.retries, initialRetryTime: 100, maxRetryTime: 1000 },
      socketFactory: this.socketFactory(),
      // Failures reach the connector as the produce's error; kafkajs's own log lines would only repeat them.
      logLevel: logLevel.NOTHING,
    });
    const producer = kafka.producer({
      idempotent: false,
      // A typo in a topic name must fail the step, not create a topic.
      allowAutoTopicCreation: false,
      // kafkajs's DefaultPartitioner (murmur2 of the key, as the Java client), wrapped to learn
      // which partition each message went to.
      createPartitioner: () => {
        const partitioner = Partitioners.DefaultPartitioner();
        return (args) => {
          const wanted = args.message.partition;
          // kafkajs would silently skip a message for a partition without a leader (one the topic lacks).
          if (wanted !== undefined && wanted !== null && !args.partitionMetadata.some((p) => p.partitionId === wanted)) {
            const ids = args.partitionMetadata.map((p) => p.partitionId).sort((a, b) => a - b);
            const error = new KafkaProduceError(
              `Topic "${args.topic}" has no partition ${wanted} (its partitions are ${ids.length > 0 ? `${ids[0]}-${ids[ids.length - 1]}` : 'unknown'}); leave Partition empty or use an existing one`,
            );
            Object.assign(error, { retriable: false });
            throw error;
          }
          const partition = partitioner(args);
          partitions.set(args.message, partition);
          return partition;
        };
      },
    });
    const entry: Entry = { key, settings, producer, ready: producer.connect(), connected: false, partitions, inFlight: 0, lastUsed: Date.now(), retiring: false };
    entry.ready.then(() => (entry.connected = true), () => {
      // A producer that never connected is dropped, so the next produce tries afresh.
      if (this.producers.get(key) === entry) this.producers.delete(key);
      void producer.disconnect().catch(() => undefined);
    });
    return entry;
  }

  private socketFactory(): ISocketFactory {
    const lookup = this.guard.lookupFor(GUARDED);
    return ({ host, port, ssl, onConnect }) => {
      const bare = host.replace(/^\[|\]$/g, '');
      // Node looks up names only; an advertised IP literal is checked here.
      if (isIP(bare)) this.guard.assertAddress(host, bare, GUARDED);
      const socket: Socket = ssl
        ? tlsConnect({ host: bare, port, lookup, ...(isIP(bare) ? {} : { servername: bare }), ...(typeof ssl === 'object' ? ssl : {}) }, onConnect)
        : netConnect({ host: bare, port, lookup }, onConnect);
      socket.setKeepAlive(true, 60_000);
      return socket;
    };
  }

  private async disconnect(entry: Entry): Promise<void> {
    entry.retiring = true;
    if (this.producers.get(entry.key) === entry) this.producers.delete(entry.key);
    if (entry.connected) {
      await entry.producer.disconnect().catch(() => undefined);
      return;
    }
    // A connect in progress is not waited for (a hung broker holds kafkajs's disconnect until its
    // request timeout): disconnecting ends it, and a connect that still completes is disconnected then.
    void entry.producer.disconnect().catch(() => undefined);
    void entry.ready.then(() => entry.producer.disconnect(), () => undefined).catch(() => undefined);
  }

  private disconnectIdle(): void {
    const cutoff = Date.now() - this.idleTimeoutMs;
    for (const entry of [...this.producers.values()]) {
      if (entry.inFlight === 0 && entry.lastUsed <= cutoff) void this.disconnect(entry);
    }
  }
}

// The host side of ctx.amqp / ctx.kafka on its own (what the connectors' tests do not reach):
// deadlines against a server that accepts TCP and never answers, the connection cache (reuse,
// LRU eviction, idle close, close on shutdown) against the machine's RabbitMQ and our Kafka
// wire-protocol TEST broker (connectors/kafka/testing; no Kafka broker is available as a
// package), and the network guard on broker addresses the cluster's metadata advertises.
import { randomBytes } from 'node:crypto';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import type { AmqpPublishRequest } from '@flowport/connector-sdk';
import * as amqp from 'amqplib';
import { startTestBroker, type TestBroker } from '../../../connectors/kafka/testing';
import { AmqpCapabilities, KafkaCapabilities, NetworkGuard } from '@flowport/capabilities';
import { AMQP_URL } from './support/brokers';

jest.setTimeout(30_000);

const later = (ms: number) => ({ deadline: Date.now() + ms });

/** A TCP server that accepts connections and never sends a byte (a hung broker). */
async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Forwards every connection on `host`:any-port to `target` (a second address of one broker). */
async function tcpProxy(host: string, target: { host: string; port: number }): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function eventually(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('AmqpCapabilities (RabbitMQ)', () => {
  let connection: amqp.ChannelModel;
  let channel: amqp.Channel;
  let queue: string;

  beforeAll(async () => {
    connection = await amqp.connect(AMQP_URL);
    channel = await connection.createChannel();
    queue = `flowport-cap-${randomBytes(4).toString('hex')}`;
    await channel.assertQueue(queue, { durable: false });
  });
  afterAll(async () => {
    await channel?.deleteQueue(queue).catch(() => undefined);
    await connection?.close().catch(() => undefined);
  });

  const send = (url: string, content: AmqpPublishRequest['content'] = 'x'): AmqpPublishRequest => ({ url, queue, content });

  it('gives up at its own timeout, or earlier at the connector call deadline, on a broker that never answers', async () => {
    const hung = await silentServer();
    const capability = new AmqpCapabilities({ allowPrivateNetwork: true, timeoutMs: 300, connectTimeoutMs: 10_000 });
    try {
      const url = `amqp://guest:guest@127.0.0.1:${hung.port}`;
      const started = Date.now();
      await expect(capability.publish(send(url), later(10_000))).rejects.toThrow(
        `Could not connect to RabbitMQ within 300 ms; check that RabbitMQ at amqp://127.0.0.1:${hung.port} is reachable and not blocked (memory or disk alarm)`,
      );
      expect(Date.now() - started).toBeLessThan(2000);
      const capped = new AmqpCapabilities({ allowPrivateNetwork: true, timeoutMs: 10_000, connectTimeoutMs: 10_000 });
      try {
        await expect(capped.publish(send(url), later(200))).rejects.toThrow(/^Could not connect to RabbitMQ within (19\d|200) ms/);
      } finally {
        await capped.close();
      }
    } finally {
      await capability.close();
      await hung.close();
    }
  });

  it('keeps one connection per URL: the least recently used goes beyond maxConnections, an idle one is closed, close() ends all', async () => {
    const capability = new AmqpCapabilities({ allowPrivateNetwork: true, maxConnections: 1, idleTimeoutMs: 200 });
    const first = AMQP_URL;
    const second = `${AMQP_URL}/%2F`; // the same broker under another URL: another cache entry
    try {
      await capability.publish(send(first, 'one'), later(5000));
      await capability.publish(send(first, 'two'), later(5000));
      expect(capability.openConnections).toBe(1);
      await capability.publish(send(second, 'three'), later(5000));
      expect(capability.openConnections).toBe(1);
      await capability.publish(send(first, 'four'), later(5000));
      expect((await channel.checkQueue(queue)).messageCount).toBe(4);
      await eventually('the idle connection to close', () => capability.openConnections === 0);
      await capability.publish(send(first, 'five'), later(5000));
      expect(capability.openConnections).toBe(1);
    } finally {
      await capability.close();
    }
    expect(capability.openConnections).toBe(0);
    await expect(capability.publish(send(first), later(5000))).rejects.toThrow('The RabbitMQ capability is closed (the runtime is shutting down)');
    await channel.purgeQueue(queue);
  });

  it('refuses a message over the size cap and a bad URL before connecting', async () => {
    const capability = new AmqpCapabilities({ allowPrivateNetwork: true, maxMessageBytes: 16 });
    try {
      await expect(capability.publish(send(AMQP_URL, { text: 'more than sixteen bytes' }), later(5000))).rejects.toThrow(
        'Message is 34 bytes, over the 16 byte limit; send less (store large payloads elsewhere and publish a reference)',
      );
      await expect(capability.publish(send('http://127.0.0.1:5672'), later(5000))).rejects.toThrow('Connection URL must start with amqp:// or amqps:// (got http://); fix it in the account');
      expect(capability.openConnections).toBe(0);
    } finally {
      await capability.close();
    }
  });
});

describe('KafkaCapabilities (Kafka wire-protocol test broker)', () => {
  let broker: TestBroker;

  beforeAll(async () => {
    // On 127.0.0.2, so a proxy on 127.0.0.3 can stand for a public bootstrap address below.
    broker = await startTestBroker({ host: '127.0.0.2' });
  });
  afterAll(async () => {
    await broker?.close();
  });

  it('gives up at its timeout on a broker that never answers', async () => {
    const hung = await silentServer();
    const capability = new KafkaCapabilities({ allowPrivateNetwork: true, timeoutMs: 300, connectTimeoutMs: 10_000 });
    try {
      await expect(capability.produce({ brokers: [`127.0.0.1:${hung.port}`], topic: 'orders', messages: [{ value: 'x' }] }, later(10_000))).rejects.toThrow(
        `Could not connect to the Kafka brokers 127.0.0.1:${hung.port} within 300 ms; check Brokers and TLS in the account, and that the cluster is reachable`,
      );
    } finally {
      await capability.close();
      await hung.close();
    }
  });

  it('reuses a producer per cluster and credentials, disconnects an idle one, and ends all on close()', async () => {
    const topic = `t-${randomBytes(4).toString('hex')}`;
    broker.createTopic(topic, 1);
    const capability = new KafkaCapabilities({ allowPrivateNetwork: true, idleTimeoutMs: 200 });
    const request = { brokers: broker.brokers, topic, messages: [{ value: 'x' }] };
    try {
      await capability.produce(request, later(5000));
      await capability.produce({ ...request, clientId: 'flowport' }, later(5000)); // the default clientId: the same producer
      expect(capability.openProducers).toBe(1);
      await capability.produce({ ...request, clientId: 'other' }, later(5000));
      expect(capability.openProducers).toBe(2);
      await eventually('idle producers to disconnect', () => capability.openProducers === 0);
      expect(broker.messages(topic).map((r) => r.offset)).toEqual([0, 1, 2]);
    } finally {
      await capability.close();
    }
    await expect(capability.produce(request, later(5000))).rejects.toThrow('The Kafka capability is closed (the runtime is shutting down)');
  });

  it('refuses a broker the cluster advertises when its address is private, even though the bootstrap address was allowed', async () => {
    const topic = `t-${randomBytes(4).toString('hex')}`;
    broker.createTopic(topic, 1);
    // 127.0.0.3 is allowed (an operator's exception); the metadata then points at 127.0.0.2, which is not.
    const proxy = await tcpProxy('127.0.0.3', { host: '127.0.0.2', port: broker.port });
    const capability = new KafkaCapabilities({ allowedPrivateAddresses: ['127.0.0.3'], timeoutMs: 8000 });
    try {
      await expect(capability.produce({ brokers: [`127.0.0.3:${proxy.port}`], topic, messages: [{ value: 'x' }] }, later(10_000))).rejects.toThrow(
        'The cluster advertises a broker connectors may not reach: Kafka broker "127.0.0.2" is a private or internal address, which connectors may not reach; use the public address of the cluster (loopback address; an operator can allow private networks with FLOWPORT_SANDBOX_ALLOW_PRIVATE_NETWORK=true)',
      );
      expect(broker.messages(topic)).toEqual([]);
    } finally {
      await capability.close();
      await proxy.close();
    }
  });
});

describe('NetworkGuard', () => {
  it('judges addresses as the sandbox http guard does, by name or literal, metadata endpoints always refused', async () => {
    const strict = new NetworkGuard();
    const open = new NetworkGuard({ allowPrivateNetwork: true });
    const what = { service: 'Test host', fix: 'use a public address' };
    await expect(strict.resolve('localhost', what)).rejects.toThrow(/^Test host "localhost" is a private or internal address, which connectors may not reach; use a public address \(loopback address/);
    await expect(strict.resolve('10.1.2.3', what)).rejects.toThrow('(private network address;');
    await expect(strict.resolve('[::ffff:192.168.1.1]', what)).rejects.toThrow('private network address');
    expect(await open.resolve('127.0.0.1', what)).toEqual([{ address: '127.0.0.1', family: 4 }]);
    await expect(open.resolve('169.254.169.254', what)).rejects.toThrow('(cloud metadata endpoint; never reachable by connectors)');
    expect(await strict.resolve('8.8.8.8', what)).toEqual([{ address: '8.8.8.8', family: 4 }]);
    await expect(strict.resolve('no-such-host.invalid', what)).rejects.toThrow(/^Could not resolve the Test host "no-such-host\.invalid": .*Check the host name in the account\.$/);
    const excepted = new NetworkGuard({ allowedPrivateAddresses: ['10.0.0.0/8'] });
    expect(await excepted.resolve('10.1.2.3', what)).toEqual([{ address: '10.1.2.3', family: 4 }]);
  });
});

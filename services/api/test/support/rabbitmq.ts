import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type * as amqp from 'amqplib';

const run = promisify(execFile);

export type QueueCounts = { ready: number; unacked: number };

/**
 * Ready and unacknowledged messages of one queue, as the broker counts them. AMQP's queue.declare
 * reports only ready messages and there is no management plugin here, so this asks rabbitmqctl.
 */
export async function queueCounts(queue: string): Promise<QueueCounts> {
  const { stdout } = await run('rabbitmqctl', ['list_queues', '-q', '--no-table-headers', 'name', 'messages_ready', 'messages_unacknowledged'], { timeout: 60_000 });
  const line = stdout.split('\n').find((l) => l.split(/\s+/)[0] === queue);
  if (!line) throw new Error(`rabbitmqctl did not list queue ${queue}`);
  const [, ready, unacked] = line.trim().split(/\s+/);
  return { ready: Number(ready), unacked: Number(unacked) };
}

/**
 * Publishes `{ n }` for n in [from, to] as persistent JSON messages (message id `m-<n>`) in
 * confirm mode, waiting for the broker's confirms after every `chunk` messages so a large
 * stream neither floods the channel's buffer nor counts as published before RabbitMQ has it.
 */
export async function publishNumbers(channel: amqp.ConfirmChannel, queue: string, from: number, to: number, chunk = 500): Promise<void> {
  for (let start = from; start <= to; start += chunk) {
    const end = Math.min(to, start + chunk - 1);
    for (let n = start; n <= end; n++) {
      channel.sendToQueue(queue, Buffer.from(JSON.stringify({ n })), { contentType: 'application/json', persistent: true, messageId: `m-${n}` });
    }
    await channel.waitForConfirms();
  }
}

/** The prefetch (most unacked messages) of each consumer of `queue`, as the broker applies it. */
export async function consumerPrefetches(queue: string): Promise<number[]> {
  const { stdout } = await run('rabbitmqctl', ['list_consumers', '-q', '--no-table-headers', 'queue_name', 'prefetch_count'], { timeout: 60_000 });
  return stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter(([name]) => name === queue)
    .map(([, prefetch]) => Number(prefetch));
}

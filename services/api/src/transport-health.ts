import * as amqp from 'amqplib';

/** Opens and closes a RabbitMQ connection; null when the broker answered, else what went wrong. */
export async function checkRabbitMq(url: string, timeoutMs: number): Promise<string | null> {
  const masked = url.replace(/:[^:@/]*@/, ':***@');
  try {
    const connection = await amqp.connect(url, { timeout: timeoutMs });
    await connection.close().catch(() => undefined);
    return null;
  } catch (error) {
    return `RabbitMQ at ${masked} is unreachable (${(error as Error).message}); check RABBITMQ_URL and the broker`;
  }
}

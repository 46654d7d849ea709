import { AmqpDriver } from './amqp-driver';
import { KafkaDriver } from './kafka.driver';
import { SqsDriver } from './sqs-driver';
import { silentLogger, type Logger, type StreamDriver } from './stream-driver';

export type DriverFactory = (logger: Logger) => StreamDriver;

/** Stream drivers by the name a connector's trigger declares ('amqp', 'sqs', 'kafka'). */
export class StreamDriverRegistry {
  private readonly factories = new Map<string, DriverFactory>();

  register(name: string, factory: DriverFactory): this {
    if (this.factories.has(name)) throw new Error(`Stream driver "${name}" is already registered`);
    this.factories.set(name, factory);
    return this;
  }

  has(name: string): boolean {
    return this.factories.has(name);
  }

  names(): string[] {
    return [...this.factories.keys()].sort();
  }

  /** A new, unstarted driver instance: one per active flow trigger. */
  create(name: string, logger: Logger = silentLogger): StreamDriver {
    const factory = this.factories.get(name);
    if (!factory) {
      throw new Error(`Unknown stream driver "${name}": the trigger must declare one of ${this.names().map((n) => `"${n}"`).join(', ')}`);
    }
    return factory(logger);
  }
}

/** A registry with the built-in drivers. */
export function createDefaultDriverRegistry(): StreamDriverRegistry {
  return new StreamDriverRegistry()
    .register('amqp', (logger) => new AmqpDriver(logger))
    .register('sqs', (logger) => new SqsDriver(logger))
    .register('kafka', (logger) => new KafkaDriver(logger));
}

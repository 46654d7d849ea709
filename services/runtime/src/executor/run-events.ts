import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ClientProxy, ClientProxyFactory, Transport, type ReadPacket, type RmqOptions, type WritePacket } from '@nestjs/microservices';
import { RUNTIME_OPTIONS, type RuntimeOptions } from '../runtime-options';
import { ExecutorService } from './executor.service';

/** The event every queued run emits; executors wake on it and claim. */
export const RUN_QUEUED = 'runs.queued';
export const RUN_EVENTS_CLIENT = Symbol('RUN_EVENTS_CLIENT');

type Listener = (pattern: string, data: unknown) => void;

/**
 * The embedded transport: events go to listeners in this process, no broker involved. Same
 * ClientProxy surface as the RabbitMQ client, so callers do not know which one they use.
 */
export class InProcessRunEvents extends ClientProxy {
  private readonly listeners = new Set<Listener>();

  listen(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async connect(): Promise<void> {}

  close(): void {
    this.listeners.clear();
  }

  unwrap<T>(): T {
    return this as unknown as T;
  }

  protected publish(_packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    callback({ err: new Error('The runtime run events carry no requests, only events (emit)'), isDisposed: true });
    return () => undefined;
  }

  protected async dispatchEvent<T>(packet: ReadPacket): Promise<T> {
    for (const listener of this.listeners) listener(packet.pattern as string, packet.data);
    return undefined as T;
  }
}

/** RabbitMQ options for both sides: the client here and the server services/api connects. */
export function runEventsRmqOptions(url: string, queue: string): RmqOptions {
  return {
    transport: Transport.RMQ,
    options: {
      urls: [url],
      queue,
      // Wake-ups are hints (executors also poll): old ones expire instead of piling up while no executor listens.
      queueOptions: { durable: true, arguments: { 'x-message-ttl': 60_000 } },
      persistent: false,
    },
  };
}

export function createRunEventsClient(options: RuntimeOptions): ClientProxy {
  if (!options.rabbitmqUrl) return new InProcessRunEvents();
  return ClientProxyFactory.create(runEventsRmqOptions(options.rabbitmqUrl, options.runEventsQueue));
}

/**
 * Announces queued runs through a `@nestjs/microservices` ClientProxy: in-process when embedded,
 * RabbitMQ when RABBITMQ_URL is set (one replica with a free executor takes each wake-up; the
 * others find remaining work by polling). This replica's own executor is woken directly too.
 */
@Injectable()
export class RunDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('RunDispatcher');
  private unlisten: (() => void) | undefined;
  private announcing: string[] = [];
  /** The RabbitMQ client's first connection (channel set up), started at bootstrap. */
  private connecting: Promise<unknown> | undefined;

  constructor(
    @Inject(RUN_EVENTS_CLIENT) private readonly client: ClientProxy,
    @Inject(RUNTIME_OPTIONS) private readonly options: RuntimeOptions,
    private readonly executor: ExecutorService,
  ) {}

  onApplicationBootstrap(): void {
    if (this.client instanceof InProcessRunEvents) {
      this.unlisten = this.client.listen(() => this.executor.wake());
      return;
    }
    // Connect now rather than on the first wake-up: a SIGTERM that closes the client while its
    // channel is still being set up makes amqp-connection-manager emit an 'error' event that
    // nothing can listen to, and that ends the process (seen in the shutdown test). Not awaited:
    // a broker that is down must not hold start-up; wake-ups are hints and executors also poll.
    this.connecting = this.client.connect().catch((error: unknown) => {
      this.logger.warn(`Run wake-ups over RabbitMQ are not connected yet; executors find queued runs by polling meanwhile: ${(error as Error).message ?? String(error)}`);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.announce();
    this.unlisten?.();
    // Let a connection still being set up finish (bounded) before closing it, for the reason above.
    if (this.connecting) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.connecting, new Promise<void>((resolve) => (timer = setTimeout(resolve, 2000)))]);
      clearTimeout(timer);
    }
    await this.client.close();
  }

  queued(runIds: string[]): void {
    if (runIds.length === 0) return;
    if (!(this.client instanceof InProcessRunEvents) && this.options.executor) this.executor.wake();
    // Runs queued in the same turn of the event loop (e.g. many webhook calls recorded by one
    // insert) are announced by one event: one broker publish instead of one per run.
    this.announcing.push(...runIds);
    if (this.announcing.length === runIds.length) setImmediate(() => this.announce());
  }

  private announce(): void {
    const runIds = this.announcing;
    if (runIds.length === 0) return;
    this.announcing = [];
    this.client.emit(RUN_QUEUED, { runIds }).subscribe({
      error: (error: unknown) => this.logger.warn(`Announcing ${runIds.length} queued run(s) failed; executors will find them by polling: ${(error as Error).message ?? String(error)}`),
    });
  }
}

import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';

/** Settings of the runtime role; every field has a production default. */
export type RuntimeOptions = {
  /** Names this replica in claims and leases. Default `<hostname>-<pid>-<random>`. */
  replicaId: string;
  /** Claim and execute queued runs in this process. Default true. */
  executor: boolean;
  /** Run the triggers (stream, pooling, schedule) of active flows in this process. Default true. */
  triggers: boolean;
  /** Runs executed at once by this replica. Default 8. */
  concurrency: number;
  /** How often an idle executor looks for queued runs another replica recorded. Default 500 ms. */
  pollIntervalMs: number;
  /** A claimed run is re-queued when its replica stops renewing the claim for this long. Default 30 000 ms. */
  claimTtlMs: number;
  /** Claims after which a run that keeps being abandoned is dead-lettered. Default 3. */
  maxRunClaims: number;
  /** Step timeout when the step does not set timeoutMs. Default 30 000 ms. */
  defaultStepTimeoutMs: number;
  /** Bytes of a step's input/output kept in run_steps; larger values are stored as a truncated preview. Default 256 KiB. */
  stepOutputLimitBytes: number;
  /** How often active flows are re-read to start and stop triggers (activation events act at once). Default 5000 ms. */
  reconcileIntervalMs: number;
  /** Largest webhook body. Default 1 MiB. */
  webhookMaxBytes: number;
  /**
   * How long a replica keeps an active flow's webhook token and definition in memory. In-process
   * flow events (activation, deactivation, token rotation) drop it at once; the same change made
   * by another process takes effect here within this time. 0 reads the flow on every call.
   * Default 1000 ms.
   */
  webhookFlowCacheMs: number;
  /** Webhook calls accepted per flow per window (per replica). Defaults 120 per 60 000 ms. */
  webhookRateLimit: { limit: number; windowMs: number };
  /** Recording a pooling item or stream message: attempts before it is dead-lettered. Default 5. */
  deliveryMaxAttempts: number;
  /** First retry delay of a failed stream message (doubles each attempt). Default 1000 ms. */
  deliveryRetryBaseDelayMs: number;
  /** How often stream drivers that must ask the broker for the consumer lag (AMQP, SQS) ask. Default 5000 ms. */
  lagIntervalMs: number;
  /** RabbitMQ for run wake-ups between replicas; null = in-process (embedded). Default RABBITMQ_URL. */
  rabbitmqUrl: string | null;
  /** The queue run wake-ups travel on. Default flowport.runtime.runs. */
  runEventsQueue: string;
};

export const RUNTIME_OPTIONS = Symbol('RUNTIME_OPTIONS');

export function resolveRuntimeOptions(partial: Partial<RuntimeOptions> = {}): RuntimeOptions {
  const options: RuntimeOptions = {
    replicaId: `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`,
    executor: true,
    triggers: true,
    concurrency: 8,
    pollIntervalMs: 500,
    claimTtlMs: 30_000,
    maxRunClaims: 3,
    defaultStepTimeoutMs: 30_000,
    stepOutputLimitBytes: 256 * 1024,
    reconcileIntervalMs: 5000,
    webhookMaxBytes: 1024 * 1024,
    webhookFlowCacheMs: 1000,
    webhookRateLimit: { limit: 120, windowMs: 60_000 },
    deliveryMaxAttempts: 5,
    deliveryRetryBaseDelayMs: 1000,
    lagIntervalMs: 5000,
    rabbitmqUrl: process.env.RABBITMQ_URL?.trim() || null,
    runEventsQueue: 'flowport.runtime.runs',
    ...partial,
  };
  const positive: Array<keyof RuntimeOptions> = ['concurrency', 'pollIntervalMs', 'claimTtlMs', 'maxRunClaims', 'defaultStepTimeoutMs', 'stepOutputLimitBytes', 'reconcileIntervalMs', 'webhookMaxBytes', 'deliveryMaxAttempts', 'lagIntervalMs'];
  for (const key of positive) {
    const value = options[key] as number;
    if (!Number.isFinite(value) || value < 1) throw new Error(`Runtime option ${key} must be a positive number (got ${value})`);
  }
  if (!Number.isFinite(options.webhookFlowCacheMs) || options.webhookFlowCacheMs < 0) {
    throw new Error(`Runtime option webhookFlowCacheMs must be 0 or more milliseconds (got ${options.webhookFlowCacheMs})`);
  }
  if (options.rabbitmqUrl !== null && !/^amqps?:\/\//.test(options.rabbitmqUrl)) {
    throw new Error(`RABBITMQ_URL must start with amqp:// or amqps:// (got "${options.rabbitmqUrl.replace(/:[^:@/]*@/, ':***@')}")`);
  }
  return options;
}

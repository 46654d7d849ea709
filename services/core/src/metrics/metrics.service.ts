import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export type RunFinishStatus = 'succeeded' | 'failed' | 'filtered' | 'cancelled' | 'dead-lettered' | string;
export type MessageOutcome = 'consumed' | 'acked' | 'duplicate' | 'dead_lettered';

/** What the sandbox pool reports (`SandboxPool.stats()`); core does not depend on the sandbox. */
export type SandboxCounters = { recycled: number; calls: number; failures: number; timeouts: number; isolates: number; busy: number };

/**
 * The process's Prometheus metrics (prom-client), served at GET /metrics. One registry per
 * Nest app rather than prom-client's global one, so several apps in one test process do not
 * collide. Services call the small methods below where the thing happens; names follow
 * Prometheus conventions (`_total` counters, `_seconds` durations).
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly runsStarted = new Counter({ name: 'flowport_runs_started_total', help: 'Runs the executor started, by trigger type', labelNames: ['trigger'], registers: [this.registry] });
  private readonly runsFinished = new Counter({ name: 'flowport_runs_finished_total', help: 'Runs that ended, by final status', labelNames: ['status'], registers: [this.registry] });
  private readonly messages = new Counter({
    name: 'flowport_messages_total',
    help: 'Stream/pooling messages per flow: consumed from the broker, acked after recording, recorded as duplicate, dead-lettered',
    labelNames: ['flow_id', 'outcome'],
    registers: [this.registry],
  });
  private readonly batchSize = new Histogram({
    name: 'flowport_batch_size',
    help: 'Messages per delivered batch, per flow',
    labelNames: ['flow_id'],
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
    registers: [this.registry],
  });
  private readonly lag = new Gauge({ name: 'flowport_consumer_lag', help: 'Messages waiting in the source queue/partition, where the broker reports it', labelNames: ['flow_id'], registers: [this.registry] });
  private readonly sandboxCall = new Histogram({
    name: 'flowport_sandbox_call_duration_seconds',
    help: 'Duration of connector calls in the sandbox, by operation and outcome',
    labelNames: ['op', 'ok'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  private readonly webhooks = new Counter({ name: 'flowport_webhook_requests_total', help: 'Calls to /hooks/*, by HTTP status', labelNames: ['status'], registers: [this.registry] });
  private sandboxSource: (() => SandboxCounters) | null = null;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'flowport_process_' });
    // Read from the pool at scrape time: its counters are monotonic for the process's life.
    const read = () => this.sandboxSource?.();
    new Counter({
      name: 'flowport_sandbox_isolate_recycles_total',
      help: 'Isolates disposed and replaced after an overrun (memory, deadline) or a fatal guest error',
      registers: [this.registry],
      collect() {
        this.reset();
        const s = read();
        if (s) this.inc(s.recycled);
      },
    });
    new Gauge({
      name: 'flowport_sandbox_isolates',
      help: 'Isolates alive in the sandbox pool',
      registers: [this.registry],
      collect() {
        this.set(read()?.isolates ?? 0);
      },
    });
  }

  runStarted(trigger: string): void {
    this.runsStarted.inc({ trigger });
  }

  runFinished(status: RunFinishStatus): void {
    this.runsFinished.inc({ status });
  }

  messagesCounted(flowId: string, outcome: MessageOutcome, count = 1): void {
    if (count > 0) this.messages.inc({ flow_id: flowId, outcome }, count);
  }

  batchDelivered(flowId: string, size: number): void {
    this.batchSize.observe({ flow_id: flowId }, size);
  }

  consumerLag(flowId: string, waiting: number | null): void {
    if (waiting === null) this.lag.remove({ flow_id: flowId });
    else this.lag.set({ flow_id: flowId }, waiting);
  }

  sandboxCallTimed(op: string, ok: boolean, durationMs: number): void {
    this.sandboxCall.observe({ op, ok: String(ok) }, durationMs / 1000);
  }

  webhookRequest(status: number): void {
    this.webhooks.inc({ status: String(status) });
  }

  /** The process's sandbox pool; its recycle counter is read at each scrape. */
  watchSandbox(source: () => SandboxCounters): void {
    this.sandboxSource = source;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}

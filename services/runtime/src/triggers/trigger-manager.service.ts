import { MetricsService } from '@flowport/core';
import { FlowActivationEvents } from '@flowport/flows';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy, Optional } from '@nestjs/common';
import { Cron } from 'croner';
import { ConnectorGateway } from '../connectors/connector-gateway';
import { PgRunRecorder } from '../delivery/pg-run-recorder';
import { StreamDelivery, type MappedMessage } from '../delivery/stream-delivery';
import type { StreamDriverRegistry } from '../drivers/registry';
import { RunDispatcher } from '../executor/run-events';
import { FlowCatalog } from '../flows/flow-catalog';
import type { ActiveFlow, ConnectorTriggerDef } from '../flows/flow-definition';
import { fieldLogger, withFields } from '../log-fields';
import { RUNTIME_DB, RuntimeDb } from '../runtime-db';
import { RUNTIME_OPTIONS, type RuntimeOptions } from '../runtime-options';
import type { JsonValue } from '../stream-message';
import { PoolingTrigger } from './pooling-trigger';
import { TriggerLeases } from './trigger-state';

export const STREAM_DRIVERS = Symbol('STREAM_DRIVERS');
export const RUN_RECORDER = Symbol('RUN_RECORDER');

type RunningTrigger = { flowId: string; workspaceId: string; version: number; kind: string; stop: () => Promise<void>; pooling?: PoolingTrigger; delivery?: StreamDelivery };

/**
 * Runs the triggers of active flows in this replica: connector stream triggers (a delivery
 * library driver per flow), pooling triggers (leased, one replica polls each) and schedules
 * (croner). Manual, webhook and event flows need nothing running. Reacts to flows' activation
 * events in-process and re-reads the active flows every reconcileIntervalMs (activations made by
 * other processes, retries of triggers that failed to start).
 */
@Injectable()
export class TriggerManager implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('TriggerManager');
  private readonly running = new Map<string, RunningTrigger>();
  /** Start failures per flow; a failing flow is retried with back-off so it cannot hold up the others. */
  private readonly failures = new Map<string, { message: string; attempts: number; retryAt: number; version: number }>();
  private reconciling: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: Array<() => void> = [];
  private readonly leases: TriggerLeases;
  private started = false;

  constructor(
    @Inject(RUNTIME_OPTIONS) private readonly options: RuntimeOptions,
    @Inject(RUNTIME_DB) private readonly db: RuntimeDb,
    @Inject(STREAM_DRIVERS) private readonly drivers: StreamDriverRegistry,
    @Inject(RUN_RECORDER) private readonly recorder: PgRunRecorder,
    private readonly catalog: FlowCatalog,
    private readonly gateway: ConnectorGateway,
    private readonly dispatcher: RunDispatcher,
    @Optional() private readonly activation?: FlowActivationEvents,
    @Optional() private readonly metrics?: MetricsService,
  ) {
    this.leases = new TriggerLeases(db, options.replicaId, (error, count) =>
      this.logger.warn(withFields('Renewing pooling leases failed; each trigger takes its lease again before its next poll', { leases: count, error: error.message })),
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.options.triggers) return;
    this.started = true;
    if (this.activation) {
      this.unsubscribe.push(
        this.activation.on('activated', () => this.reconcile()),
        this.activation.on('deactivated', async (e) => {
          await this.stopTrigger(e.flowId);
          await this.reconcile();
        }),
      );
    }
    await this.reconcile();
    this.timer = setInterval(() => void this.reconcile(), this.options.reconcileIntervalMs);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.started = false;
    clearInterval(this.timer);
    for (const off of this.unsubscribe) off();
    await this.reconciling;
    await Promise.allSettled([...this.running.keys()].map((id) => this.stopTrigger(id)));
  }

  /** What runs here now (for tests and the health view). */
  status(): Array<{ flowId: string; version: number; kind: string; error?: string }> {
    return [...this.running.values()].map((t) => ({ flowId: t.flowId, version: t.version, kind: t.kind }));
  }

  startFailure(flowId: string): string | undefined {
    return this.failures.get(flowId)?.message;
  }

  /** This replica's view of one flow's trigger, plus the pooling lease from the database. */
  async describe(flowId: string): Promise<{ replica: string; running: boolean; kind: string | null; version: number | null; error: string | null; polls: number | null; lease: { holder: string; expiresAt: string } | null }> {
    const running = this.running.get(flowId);
    const rows = await this.db.query<{ holder: string; expires_at: Date }>('SELECT holder, expires_at FROM trigger_leases WHERE flow_id = $1', [flowId]);
    return {
      replica: this.options.replicaId,
      running: Boolean(running),
      kind: running?.kind ?? null,
      version: running?.version ?? null,
      error: this.failures.get(flowId)?.message ?? null,
      polls: running?.pooling?.polls ?? null,
      lease: rows[0] ? { holder: rows[0].holder, expiresAt: new Date(rows[0].expires_at).toISOString() } : null,
    };
  }

  pooling(flowId: string): PoolingTrigger | undefined {
    return this.running.get(flowId)?.pooling;
  }

  delivery(flowId: string): StreamDelivery | undefined {
    return this.running.get(flowId)?.delivery;
  }

  /** Starts triggers of newly active versions and stops those no longer active. Serialized. */
  reconcile(): Promise<void> {
    const next = this.reconciling.then(() => this.reconcileNow()).catch((error) => this.logger.error(withFields('Reconciling triggers failed', { error: (error as Error).message })));
    this.reconciling = next;
    return next;
  }

  private async reconcileNow(): Promise<void> {
    if (!this.started) return;
    const active = (await this.catalog.active()).filter((f) => f.definition.trigger.type === 'connector' || f.definition.trigger.type === 'schedule');
    const wanted = new Map(active.map((f) => [f.id, f]));
    for (const [flowId, trigger] of this.running) {
      const flow = wanted.get(flowId);
      if (!flow || flow.version !== trigger.version) await this.stopTrigger(flowId);
    }
    for (const id of this.failures.keys()) if (!wanted.has(id)) this.failures.delete(id);
    for (const flow of active) {
      if (this.running.has(flow.id)) continue;
      // A newly activated version is tried at once, whatever its predecessor's back-off.
      const failed = this.failures.get(flow.id)?.version === flow.version ? this.failures.get(flow.id) : undefined;
      if (failed && failed.retryAt > Date.now()) continue;
      try {
        const trigger = await this.startTrigger(flow);
        if (trigger) this.running.set(flow.id, trigger);
        this.failures.delete(flow.id);
      } catch (error) {
        const message = (error as Error).message;
        if (failed?.message !== message) this.logger.error(withFields(`Could not start the trigger: ${message}`, { flowId: flow.id, workspaceId: flow.workspaceId, version: flow.version, error: message }));
        const attempts = (failed?.attempts ?? 0) + 1;
        // Doubling from the reconcile interval, at most 5 minutes between attempts.
        const delay = Math.min(300_000, this.options.reconcileIntervalMs * 2 ** (attempts - 1));
        this.failures.set(flow.id, { message, attempts, retryAt: Date.now() + delay, version: flow.version });
      }
    }
  }

  private async stopTrigger(flowId: string): Promise<void> {
    const trigger = this.running.get(flowId);
    if (!trigger) return;
    this.running.delete(flowId);
    try {
      // Drivers wait for batches being recorded; runs already queued finish in the executor.
      await trigger.stop();
    } catch (error) {
      this.logger.warn(withFields('Stopping the trigger failed', { flowId, workspaceId: trigger.workspaceId, error: (error as Error).message }));
    }
    // The flow's lag is no longer read here: drop its series rather than leave the last value.
    if (trigger.kind === 'stream') this.metrics?.consumerLag(flowId, null);
  }

  private async startTrigger(flow: ActiveFlow): Promise<RunningTrigger | null> {
    const def = flow.definition.trigger;
    if (def.type === 'schedule') return this.startSchedule(flow, def);
    if (def.type !== 'connector') return null;
    const connector = await this.gateway.load(def.connector, def.version);
    const manifest = this.gateway.trigger(connector, def.trigger);
    // A connector webhook trigger runs per call (WebhooksService): nothing to start or to report as failed.
    if (manifest.kind === 'webhook') return null;
    const account = await this.gateway.accountValues(flow.workspaceId, def.account);
    if (manifest.kind === 'stream') return this.startStream(flow, def, connector, manifest, account);
    if (manifest.kind === 'pooling') {
      const pooling = new PoolingTrigger(
        { db: this.db, gateway: this.gateway, recorder: this.recorder, leases: this.leases, logger: this.logger, onRecorded: (runIds) => this.dispatcher.queued(runIds) },
        flow,
        def,
        connector,
        manifest,
        account,
      );
      pooling.start();
      return { flowId: flow.id, workspaceId: flow.workspaceId, version: flow.version, kind: 'pooling', pooling, stop: () => pooling.stop() };
    }
    throw new Error(`${def.connector} trigger "${def.trigger}" is a ${manifest.kind} trigger; the runtime runs stream and pooling connector triggers`);
  }

  private async startStream(
    flow: ActiveFlow,
    def: ConnectorTriggerDef,
    connector: Awaited<ReturnType<ConnectorGateway['load']>>,
    manifest: ReturnType<ConnectorGateway['trigger']>,
    account: Record<string, JsonValue> | null,
  ): Promise<RunningTrigger> {
    const props = def.props ?? {};
    const driverName = manifest.stream?.driver;
    if (!driverName) throw new Error(`${def.connector} trigger "${def.trigger}" declares no stream driver; rebuild the connector with a current SDK`);
    const { output: config } = await this.gateway.call({ workspaceId: flow.workspaceId, connector, op: 'trigger.config', target: def.trigger, account, props });
    if (config === null || typeof config !== 'object' || Array.isArray(config)) {
      throw new Error(`${def.connector} trigger "${def.trigger}": config(ctx) must return the ${driverName} driver settings as an object`);
    }
    const mapMessage = manifest.stream?.map
      ? async (message: unknown): Promise<MappedMessage> =>
          (await this.gateway.call({ workspaceId: flow.workspaceId, connector, op: 'trigger.map', target: def.trigger, account, props, input: { message: message as JsonValue } })).output as MappedMessage
      : undefined;
    const fields = { flowId: flow.id, workspaceId: flow.workspaceId };
    const delivery = new StreamDelivery({
      flowId: flow.id,
      driver: this.drivers.create(driverName, fieldLogger(this.logger, fields)),
      driverConfig: { ...config, batchSize: def.batchSize, batchWaitMs: def.batchWaitMs ?? 1000 },
      recorder: this.recorder,
      externalId: def.externalId,
      mapMessage: mapMessage ? (message) => mapMessage(plainMessage(message)) : undefined,
      trigger: { type: 'stream', connector: def.connector, version: def.version, trigger: def.trigger, driver: driverName },
      maxAttempts: this.options.deliveryMaxAttempts,
      retryBaseDelayMs: this.options.deliveryRetryBaseDelayMs,
      onRecorded: (result) => {
        this.metrics?.messagesCounted(flow.id, 'duplicate', result.duplicates.length);
        this.dispatcher.queued(result.runs.map((r) => r.id));
      },
      observer: this.metrics && {
        batch: (size) => {
          this.metrics!.messagesCounted(flow.id, 'consumed', size);
          this.metrics!.batchDelivered(flow.id, size);
        },
        acked: (count) => this.metrics!.messagesCounted(flow.id, 'acked', count),
        deadLettered: () => this.metrics!.messagesCounted(flow.id, 'dead_lettered'),
        lag: (waiting) => this.metrics!.consumerLag(flow.id, waiting),
      },
      lagIntervalMs: this.options.lagIntervalMs,
      logger: fieldLogger(this.logger, fields),
    });
    await delivery.start();
    return { flowId: flow.id, workspaceId: flow.workspaceId, version: flow.version, kind: 'stream', delivery, stop: () => delivery.stop() };
  }

  private startSchedule(flow: ActiveFlow, def: { cron?: string; timezone?: string; at?: string }): RunningTrigger {
    const pattern = def.cron ?? def.at;
    if (!pattern) throw new Error(`Flow ${flow.id}: a schedule trigger needs cron or at`);
    const job = new Cron(def.cron ?? new Date(def.at!), { timezone: def.timezone, protect: true, catch: (error) => this.logger.error(withFields('Schedule failed', { flowId: flow.id, workspaceId: flow.workspaceId, error: String(error) })) }, async () => {
      // Every replica fires; the External ID (the scheduled second) lets exactly one run start.
      const at = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
      const result = await this.recorder.record(flow.id, [{ messageId: `schedule:${at}`, externalId: `schedule:${at}`, payload: { scheduledAt: at } }], { type: 'schedule', cron: def.cron ?? null, at: def.at ?? null, timezone: def.timezone ?? null });
      this.dispatcher.queued(result.runs.map((r) => r.id));
    });
    return { flowId: flow.id, workspaceId: flow.workspaceId, version: flow.version, kind: 'schedule', stop: async () => job.stop() };
  }
}

/** Only the contract's fields cross into the sandbox (not the driver's settle functions). */
function plainMessage(message: { id: string; body: unknown; headers: Record<string, string>; attributes: Record<string, unknown>; receivedAt: string }) {
  return { id: message.id, body: message.body, headers: message.headers, attributes: message.attributes, receivedAt: message.receivedAt };
}

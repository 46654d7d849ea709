import { randomUUID } from 'node:crypto';
import type { TriggerManifest } from '@flowport/connector-sdk';
import type { KeyValueStore } from '@flowport/sandbox';
import type { Logger } from '@nestjs/common';
import type { LoadedConnector, ConnectorGateway } from '../connectors/connector-gateway';
import { ExternalIdExpression, itemIdAt } from '../delivery/external-id';
import type { PgRunRecorder } from '../delivery/pg-run-recorder';
import type { RecordItem } from '../delivery/run-recorder';
import type { ConnectorTriggerDef } from '../flows/flow-definition';
import { withFields } from '../log-fields';
import type { RuntimeDb } from '../runtime-db';
import type { JsonValue } from '../stream-message';
import { TriggerLeases, TriggerState } from './trigger-state';

export type PoolingDeps = {
  db: RuntimeDb;
  gateway: ConnectorGateway;
  recorder: PgRunRecorder;
  leases: TriggerLeases;
  logger: Logger;
  onRecorded: (runIds: string[]) => void;
};

const INITIALIZED = 'initialized';
const LAST_POLL_AT = 'lastPollAt';

/**
 * Polls one flow's pooling trigger every interval while this replica holds its lease. Items are
 * de-duplicated by External ID through the recorder's unique (flow, External ID); on the first
 * poll the current items are marked seen (no runs) unless the flow sets includeExisting.
 * While the lease is held (renewed on the replica's shared beat, TriggerLeases), a poll costs no
 * lease statement and no state reads: the trigger state is kept in memory and written once, after
 * the poll's items are recorded.
 */
export class PoolingTrigger {
  readonly intervalMs: number;
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<void> | undefined;
  private stopped = false;
  private holding = false;
  /** Date.now() before the statement that last took or renewed the lease. */
  private leaseRenewedAt = 0;
  private readonly externalId: ExternalIdExpression;
  private readonly state: TriggerState;
  private readonly store: KeyValueStore;
  private readonly platform: KeyValueStore;
  polls = 0;

  constructor(
    private readonly deps: PoolingDeps,
    private readonly flow: { id: string; workspaceId: string },
    private readonly def: ConnectorTriggerDef,
    private readonly connector: LoadedConnector,
    private readonly manifest: TriggerManifest,
    private readonly account: Record<string, JsonValue> | null,
  ) {
    const seconds = def.intervalSeconds ?? manifest.pooling?.intervalSeconds.default ?? 60;
    this.intervalMs = Math.max(1, seconds) * 1000;
    this.externalId = new ExternalIdExpression(def.externalId ?? '');
    // Platform bookkeeping lives beside the connector's keys, out of the connector's reach.
    this.state = new TriggerState(deps.db, [flow.id, `${flow.id}:runtime`]);
    this.store = this.state.store(flow.id);
    this.platform = this.state.store(`${flow.id}:runtime`);
  }

  /** Lease time: a holder that stops renewing loses the trigger to a peer within about two intervals. */
  get leaseTtlMs(): number {
    return Math.round(this.intervalMs * 1.25);
  }

  start(): void {
    // The lease is renewed on the replica's beat, apart from polls, so a slow poll does not let it lapse.
    this.deps.leases.keep({
      flowId: this.flow.id,
      ttlMs: this.leaseTtlMs,
      renewEveryMs: Math.max(100, Math.floor(this.intervalMs / 4)),
      lastRenewedAt: () => (this.holding && !this.stopped ? this.leaseRenewedAt : null),
      renewed: (held, sentAt) => this.leaseResult(held, sentAt),
    });
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.deps.leases.unkeep(this.flow.id);
    await this.current;
    if (this.holding) await this.deps.leases.release(this.flow.id).catch(() => undefined);
    this.holding = false;
    this.state.forget();
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      const started = Date.now();
      this.current = this.tick().finally(() => {
        this.current = undefined;
        // Holders poll at a fixed rate; others probe the lease every half interval to take over fast.
        this.schedule(this.holding ? Math.max(0, this.intervalMs - (Date.now() - started)) : Math.max(250, Math.floor(this.intervalMs / 2)));
      });
    }, delayMs);
  }

  /** The lease was taken, renewed or refused by a statement sent at `sentAt`. */
  private leaseResult(held: boolean, sentAt: number): void {
    // Not held continuously (lost, or lapsed before this renewal): another replica may have polled and written state meanwhile.
    if (!held || !this.holding || this.leaseRenewedAt + this.leaseTtlMs <= sentAt) this.state.forget();
    this.holding = held;
    if (held) this.leaseRenewedAt = sentAt;
  }

  /** Held with at least half its time left (the beat renews it every quarter interval). */
  private leaseIsFresh(): boolean {
    return this.holding && this.leaseRenewedAt + this.leaseTtlMs / 2 > Date.now();
  }

  private async tick(): Promise<void> {
    try {
      if (!this.leaseIsFresh()) {
        const sentAt = Date.now();
        this.leaseResult(await this.deps.leases.acquire(this.flow.id, this.leaseTtlMs), sentAt);
      }
      if (!this.holding || this.stopped) return;
      await this.poll();
    } catch (error) {
      this.deps.logger.warn(
        withFields(`Polling ${this.connector.name} "${this.def.trigger}" failed`, { flowId: this.flow.id, workspaceId: this.flow.workspaceId, error: (error as Error).message }),
      );
    }
  }

  async poll(): Promise<void> {
    this.polls++;
    try {
      await this.pollOnce();
    } catch (error) {
      // Nothing of a failed poll is kept: the next one reads the state again and gets the same items.
      this.state.forget();
      throw error;
    }
  }

  private async pollOnce(): Promise<void> {
    const lastPollAt = await this.platform.get(LAST_POLL_AT);
    const startedAt = new Date().toISOString();
    const { output } = await this.deps.gateway.call({
      workspaceId: this.flow.workspaceId,
      connector: this.connector,
      op: 'trigger.poll',
      target: this.def.trigger,
      account: this.account,
      props: this.def.props ?? {},
      input: { lastPollAt: typeof lastPollAt === 'string' ? lastPollAt : null },
      capabilities: { store: this.store },
    });
    const items = Array.isArray((output as { items?: unknown })?.items) ? ((output as { items: JsonValue[] }).items) : [];
    const records: RecordItem[] = [];
    for (const item of items) {
      const itemId = itemIdAt(item, this.manifest.pooling?.itemIdPath ?? 'id');
      const message = { id: itemId ?? randomUUID(), body: item, headers: {}, attributes: {}, receivedAt: startedAt };
      try {
        if (!this.def.externalId && itemId === null) {
          throw new Error(`item has no "${this.manifest.pooling?.itemIdPath ?? 'id'}" (the trigger's itemIdPath); set the flow's External ID to an expression over payload`);
        }
        const externalId = await this.externalId.evaluate(message, item);
        records.push({ messageId: message.id, externalId, payload: item });
      } catch (error) {
        await this.deps.recorder.recordDeadLetter(this.flow.id, { messageId: message.id, payload: item, error: (error as Error).message, attempts: 1 });
      }
    }
    const initialized = (await this.platform.get(INITIALIZED)) === true;
    if (!initialized && !this.def.includeExisting) {
      await this.markSeen(records);
    } else {
      const size = Math.max(1, this.def.batchSize ?? 1);
      const runIds: string[] = [];
      for (let i = 0; i < records.length; i += size) {
        const result = await this.deps.recorder.record(this.flow.id, records.slice(i, i + size), { type: 'pooling', connector: this.connector.name, trigger: this.def.trigger });
        runIds.push(...result.runs.map((r) => r.id));
      }
      this.deps.onRecorded(runIds);
    }
    if (!initialized) await this.platform.set(INITIALIZED, true);
    await this.platform.set(LAST_POLL_AT, startedAt);
    // The connector's cursor and the platform's keys move only now, once the items are recorded;
    // not at all if the lease was lost meanwhile (the new holder's state stands).
    if (this.holding) await this.state.flush();
    else this.state.forget();
  }

  /** Items present at activation: recorded as accepted without a run, so later polls see them as duplicates. */
  private async markSeen(records: RecordItem[]): Promise<void> {
    if (records.length === 0) return;
    await this.deps.db.query(
      `INSERT INTO run_messages (id, run_id, flow_id, external_id, status, position, payload, labels, message_id)
       SELECT gen_random_uuid(), NULL, $1, t.external_id, 'accepted', t.ord::int - 1, t.payload::jsonb, '{"seenAtActivation":true}'::jsonb, t.message_id
       FROM unnest($2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS t(external_id, payload, message_id, ord)
       ON CONFLICT (flow_id, external_id) WHERE status = 'accepted' DO NOTHING`,
      [this.flow.id, records.map((r) => r.externalId), records.map((r) => JSON.stringify(r.payload)), records.map((r) => r.messageId)],
    );
  }
}

import { FlowActivationEvents } from '@flowport/flows';
import { Inject, Injectable, OnModuleDestroy, OnModuleInit, Optional } from '@nestjs/common';
import type { FlowDefinition, FlowRecord } from '../flows/flow-definition';
import { RUNTIME_OPTIONS, type RuntimeOptions } from '../runtime-options';

export type WebhookFlow = { flow: FlowRecord; version: number; definition: FlowDefinition };

type Entry = WebhookFlow & { expiresAt: number };

const MAX_ENTRIES = 10_000;

/**
 * Active flows called through their webhook, with the active version's definition, so an
 * accepted call reads no table. An entry is dropped at once on the flows' in-process events
 * (activation, deactivation, token rotation) and lives at most `webhookFlowCacheMs` otherwise:
 * a change made by another process (the flows role elsewhere) reaches this replica within that
 * time. WebhooksService checks a token that does not match an entry against the table before
 * refusing it, so a token rotated elsewhere works at once here too.
 */
@Injectable()
export class WebhookFlowCache implements OnModuleInit, OnModuleDestroy {
  private readonly entries = new Map<string, Entry>();
  // Bumped by every activation event: a lookup that started before one is not stored.
  private generationNumber = 0;
  private unsubscribe: Array<() => void> = [];

  constructor(
    @Inject(RUNTIME_OPTIONS) private readonly options: RuntimeOptions,
    @Optional() private readonly activation?: FlowActivationEvents,
  ) {}

  onModuleInit(): void {
    if (!this.activation) return;
    const drop = (e: { flowId: string }) => this.forget(e.flowId);
    this.unsubscribe.push(this.activation.on('activated', drop), this.activation.on('deactivated', drop), this.activation.on('webhookTokenRotated', drop));
  }

  onModuleDestroy(): void {
    for (const off of this.unsubscribe) off();
    this.entries.clear();
  }

  get generation(): number {
    return this.generationNumber;
  }

  get(flowId: string): WebhookFlow | undefined {
    const entry = this.entries.get(flowId);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.entries.delete(flowId);
      return undefined;
    }
    return entry;
  }

  /** Keeps an active flow read at `generation`, unless an activation event came since. */
  set(value: WebhookFlow, generation: number): void {
    if (this.options.webhookFlowCacheMs <= 0 || generation !== this.generationNumber) return;
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(value.flow.id, { ...value, expiresAt: Date.now() + this.options.webhookFlowCacheMs });
  }

  forget(flowId: string): void {
    this.generationNumber++;
    this.entries.delete(flowId);
  }
}

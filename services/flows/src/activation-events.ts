import { Injectable, Logger } from '@nestjs/common';
import type { FlowDefinition } from './definition/flow-definition';

/** A published version started running (or replaced the version that ran before). */
export interface FlowActivatedEvent {
  flowId: string;
  workspaceId: string;
  name: string;
  version: number;
  definition: FlowDefinition;
  /** The version that was active until now (its trigger must be stopped), or null. */
  previousVersion: number | null;
}

/** A flow stopped: its trigger for `version` must be stopped. */
export interface FlowDeactivatedEvent {
  flowId: string;
  workspaceId: string;
  name: string;
  version: number;
}

/** A flow's webhook token was replaced: the previous token must stop working (runtimes keep tokens in memory). */
export interface FlowWebhookTokenRotatedEvent {
  flowId: string;
  workspaceId: string;
  name: string;
  /** The active version, or null for a flow that is not active. */
  version: number | null;
}

export interface FlowActivationEventMap {
  activated: FlowActivatedEvent;
  deactivated: FlowDeactivatedEvent;
  webhookTokenRotated: FlowWebhookTokenRotatedEvent;
}

type Listener<E extends keyof FlowActivationEventMap> = (event: FlowActivationEventMap[E]) => void | Promise<void>;

/**
 * In-process hook for the runtime: `events.on('activated', async (e) => startTrigger(e))`.
 * Fired after the change is committed to `flows`; the request that activated waits for every
 * listener (so a test or caller sees the trigger started), and a listener that fails is logged
 * without undoing the committed state. A runtime in another process must instead reconcile from
 * the table (FlowsService.listActive) on start and on its own schedule.
 */
@Injectable()
export class FlowActivationEvents {
  private readonly logger = new Logger('FlowActivationEvents');
  private readonly listeners: { [E in keyof FlowActivationEventMap]: Set<Listener<E>> } = { activated: new Set(), deactivated: new Set(), webhookTokenRotated: new Set() };

  /** Subscribes; returns the function that unsubscribes. */
  on<E extends keyof FlowActivationEventMap>(event: E, listener: Listener<E>): () => void {
    const set = this.listeners[event] as Set<Listener<E>>;
    set.add(listener);
    return () => this.off(event, listener);
  }

  off<E extends keyof FlowActivationEventMap>(event: E, listener: Listener<E>): void {
    (this.listeners[event] as Set<Listener<E>>).delete(listener);
  }

  /** Calls every listener and waits for all of them; failures are logged, never thrown. */
  async emit<E extends keyof FlowActivationEventMap>(event: E, payload: FlowActivationEventMap[E]): Promise<void> {
    const listeners = [...(this.listeners[event] as Set<Listener<E>>)];
    const results = await Promise.allSettled(listeners.map(async (l) => l(payload)));
    for (const r of results) {
      if (r.status === 'rejected') {
        this.logger.error(`A "${event}" listener failed for flow ${payload.flowId} version ${payload.version}: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}`);
      }
    }
  }
}

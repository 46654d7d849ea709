import { FlowStatus, FlowTrigger, TriggerSummary } from '../../core/api/models';

const PLATFORM_LABELS: Record<string, string> = { manual: 'Manual', schedule: 'Schedule', webhook: 'Webhook', event: 'Custom event' };

/** A one-line description of what starts a flow, for lists and the designer. */
export function describeTrigger(trigger: FlowTrigger | TriggerSummary): string {
  if (trigger.type === 'connector' && 'connector' in trigger) return `${trigger.connector} · ${trigger.trigger}`;
  if ('label' in trigger && typeof trigger.label === 'string' && trigger.type !== 'manual' && trigger.type !== 'webhook') {
    return `${PLATFORM_LABELS[trigger.type] ?? trigger.type} · ${trigger.label}`;
  }
  const label = PLATFORM_LABELS[trigger.type] ?? trigger.type;
  const settings = trigger as Record<string, unknown>;
  if (trigger.type === 'schedule' && typeof settings['cron'] === 'string') return `${label} · ${settings['cron']}`;
  if (trigger.type === 'event' && typeof settings['event'] === 'string') return `${label} · ${settings['event']}`;
  return label;
}

export function statusBadgeClass(status: FlowStatus): string {
  return status === 'active' ? 'badge badge-success' : status === 'draft' ? 'badge badge-primary' : 'badge';
}

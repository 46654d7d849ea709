import { FlowStatus, FlowTrigger } from '../../core/api/models';

const PLATFORM_LABELS: Record<string, string> = { manual: 'Manual', schedule: 'Schedule', webhook: 'Webhook', event: 'Custom event' };

/** A one-line description of what starts a flow, for lists and the designer. */
export function describeTrigger(trigger: FlowTrigger): string {
  if (trigger.type === 'connector' && 'connector' in trigger) return `${trigger.connector} · ${trigger.trigger}`;
  const label = PLATFORM_LABELS[trigger.type] ?? trigger.type;
  if (trigger.type === 'schedule' && typeof trigger['cron'] === 'string') return `${label} · ${trigger['cron']}`;
  if (trigger.type === 'event' && typeof trigger['event'] === 'string') return `${label} · ${trigger['event']}`;
  return label;
}

export function statusBadgeClass(status: FlowStatus): string {
  return status === 'active' ? 'badge badge-success' : status === 'draft' ? 'badge badge-primary' : 'badge';
}

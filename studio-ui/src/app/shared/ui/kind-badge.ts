import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import { TriggerKind } from '../../core/api/models';

const LABELS: Record<TriggerKind, { label: string; hint: string }> = {
  stream: { label: 'Stream', hint: 'Starts a run as soon as a message arrives from a queue or topic' },
  pooling: { label: 'Pooling', hint: 'Checks the system for new records every few seconds' },
  webhook: { label: 'Webhook', hint: 'Starts a run when its URL is called' },
};

@Component({
  selector: 'fp-kind-badge',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<span [class]="'badge badge-kind-' + kind()" [attr.title]="info().hint" data-kind>{{ info().label }}</span>`,
})
export class KindBadge {
  readonly kind = input.required<TriggerKind>();
  protected readonly info = computed(() => LABELS[this.kind()] ?? { label: this.kind(), hint: '' });
}

export function triggerKindLabel(kind: TriggerKind): string {
  return LABELS[kind]?.label ?? kind;
}

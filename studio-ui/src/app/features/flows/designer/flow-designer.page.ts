import { ChangeDetectionStrategy, Component, computed, effect, inject, input, untracked } from '@angular/core';
import { RouterLink } from '@angular/router';
import { ConnectorFlowTrigger } from '../../../core/api/models';
import { humanize } from '../../../shared/json-schema-form/schema-form';
import { KindBadge } from '../../../shared/ui/kind-badge';
import { RequestState } from '../../../shared/ui/request-state';
import { describeTrigger, statusBadgeClass } from '../flow-format';
import { FlowDesignerStore } from './flow-designer.store';

/** The flow designer. This first part shows the trigger as the first node; action steps come later. */
@Component({
  selector: 'fp-flow-designer-page',
  imports: [RouterLink, KindBadge, RequestState],
  providers: [FlowDesignerStore],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './flow-designer.page.html',
  styleUrl: './flow-designer.page.scss',
})
export class FlowDesignerPage {
  protected readonly store = inject(FlowDesignerStore);
  /** Route parameter `:id`. */
  readonly id = input.required<string>();

  protected readonly describeTrigger = describeTrigger;
  protected readonly statusBadgeClass = statusBadgeClass;

  protected readonly connectorTrigger = computed(() => {
    const t = this.store.flow.value()?.trigger;
    return t && t.type === 'connector' ? (t as ConnectorFlowTrigger) : null;
  });

  /** The trigger's settings as label/value rows, using the manifest's titles when known. */
  protected readonly settings = computed(() => {
    const t = this.connectorTrigger();
    const schema = this.store.trigger()?.props.properties ?? {};
    if (t) {
      return [
        ...Object.entries(t.props ?? {}).map(([k, v]) => ({ label: schema[k]?.title ?? humanize(k), value: String(v) })),
        { label: 'Batch Size', value: String(t.batchSize) },
        { label: 'External ID', value: t.externalId || '—' },
      ];
    }
    const p = this.store.flow.value()?.trigger;
    return p ? Object.entries(p).filter(([k]) => k !== 'type').map(([k, v]) => ({ label: humanize(k), value: String(v) })) : [];
  });

  constructor() {
    effect(() => {
      const id = this.id();
      untracked(() => void this.store.load(id));
    });
  }
}

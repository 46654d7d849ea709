import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, effect, inject, input, untracked } from '@angular/core';
import { RouterLink } from '@angular/router';
import { JsonSchema } from '../../core/api/models';
import { humanize } from '../../shared/json-schema-form/schema-form';
import { ConnectorIcon } from '../../shared/ui/connector-icon';
import { ErrorAlert } from '../../shared/ui/error-alert';
import { KindBadge } from '../../shared/ui/kind-badge';
import { RequestState } from '../../shared/ui/request-state';
import { ConnectorDetailStore } from './connector-detail.store';

interface PropRow {
  key: string;
  title: string;
  type: string;
  required: boolean;
  description: string;
}

@Component({
  selector: 'fp-connector-page',
  imports: [RouterLink, DatePipe, ConnectorIcon, KindBadge, RequestState, ErrorAlert],
  providers: [ConnectorDetailStore],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './connector.page.html',
  styleUrl: './connector.page.scss',
})
export class ConnectorPage {
  protected readonly store = inject(ConnectorDetailStore);
  /** Route parameter `:name`. */
  readonly name = input.required<string>();

  constructor() {
    // Reload when the route parameter changes; the store's own signals must not re-trigger the load.
    effect(() => {
      const name = this.name();
      untracked(() => void this.store.load(name));
    });
  }

  protected propRows(schema: JsonSchema | undefined): PropRow[] {
    const required = new Set(schema?.required ?? []);
    return Object.entries(schema?.properties ?? {}).map(([key, p]) => ({
      key,
      title: p.title ?? humanize(key),
      type: p.enum ? `one of ${p.enum.join(', ')}` : [p.type ?? 'any', p.format, range(p)].filter(Boolean).join(' · '),
      required: required.has(key),
      description: p.description ?? '',
    }));
  }

  protected onVersion(version: string): void {
    void this.store.showVersion(version);
  }
}

function range(p: JsonSchema): string {
  if (p.minimum !== undefined && p.maximum !== undefined) return `${p.minimum}–${p.maximum}`;
  if (p.minimum !== undefined) return `≥ ${p.minimum}`;
  if (p.maximum !== undefined) return `≤ ${p.maximum}`;
  return '';
}

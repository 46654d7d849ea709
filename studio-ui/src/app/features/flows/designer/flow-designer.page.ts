import { ChangeDetectionStrategy, Component, computed, effect, inject, input, signal, untracked } from '@angular/core';
import { RouterLink } from '@angular/router';
import { FlowStep, StepType } from '../../../core/api/flow-definition';
import { humanize } from '../../../shared/json-schema-form/schema-form';
import { ErrorAlert } from '../../../shared/ui/error-alert';
import { KindBadge } from '../../../shared/ui/kind-badge';
import { RequestState } from '../../../shared/ui/request-state';
import { describeTrigger, statusBadgeClass } from '../flow-format';
import { FlowDesignerStore, STEP_TYPES, StepDraft } from './flow-designer.store';
import { StepEditor } from './step-editor';

/**
 * The flow designer: the trigger as the first node, then the steps (add, reorder, delete, edit in
 * the side panel), and the draft -> publish -> activate actions, manual runs and test runs.
 */
/** Platform trigger settings whose product names humanize() would not spell right. */
const PLATFORM_SETTING_LABELS: Record<string, string> = { externalId: 'External ID' };

@Component({
  selector: 'fp-flow-designer-page',
  imports: [RouterLink, KindBadge, RequestState, ErrorAlert, StepEditor],
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
  protected readonly stepTypes = STEP_TYPES;

  protected readonly runOpen = signal(false);
  protected readonly runInput = signal('{}');
  protected readonly runInputError = signal<string | null>(null);
  protected readonly copied = signal<'url' | 'token' | null>(null);

  protected readonly selectedDraft = computed(() => {
    const uid = this.store.selected();
    const steps = this.store.steps();
    const index = steps.findIndex((s) => s.uid === uid);
    return index < 0 ? null : { draft: steps[index], index };
  });

  /** The trigger's settings as label/value rows, using the manifest's titles when known. */
  protected readonly settings = computed(() => {
    const t = this.store.connectorTrigger();
    const schema = this.store.trigger()?.props.properties ?? {};
    if (t) {
      return [
        ...Object.entries(t.props ?? {}).map(([k, v]) => ({ label: schema[k]?.title ?? humanize(k), value: String(v) })),
        { label: 'Batch Size', value: String(t.batchSize) },
        { label: 'External ID', value: t.externalId || '—' },
      ];
    }
    const p = this.store.draftTrigger();
    return p ? Object.entries(p).filter(([k]) => k !== 'type').map(([k, v]) => ({ label: PLATFORM_SETTING_LABELS[k] ?? humanize(k), value: typeof v === 'string' ? v : JSON.stringify(v) })) : [];
  });

  protected readonly versionLine = computed(() => {
    const f = this.store.flow.value();
    if (!f) return '';
    const latest = f.latestVersion ?? (f.versions?.length ? f.versions[f.versions.length - 1].version : null);
    if (latest === null || latest === undefined) return 'Not published yet';
    return `Latest version ${latest}` + (f.activeVersion ? ` · version ${f.activeVersion} is active` : '');
  });

  constructor() {
    effect(() => {
      const id = this.id();
      untracked(() => void this.store.load(id));
    });
  }

  protected addStep(type: StepType): void {
    const draft = this.store.addStep(type);
    setTimeout(() => document.getElementById(`step-${draft.uid}-name`)?.focus(), 0);
  }

  protected move(draft: StepDraft, delta: -1 | 1): void {
    this.store.moveStep(draft.uid, delta);
    // Keep keyboard focus on the same button of the moved node.
    setTimeout(() => document.querySelector<HTMLElement>(`[data-step-uid="${draft.uid}"] [data-move="${delta}"]`)?.focus(), 0);
  }

  protected remove(draft: StepDraft): void {
    this.store.removeStep(draft.uid);
  }

  protected stepSummary(step: FlowStep): string {
    switch (step.type) {
      case 'action':
        return step.connector ? `${step.connector} · ${step.action || 'choose an action'}` : 'Choose a connector and an action';
      case 'map':
        return step.expression || 'No expression yet';
      case 'code':
        return `${step.code.split('\n').length} line(s) of JavaScript`;
      case 'filter':
        return step.condition ? `Continue if ${step.condition}` : 'No condition yet';
      case 'http':
        return `${step.request.method} ${typeof step.request.url === 'string' && step.request.url ? step.request.url : '(no URL yet)'}`;
    }
  }

  protected typeLabel(type: string): string {
    return STEP_TYPES.find((t) => t.type === type)?.label ?? type;
  }

  protected errorCount(index: number): number {
    return Object.keys(this.store.stepErrors(index)).length;
  }

  protected firstError(index: number): string {
    const errors = this.store.stepErrors(index);
    return errors[''] ?? Object.entries(errors).map(([k, v]) => `${k}: ${v}`)[0] ?? '';
  }

  protected toggleRun(): void {
    if (this.store.runDisabledReason()) return;
    this.runOpen.update((v) => !v);
  }

  protected async startRun(): Promise<void> {
    let input: unknown = null;
    const text = this.runInput().trim();
    if (text) {
      try {
        input = JSON.parse(text);
      } catch (err) {
        this.runInputError.set(`Run input must be valid JSON (${(err as Error).message}), e.g. { "orderId": 42 }.`);
        return;
      }
    }
    this.runInputError.set(null);
    await this.store.run(input);
    if (!this.store.error()) this.runOpen.set(false);
  }

  protected async copy(what: 'url' | 'token', text: string): Promise<void> {
    try {
      await navigator.clipboard.writeText(text);
      this.copied.set(what);
      setTimeout(() => this.copied.set(null), 2000);
    } catch {
      this.copied.set(null);
    }
  }
}

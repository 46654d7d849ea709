import { ChangeDetectionStrategy, Component, computed, inject, input, signal } from '@angular/core';
import { FlowStep, HttpStep } from '../../../core/api/flow-definition';
import { ActionStepEditor } from './action-step-editor';
import { EarlierStep, ExpressionPicker } from './expression-picker';
import { STEP_NAME, insertAtCaret } from './expressions';
import { FlowDesignerStore, STEP_TYPES, StepDraft } from './flow-designer.store';

const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

/** The side panel for one step: its name, its type's settings, its API errors and the expression picker. */
@Component({
  selector: 'fp-step-editor',
  imports: [ActionStepEditor, ExpressionPicker],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './step-editor.html',
  styleUrl: './step-editor.scss',
})
export class StepEditor {
  protected readonly store = inject(FlowDesignerStore);
  readonly draft = input.required<StepDraft>();
  readonly index = input.required<number>();

  protected readonly methods = HTTP_METHODS;
  protected readonly step = computed(() => this.draft().step);
  protected readonly typeLabel = computed(() => STEP_TYPES.find((t) => t.type === this.step().type)?.label ?? this.step().type);
  protected readonly errors = computed(() => this.store.stepErrors(this.index()));
  /** Errors that no field below shows, so they are listed at the top of the panel. */
  protected readonly otherErrors = computed(() => {
    const shown = new Set(['name', 'expression', 'code', 'condition', 'connector', 'action', 'account', 'request.method', 'request.url', 'request.headers', 'request.body']);
    return Object.entries(this.errors())
      .filter(([k]) => !shown.has(k) && !k.startsWith('inputs.') && !k.startsWith('request.headers.'))
      .map(([path, message]) => ({ path, message }));
  });

  protected readonly nameError = computed(() => {
    const name = this.step().name;
    if (!STEP_NAME.test(name)) return `Step name must start with a letter or _ and use only letters, digits and _ (got "${name}").`;
    const others = this.store.steps().filter((s) => s.uid !== this.draft().uid && s.step.name === name);
    if (others.length) return `Step name "${name}" is already used by another step; names must be unique.`;
    return this.errors()['name'] ?? null;
  });

  protected readonly earlierSteps = computed<EarlierStep[]>(() => {
    const all = this.store.steps();
    const i = all.findIndex((s) => s.uid === this.draft().uid);
    return all.slice(0, Math.max(i, 0)).map(({ step }) => ({
      name: step.name,
      sampleOutput: step.type === 'action' ? this.store.manifest(step.connector, step.version)?.manifest.actions.find((a) => a.name === step.action)?.sampleOutput : undefined,
    }));
  });

  protected readonly connectorTrigger = computed(() => this.store.draftTrigger()?.type === 'connector');
  protected readonly sampleData = computed(() => (this.connectorTrigger() ? this.store.trigger()?.sampleData : undefined));

  protected readonly headersText = signal<string | null>(null);
  protected readonly headersError = signal<string | null>(null);
  protected readonly pickHint = signal<string | null>(null);
  private lastField: HTMLInputElement | HTMLTextAreaElement | null = null;

  protected id(part: string): string {
    return `step-${this.draft().uid}-${part}`;
  }

  protected set<K extends string>(key: K, value: string): void {
    this.store.updateStep(this.draft().uid, (s) => ({ ...s, [key]: value }) as FlowStep);
  }

  protected http(): HttpStep['request'] {
    const s = this.step();
    return s.type === 'http' ? s.request : { method: 'GET', url: '' };
  }

  protected text(value: unknown): string {
    return value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value, null, 2);
  }

  protected headersValue(): string {
    return this.headersText() ?? (this.http().headers ? JSON.stringify(this.http().headers, null, 2) : '');
  }

  protected setRequest(change: Partial<HttpStep['request']>): void {
    this.store.updateStep(this.draft().uid, (s) => (s.type === 'http' ? { ...s, request: { ...s.request, ...change } } : s));
  }

  protected setHeaders(text: string): void {
    this.headersText.set(text);
    if (!text.trim()) {
      this.headersError.set(null);
      this.store.updateStep(this.draft().uid, (s) => {
        if (s.type !== 'http') return s;
        const request = { ...s.request };
        delete request.headers;
        return { ...s, request };
      });
      return;
    }
    try {
      const parsed: unknown = JSON.parse(text);
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      this.headersError.set(null);
      this.setRequest({ headers: parsed as Record<string, unknown> });
    } catch {
      this.headersError.set('Headers must be a JSON object, e.g. { "Authorization": "Bearer {{ steps.login.token }}" }.');
    }
  }

  /** The body as JSON when it parses, else as text (which may hold `{{ }}`). */
  protected setBody(text: string): void {
    let body: unknown = text;
    if (!text.trim()) body = undefined;
    else {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    this.store.updateStep(this.draft().uid, (s) => {
      if (s.type !== 'http') return s;
      const request = { ...s.request, body };
      if (body === undefined) delete request.body;
      return { ...s, request };
    });
  }

  /** Remembers the text field that had focus last, where the picker inserts. */
  protected track(event: FocusEvent): void {
    const el = event.target;
    if (el instanceof HTMLTextAreaElement || (el instanceof HTMLInputElement && ['text', 'url', 'email', 'search', ''].includes(el.type))) {
      if (el.dataset['noExpr'] === undefined) {
        this.lastField = el;
        this.pickHint.set(null);
      }
    }
  }

  protected insert(expression: string): void {
    const el = this.lastField;
    if (!el || !el.isConnected) {
      this.pickHint.set(`Click into the field that should receive ${expression} first, then pick it again.`);
      return;
    }
    insertAtCaret(el, expression);
  }
}

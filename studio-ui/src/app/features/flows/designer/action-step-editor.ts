import { ChangeDetectionStrategy, Component, DestroyRef, computed, effect, inject, input, linkedSignal, untracked } from '@angular/core';
import { Subscription } from 'rxjs';
import { ActionStep } from '../../../core/api/flow-definition';
import { Account, ManifestAction } from '../../../core/api/models';
import { JsonSchemaForm } from '../../../shared/json-schema-form/json-schema-form';
import { SchemaField, SchemaForm, applyServerErrors, buildSchemaForm, humanize, schemaFormValue } from '../../../shared/json-schema-form/schema-form';
import { isExpression } from './expressions';
import { FlowDesignerStore, StepDraft } from './flow-designer.store';

/**
 * An action step: installed connector -> action -> account -> inputs. Inputs are the action's
 * props JSON Schema rendered by the shared form; any top-level input can switch to an expression
 * (`{{ ... }}`), which the form then leaves out and a text field holds instead.
 */
@Component({
  selector: 'fp-action-step-editor',
  imports: [JsonSchemaForm],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="field">
      <label class="field-label" [for]="id('connector')">Connector<span class="required-marker" aria-hidden="true">*</span></label>
      <select class="select" [id]="id('connector')" (change)="chooseConnector($any($event.target).value)"
        [attr.aria-invalid]="!!errors()['connector']" [attr.aria-describedby]="errors()['connector'] ? id('connector') + '-error' : null">
        <option value="" disabled [selected]="!step().connector">Select an installed connector…</option>
        @for (c of store.installed.value() ?? []; track c.name) { <option [value]="c.name" [selected]="c.name === step().connector">{{ c.displayName }} (v{{ c.installedVersion }})</option> }
      </select>
      @if (store.installed.loaded() && !(store.installed.value() ?? []).length) { <p class="field-help">No connectors are installed. Install one from the Store, then come back.</p> }
      @if (errors()['connector']; as e) { <p class="field-error" [id]="id('connector') + '-error'">{{ e }}</p> }
    </div>
    @if (step().connector) {
      @if (manifestState() === 'loading') { <p class="muted" role="status">Loading the connector's actions…</p> }
      @if (manifestError(); as e) { <p class="field-error">Could not load {{ step().connector }}&#64;{{ step().version }}: {{ e }}</p> }
      @if (actions(); as list) {
        <div class="field">
          <label class="field-label" [for]="id('action')">Action<span class="required-marker" aria-hidden="true">*</span></label>
          <select class="select" [id]="id('action')" (change)="chooseAction($any($event.target).value)" [attr.aria-invalid]="!!errors()['action']">
            <option value="" disabled [selected]="!step().action">Select an action…</option>
            @for (a of list; track a.name) { <option [value]="a.name" [selected]="a.name === step().action">{{ a.displayName }}</option> }
          </select>
          @if (!list.length) { <p class="field-help">This connector has no actions.</p> }
          @if (action(); as a) { <p class="field-help">{{ a.description }}</p> }
          @if (errors()['action']; as e) { <p class="field-error">{{ e }}</p> }
        </div>
      }
    }
    @if (action(); as a) {
      @if (a.account) {
        <div class="field">
          <label class="field-label" [for]="id('account')">Account<span class="required-marker" aria-hidden="true">*</span></label>
          <select class="select" [id]="id('account')" (change)="chooseAccount($any($event.target).value)" [attr.aria-invalid]="!!errors()['account']">
            <option value="" disabled [selected]="!step().account">Select an account…</option>
            @for (acc of accounts(); track acc.id) { <option [value]="acc.id" [selected]="acc.id === step().account">{{ acc.name }}</option> }
          </select>
          @if (!accounts().length) { <p class="field-help">No {{ a.account }} account for this connector yet: create one under Accounts.</p> }
          @if (errors()['account']; as e) { <p class="field-error">{{ e }}</p> }
        </div>
      }
      <fieldset class="group inputs">
        <legend class="field-label">Inputs</legend>
        @if (form(); as f) { <fp-json-schema-form [form]="f" [idPrefix]="id('input')" /> }
        @for (key of exprKeys(); track key) {
          <div class="field" [attr.data-expr-input]="key">
            <label class="field-label" [for]="id('expr-' + key)">{{ title(key) }} <span class="badge">expression</span></label>
            <div class="row">
              <input class="input mono" [id]="id('expr-' + key)" [value]="exprValue(key)" (input)="setExpression(key, $any($event.target).value)"
                placeholder="{{ '{{ trigger.messages[0].payload.id }}' }}" [attr.aria-invalid]="!!errors()['inputs.' + key]" />
              <button type="button" class="btn btn-sm btn-ghost" (click)="useLiteral(key)">Use a fixed value</button>
            </div>
            @if (errors()['inputs.' + key]; as e) { <p class="field-error">{{ e }}</p> }
          </div>
        }
        @if (literalKeys().length) {
          <div class="row expr-toggles">
            <span class="subtle">Set with an expression:</span>
            @for (key of literalKeys(); track key) { <button type="button" class="btn btn-sm" (click)="useExpression(key)" [attr.aria-label]="'Set ' + title(key) + ' with an expression'">{{ title(key) }}</button> }
          </div>
        }
      </fieldset>
    }
  `,
  styles: `.inputs { border: 0; padding: 0; margin: 0; } .expr-toggles { flex-wrap: wrap; gap: 6px; margin-top: 8px; } .row .input { flex: 1; }`,
})
export class ActionStepEditor {
  protected readonly store = inject(FlowDesignerStore);
  readonly draft = input.required<StepDraft>();
  /** This step's API errors by path inside the step (`inputs.queueUrl`, `account`). */
  readonly errors = input<Record<string, string>>({});

  protected readonly step = computed(() => this.draft().step as ActionStep);
  private readonly connectorKey = computed(() => `${this.step().connector}@${this.step().version}`);
  protected readonly manifestState = computed(() => this.store.manifests()[this.connectorKey()]);
  protected readonly manifestError = computed(() => {
    const m = this.manifestState();
    return m instanceof Error ? m.message : null;
  });
  protected readonly actions = computed<ManifestAction[] | null>(() => this.store.manifest(this.step().connector, this.step().version)?.manifest.actions ?? null);
  protected readonly action = computed<ManifestAction | null>(() => this.actions()?.find((a) => a.name === this.step().action) ?? null);
  protected readonly accounts = computed<Account[]>(() => {
    const list = this.store.accountsByConnector()[this.step().connector];
    const type = this.action()?.account;
    return Array.isArray(list) ? list.filter((a) => !type || a.account === type) : [];
  });

  /** Inputs held as expressions; starts from the saved inputs each time the action changes. */
  protected readonly exprKeys = linkedSignal<ManifestAction | null, string[]>({
    source: this.action,
    computation: () => Object.entries(untracked(this.step).inputs ?? {}).filter(([, v]) => isExpression(v)).map(([k]) => k),
  });

  protected readonly form = computed<SchemaForm | null>(() => {
    const action = this.action();
    if (!action) return null;
    const omit = this.exprKeys();
    const inputs = untracked(this.step).inputs ?? {};
    return buildSchemaForm(action.props, { omit, initial: Object.fromEntries(Object.entries(inputs).filter(([k]) => !omit.includes(k))) });
  });

  protected readonly literalKeys = computed(() => Object.keys(this.action()?.props.properties ?? {}).filter((k) => !this.exprKeys().includes(k)));

  constructor() {
    let sub: Subscription | null = null;
    effect(() => {
      const form = this.form();
      sub?.unsubscribe();
      if (!form) return;
      untracked(() => applyServerErrors(form.fields, this.inputErrors()));
      sub = form.group.valueChanges.subscribe(() => this.writeInputs(form.fields));
    });
    // API errors for literal inputs go onto the form's controls.
    effect(() => {
      const errors = this.inputErrors();
      const form = untracked(this.form);
      if (form) applyServerErrors(form.fields, errors);
    });
    inject(DestroyRef).onDestroy(() => sub?.unsubscribe());
  }

  private readonly inputErrors = computed(() => {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.errors())) if (k.startsWith('inputs.')) out[k.slice(7)] = v;
    return out;
  });

  protected id(part: string): string {
    return `step-${this.draft().uid}-${part}`;
  }

  protected title(key: string): string {
    return this.action()?.props.properties?.[key]?.title ?? humanize(key);
  }

  protected exprValue(key: string): string {
    const v = this.step().inputs?.[key];
    return typeof v === 'string' ? v : '';
  }

  protected chooseConnector(name: string): void {
    const connector = this.store.installed.value()?.find((c) => c.name === name);
    if (!connector?.installedVersion) return;
    const version = connector.installedVersion;
    this.update((s) => ({ ...s, connector: name, version, action: '', account: undefined, inputs: {} }));
    void this.store.ensureConnector(name, version);
  }

  protected chooseAction(name: string): void {
    const action = this.actions()?.find((a) => a.name === name);
    const list = this.store.accountsByConnector()[this.step().connector];
    const matching = Array.isArray(list) && action?.account ? list.filter((a) => a.account === action.account) : [];
    this.update((s) => ({ ...s, action: name, inputs: {}, account: action?.account ? (matching.length === 1 ? matching[0].id : undefined) : undefined }));
  }

  protected chooseAccount(id: string): void {
    this.update((s) => ({ ...s, account: id || undefined }));
  }

  protected useExpression(key: string): void {
    this.exprKeys.update((keys) => [...keys, key]);
    this.update((s) => ({ ...s, inputs: { ...s.inputs, [key]: '' } }));
  }

  protected useLiteral(key: string): void {
    this.update((s) => {
      const inputs = { ...s.inputs };
      delete inputs[key];
      return { ...s, inputs };
    });
    this.exprKeys.update((keys) => keys.filter((k) => k !== key));
  }

  protected setExpression(key: string, value: string): void {
    this.update((s) => ({ ...s, inputs: { ...s.inputs, [key]: value } }));
  }

  /** Literal values from the form plus the expression inputs; a field whose JSON does not parse yet keeps its last value. */
  private writeInputs(fields: SchemaField[]): void {
    this.update((s) => {
      const inputs: Record<string, unknown> = {};
      for (const key of this.exprKeys()) if (key in s.inputs) inputs[key] = s.inputs[key];
      for (const field of fields) {
        try {
          Object.assign(inputs, schemaFormValue([field]));
        } catch {
          if (field.key in s.inputs) inputs[field.key] = s.inputs[field.key];
        }
      }
      return { ...s, inputs };
    });
  }

  private update(change: (s: ActionStep) => ActionStep): void {
    this.store.updateStep(this.draft().uid, (s) => change(s as ActionStep));
  }
}

import { Injectable, computed, inject, signal } from '@angular/core';
import { map } from 'rxjs';
import { AccountsApi } from '../../../core/api/accounts-api.service';
import { ApiError } from '../../../core/api/api-error';
import { FlowsApi } from '../../../core/api/flows-api.service';
import { Account, Flow, FlowTrigger, JsonSchema, ManifestTrigger, RegistryConnectorVersion, StoreConnector } from '../../../core/api/models';
import { allPages } from '../../../core/api/paged-list';
import { RegistryApi } from '../../../core/api/registry-api.service';
import { Remote, call } from '../../../core/api/remote';
import { StoreApi } from '../../../core/api/store-api.service';
import { SchemaForm, applyServerErrors, buildSchemaForm, schemaFormValue } from '../../../shared/json-schema-form/schema-form';
import { PLATFORM_TRIGGERS, PlatformTriggerOption } from '../platform-triggers';

export type WizardStep = 1 | 2 | 3;

export type TriggerSource = { type: 'connector'; connector: StoreConnector } | { type: 'platform'; option: PlatformTriggerOption };

/** Props the wizard renders itself (Batching section) rather than among the trigger's own settings. */
export const DELIVERY_PROPS = ['batchSize', 'externalId', 'batchWaitMs'] as const;
export const EXTERNAL_ID_HELP = 'An expression over one message, e.g. payload.orderId. It labels each run and is the de-duplication key.';
const DEFAULT_BATCH_SIZE: JsonSchema = { type: 'integer', title: 'Batch Size', minimum: 1, maximum: 1000, default: 1 };
const DEFAULT_EXTERNAL_ID: JsonSchema = { type: 'string', title: 'External ID' };
const BATCH_WAIT: JsonSchema = {
  type: 'integer',
  title: 'Batch wait (ms)',
  description: 'How long to wait for a full batch before a partial batch starts a run.',
  minimum: 0,
  maximum: 60000,
  default: 1000,
};

/**
 * The Create-flow wizard: 1) name, 2) trigger source, 3) configure the trigger; creating the flow
 * opens the designer. Provided in root so its state survives a detour to create an account.
 */
@Injectable({ providedIn: 'root' })
export class CreateFlowStore {
  private readonly storeApi = inject(StoreApi);
  private readonly registry = inject(RegistryApi);
  private readonly accountsApi = inject(AccountsApi);
  private readonly flowsApi = inject(FlowsApi);

  readonly step = signal<WizardStep>(1);
  readonly name = signal('');
  readonly description = signal('');
  readonly nameError = signal<string | null>(null);

  readonly installed = new Remote<StoreConnector[]>();
  readonly platformTriggers = PLATFORM_TRIGGERS;
  readonly source = signal<TriggerSource | null>(null);
  readonly sourceError = signal<string | null>(null);

  readonly version = new Remote<RegistryConnectorVersion>();
  readonly accounts = new Remote<Account[]>();
  readonly triggerName = signal('');
  readonly triggerError = signal<string | null>(null);
  readonly accountId = signal('');
  readonly accountError = signal<string | null>(null);

  readonly creating = signal(false);
  readonly createError = signal<ApiError | null>(null);

  readonly triggers = computed<ManifestTrigger[]>(() => this.version.value()?.manifest.triggers ?? []);
  readonly trigger = computed(() => this.triggers().find((t) => t.name === this.triggerName()) ?? null);
  readonly needsAccount = computed(() => (this.version.value()?.manifest.accounts.length ?? 0) > 0);

  /** The selected trigger's own settings (e.g. Queue URL), without the batching props. */
  readonly propsForm = computed<SchemaForm | null>(() => {
    const source = this.source();
    if (source?.type === 'platform') return buildSchemaForm(source.option.settings);
    const trigger = this.trigger();
    return trigger ? buildSchemaForm(trigger.props, { omit: DELIVERY_PROPS }) : null;
  });

  /** Batch Size, External ID and batch wait, with the trigger's own constraints when it declares them. */
  readonly deliveryForm = computed<SchemaForm | null>(() => {
    const trigger = this.trigger();
    if (!trigger || this.source()?.type !== 'connector') return null;
    const props = trigger.props.properties ?? {};
    return buildSchemaForm({
      type: 'object',
      required: ['batchSize'],
      properties: {
        batchSize: { ...DEFAULT_BATCH_SIZE, ...props['batchSize'], description: 'How many messages one run receives (1–1000).' },
        externalId: { ...DEFAULT_EXTERNAL_ID, ...props['externalId'], description: EXTERNAL_ID_HELP, examples: ['payload.orderId'] },
        batchWaitMs: { ...BATCH_WAIT, ...props['batchWaitMs'] },
      },
    });
  });

  reset(): void {
    this.step.set(1);
    this.name.set('');
    this.description.set('');
    this.nameError.set(null);
    this.source.set(null);
    this.sourceError.set(null);
    this.version.set(null);
    this.accounts.set(null);
    this.triggerName.set('');
    this.triggerError.set(null);
    this.accountId.set('');
    this.accountError.set(null);
    this.createError.set(null);
  }

  // Step 1
  continueFromName(): boolean {
    const name = this.name().trim();
    if (!name) this.nameError.set('Flow name is required, e.g. "Sync new orders".');
    else if (name.length > 120) this.nameError.set(`Flow name must be at most 120 characters (got ${name.length}).`);
    else this.nameError.set(null);
    if (this.nameError()) return false;
    this.step.set(2);
    if (!this.installed.loaded() && !this.installed.loading()) void this.loadInstalled();
    return true;
  }

  // Step 2
  loadInstalled(): Promise<StoreConnector[] | null> {
    return this.installed.load(
      allPages((cursor) => this.storeApi.connectors({ limit: 100, cursor })).pipe(map((all) => all.filter((c) => c.installedVersion !== null))),
    );
  }

  chooseSource(source: TriggerSource): void {
    const previous = this.source();
    const same =
      previous?.type === source.type &&
      (source.type === 'connector' ? previous.type === 'connector' && previous.connector.name === source.connector.name : previous.type === 'platform' && previous.option.type === source.option.type);
    this.source.set(source);
    this.sourceError.set(null);
    if (!same) {
      this.triggerName.set('');
      this.accountId.set('');
      this.version.set(null);
      this.accounts.set(null);
    }
  }

  continueFromSource(): boolean {
    const source = this.source();
    if (!source) {
      this.sourceError.set('Choose an installed connector or a platform trigger to continue.');
      return false;
    }
    this.step.set(3);
    if (source.type === 'connector' && !this.version.loaded()) void this.loadConnector(source.connector);
    return true;
  }

  // Step 3
  async loadConnector(connector: StoreConnector): Promise<void> {
    const version = connector.installedVersion ?? connector.latestVersion;
    const [loaded] = await Promise.all([this.version.load(this.registry.version(connector.name, version)), this.loadAccounts()]);
    const triggers = loaded?.manifest.triggers ?? [];
    if (triggers.length === 1 && !this.triggerName()) this.triggerName.set(triggers[0].name);
  }

  async loadAccounts(): Promise<void> {
    const source = this.source();
    if (source?.type !== 'connector') return;
    const accounts = await this.accounts.load(allPages((cursor) => this.accountsApi.list({ connector: source.connector.name, limit: 100, cursor })));
    if (accounts && accounts.length === 1 && !this.accountId()) this.accountId.set(accounts[0].id);
  }

  selectTrigger(name: string): void {
    this.triggerName.set(name);
    this.triggerError.set(null);
  }

  selectAccount(id: string): void {
    this.accountId.set(id);
    this.accountError.set(null);
  }

  /** Validates step 3, builds the trigger and creates the flow; returns it for the designer. */
  async create(): Promise<Flow | null> {
    const source = this.source();
    if (!source) return null;
    this.createError.set(null);
    const props = this.propsForm();
    const delivery = this.deliveryForm();
    props?.group.markAllAsTouched();
    delivery?.group.markAllAsTouched();
    let valid = !props || props.group.valid;
    if (source.type === 'connector') {
      this.triggerError.set(this.trigger() ? null : 'Choose the event that starts this flow.');
      this.accountError.set(this.needsAccount() && !this.accountId() ? 'Choose an account, or create one for this connector.' : null);
      valid = valid && !this.triggerError() && !this.accountError() && !!delivery && delivery.group.valid;
    }
    if (!valid) return null;

    const trigger = this.buildTrigger(source);
    this.creating.set(true);
    try {
      return await call(
        this.flowsApi.create({ name: this.name().trim(), description: this.description().trim() || undefined, trigger, steps: [] }),
      );
    } catch (err) {
      this.showServerErrors(err as ApiError);
      return null;
    } finally {
      this.creating.set(false);
    }
  }

  private buildTrigger(source: TriggerSource): FlowTrigger {
    const props = this.propsForm();
    const values = props ? schemaFormValue(props.fields) : {};
    if (source.type === 'platform') return { type: source.option.type, ...values };
    const delivery = schemaFormValue(this.deliveryForm()?.fields ?? []);
    return {
      type: 'connector',
      connector: source.connector.name,
      version: this.version.value()?.version ?? source.connector.installedVersion ?? source.connector.latestVersion,
      trigger: this.triggerName(),
      account: this.accountId() || null,
      props: values,
      batchSize: typeof delivery['batchSize'] === 'number' ? delivery['batchSize'] : 1,
      externalId: typeof delivery['externalId'] === 'string' ? delivery['externalId'] : '',
      batchWaitMs: typeof delivery['batchWaitMs'] === 'number' ? delivery['batchWaitMs'] : 1000,
    };
  }

  private showServerErrors(error: ApiError): void {
    this.createError.set(error);
    const fields = error.fieldErrors();
    if (fields['name']) this.nameError.set(fields['name']);
    if (fields['trigger.account']) this.accountError.set(fields['trigger.account']);
    if (fields['trigger.trigger']) this.triggerError.set(fields['trigger.trigger']);
    const props = this.propsForm();
    if (props) applyServerErrors(props.fields, this.source()?.type === 'platform' ? error.fieldErrors('trigger') : error.fieldErrors('trigger.props'));
    const delivery = this.deliveryForm();
    if (delivery) applyServerErrors(delivery.fields, error.fieldErrors('trigger'));
  }
}

import { Injectable, computed, inject, signal } from '@angular/core';
import { map } from 'rxjs';
import { AccountsApi } from '../../../core/api/accounts-api.service';
import { ApiError } from '../../../core/api/api-error';
import { FlowStep, StepType } from '../../../core/api/flow-definition';
import { FlowsApi } from '../../../core/api/flows-api.service';
import { Account, ConnectorFlowTrigger, Flow, FlowTrigger, ManifestTrigger, RegistryConnectorVersion, StoreConnector } from '../../../core/api/models';
import { allPages } from '../../../core/api/paged-list';
import { RegistryApi } from '../../../core/api/registry-api.service';
import { Remote, call } from '../../../core/api/remote';
import { StoreApi } from '../../../core/api/store-api.service';
import { IssuedWebhookTokens } from '../issued-webhook-tokens';
import { nextStepName } from './expressions';

/** A step being edited; `uid` stays the same when steps move, so the selection and open editors follow. */
export interface StepDraft {
  uid: number;
  step: FlowStep;
}

export type DesignerAction = 'save' | 'publish' | 'activate' | 'deactivate' | 'run' | 'test' | 'rotate';

export const STEP_TYPES: ReadonlyArray<{ type: StepType; label: string; description: string }> = [
  { type: 'action', label: 'Action', description: 'Call an action of an installed connector.' },
  { type: 'map', label: 'Map', description: 'Reshape data with a JSONata expression.' },
  { type: 'code', label: 'Code', description: 'Run JavaScript in the sandbox; return the output.' },
  { type: 'filter', label: 'Filter', description: 'Stop the run unless a condition holds.' },
  { type: 'http', label: 'HTTP request', description: 'Call any HTTP API.' },
];

const EVENT_TRIGGER_KINDS: Record<string, string> = {
  stream: 'This flow starts when a message arrives (stream trigger), so it cannot be run by hand. Use Test to run it once on sample data.',
  pooling: 'This flow starts when polling finds new records (pooling trigger), so it cannot be run by hand. Use Test to run it once on sample data.',
  webhook: 'This flow starts when its webhook URL is called, so it cannot be run by hand. Use Test, or call the URL.',
  event: 'This flow starts when its custom event is emitted, so it cannot be run by hand. Use Test, or emit the event.',
};

/**
 * The flow designer's state: the flow, its draft steps as edited, the manifests and accounts the
 * step editors need, and the draft/publish/activate/run actions with their API errors.
 */
@Injectable()
export class FlowDesignerStore {
  private readonly flows = inject(FlowsApi);
  private readonly registry = inject(RegistryApi);
  private readonly accountsApi = inject(AccountsApi);
  private readonly storeApi = inject(StoreApi);
  private readonly issuedTokens = inject(IssuedWebhookTokens);

  readonly flow = new Remote<Flow>();
  /** The trigger connector's manifest (connector triggers only). */
  readonly version = new Remote<RegistryConnectorVersion>();
  readonly accounts = new Remote<Account[]>();
  /** Installed connectors, for action steps. */
  readonly installed = new Remote<StoreConnector[]>();
  readonly manifests = signal<Record<string, RegistryConnectorVersion | ApiError | 'loading'>>({});
  readonly accountsByConnector = signal<Record<string, Account[] | 'loading'>>({});

  readonly steps = signal<StepDraft[]>([]);
  readonly selected = signal<number | null>(null);
  readonly dirty = signal(false);
  readonly busy = signal<DesignerAction | null>(null);
  readonly error = signal<ApiError | null>(null);
  readonly notice = signal<{ text: string; runId?: string } | null>(null);
  readonly webhookToken = signal<string | null>(null);
  private uid = 0;

  readonly draftTrigger = computed<FlowTrigger | null>(() => this.flow.value()?.draft?.trigger ?? null);
  readonly connectorTrigger = computed(() => {
    const t = this.draftTrigger();
    return t && t.type === 'connector' ? (t as ConnectorFlowTrigger) : null;
  });

  /** The trigger's account by name when it can be found, else its id. */
  readonly accountName = computed(() => {
    const id = this.connectorTrigger()?.account;
    if (!id) return null;
    return this.accounts.value()?.find((a) => a.id === id)?.name ?? id;
  });

  readonly trigger = computed<ManifestTrigger | null>(() => {
    const t = this.connectorTrigger();
    return t ? (this.version.value()?.manifest.triggers.find((m) => m.name === t.trigger) ?? null) : null;
  });

  /** stream / pooling / webhook for connector triggers, else the platform trigger type. */
  readonly triggerKind = computed(() => {
    const t = this.draftTrigger();
    if (!t) return null;
    return t.type === 'connector' ? (this.trigger()?.kind ?? 'stream') : t.type;
  });

  readonly isWebhook = computed(() => this.triggerKind() === 'webhook');
  readonly webhookUrl = computed(() => `${location.origin}/hooks/${this.flow.value()?.id ?? ''}`);

  /** Why Run is disabled, or null when a manual run can start. */
  readonly runDisabledReason = computed<string | null>(() => {
    const flow = this.flow.value();
    const t = this.draftTrigger();
    if (!flow || !t) return 'The flow is still loading.';
    const kind = t.type === 'connector' ? (this.trigger()?.kind ?? 'stream') : t.type;
    if (t.type === 'connector' || t.type === 'event') return EVENT_TRIGGER_KINDS[kind] ?? EVENT_TRIGGER_KINDS['stream'];
    if (flow.status !== 'active') return 'Runs use the active version: publish the draft and activate the flow first. Test runs the draft.';
    return null;
  });

  /** API error details by normalised path (`steps.1.expression`, `trigger.batchSize`). */
  readonly fieldErrors = computed<Record<string, string>>(() => this.error()?.fieldErrors() ?? {});

  readonly triggerErrors = computed(() =>
    Object.entries(this.fieldErrors())
      .filter(([path]) => path === 'trigger' || path.startsWith('trigger.'))
      .map(([path, message]) => ({ path, message })),
  );

  load(id: string): Promise<void> {
    this.webhookToken.set(this.issuedTokens.take(id));
    return this.reload(id);
  }

  private async reload(id: string): Promise<void> {
    const flow = await this.flow.load(this.flows.get(id));
    if (!flow) return;
    this.resetSteps(flow);
    const tasks: Array<Promise<unknown>> = [this.installed.load(allPages((c) => this.storeApi.connectors({ limit: 100, cursor: c })).pipe(map((all) => all.filter((x) => x.installedVersion !== null))))];
    const t = flow.draft?.trigger;
    if (t && t.type === 'connector') {
      const ct = t as ConnectorFlowTrigger;
      // The trigger's manifest and accounts also serve action steps of the same connector.
      tasks.push(this.version.load(this.registry.version(ct.connector, ct.version)).then((v) => v && this.manifests.update((m) => ({ ...m, [`${ct.connector}@${ct.version}`]: v }))));
      tasks.push(
        this.accounts
          .load(allPages((cursor) => this.accountsApi.list({ connector: ct.connector, limit: 100, cursor })))
          .then((list) => list && this.accountsByConnector.update((a) => ({ ...a, [ct.connector]: list }))),
      );
    }
    for (const step of flow.draft?.steps ?? []) if (step.type === 'action' && step.connector && step.version) tasks.push(this.ensureConnector(step.connector, step.version));
    await Promise.all(tasks);
  }

  private resetSteps(flow: Flow): void {
    this.steps.set((flow.draft?.steps ?? []).map((step) => ({ uid: ++this.uid, step })));
    this.dirty.set(false);
  }

  // ---- editing ---------------------------------------------------------------------------------

  addStep(type: StepType): StepDraft {
    const name = nextStepName(type, this.steps().map((s) => s.step.name));
    const step: FlowStep =
      type === 'action'
        ? { type, name, connector: '', version: '', action: '', inputs: {} }
        : type === 'map'
          ? { type, name, expression: '' }
          : type === 'code'
            ? { type, name, code: 'return input;' }
            : type === 'filter'
              ? { type, name, condition: '' }
              : { type, name, request: { method: 'GET', url: '' } };
    const draft = { uid: ++this.uid, step };
    this.steps.update((all) => [...all, draft]);
    this.selected.set(draft.uid);
    this.dirty.set(true);
    return draft;
  }

  updateStep(uid: number, change: (step: FlowStep) => FlowStep): void {
    this.steps.update((all) => all.map((s) => (s.uid === uid ? { uid, step: change(s.step) } : s)));
    this.dirty.set(true);
  }

  /** Moves a step up (-1) or down (+1); error positions no longer match, so they are cleared. */
  moveStep(uid: number, delta: -1 | 1): void {
    const all = [...this.steps()];
    const i = all.findIndex((s) => s.uid === uid);
    const j = i + delta;
    if (i < 0 || j < 0 || j >= all.length) return;
    [all[i], all[j]] = [all[j], all[i]];
    this.steps.set(all);
    this.dirty.set(true);
    this.error.set(null);
  }

  removeStep(uid: number): void {
    this.steps.update((all) => all.filter((s) => s.uid !== uid));
    if (this.selected() === uid) this.selected.set(null);
    this.dirty.set(true);
    this.error.set(null);
  }

  /** Error messages of the step at `index`, keyed by the rest of the path (`expression`, `inputs.queueUrl`, `` for the step). */
  stepErrors(index: number): Record<string, string> {
    const prefix = `steps.${index}`;
    const out: Record<string, string> = {};
    for (const [path, message] of Object.entries(this.fieldErrors())) {
      if (path === prefix) out[''] = message;
      else if (path.startsWith(`${prefix}.`)) out[path.slice(prefix.length + 1)] = message;
    }
    return out;
  }

  /** Loads (once) the manifest and accounts an action step of this connector needs. */
  ensureConnector(connector: string, version: string): Promise<void> {
    const key = `${connector}@${version}`;
    const tasks: Array<Promise<void>> = [];
    if (!this.manifests()[key] || this.manifests()[key] instanceof ApiError) {
      this.manifests.update((m) => ({ ...m, [key]: 'loading' }));
      tasks.push(
        call(this.registry.version(connector, version)).then(
          (v) => this.manifests.update((m) => ({ ...m, [key]: v })),
          (err: ApiError) => this.manifests.update((m) => ({ ...m, [key]: err })),
        ),
      );
    }
    if (!this.accountsByConnector()[connector]) {
      this.accountsByConnector.update((a) => ({ ...a, [connector]: 'loading' }));
      tasks.push(
        call(allPages((cursor) => this.accountsApi.list({ connector, limit: 100, cursor }))).then(
          (list) => this.accountsByConnector.update((a) => ({ ...a, [connector]: list })),
          () => this.accountsByConnector.update((a) => ({ ...a, [connector]: [] })),
        ),
      );
    }
    return Promise.all(tasks).then(() => undefined);
  }

  manifest(connector: string, version: string): RegistryConnectorVersion | null {
    const m = this.manifests()[`${connector}@${version}`];
    return m && m !== 'loading' && !(m instanceof ApiError) ? m : null;
  }

  // ---- API actions -----------------------------------------------------------------------------

  /** Saves the draft (PUT with the whole definition). Returns false and keeps the errors when the API refuses. */
  async save(): Promise<boolean> {
    const flow = this.flow.value();
    if (!flow) return false;
    const saved = await this.act('save', () =>
      call(this.flows.save(flow.id, { name: flow.name, description: flow.description ?? '', trigger: flow.draft.trigger, steps: this.steps().map((s) => s.step) })),
    );
    if (!saved) return false;
    this.flow.set(saved);
    this.dirty.set(false);
    if (saved.webhookToken) this.webhookToken.set(saved.webhookToken);
    this.notice.set({ text: 'Draft saved.' });
    return true;
  }

  /** Saves unsaved edits, then freezes the draft as the next version. */
  async publish(): Promise<void> {
    const flow = this.flow.value();
    if (!flow || (this.dirty() && !(await this.save()))) return;
    const version = await this.act('publish', () => call(this.flows.publish(flow.id)));
    if (!version) return;
    this.flow.update((f) => (f ? { ...f, latestVersion: version.version, versions: [...(f.versions ?? []), { version: version.version, active: false, createdAt: version.createdAt }] } : f));
    this.notice.set({ text: `Published version ${version.version}. Activate it to start the trigger.` });
  }

  async activate(): Promise<void> {
    const flow = this.flow.value();
    if (!flow) return;
    const updated = await this.act('activate', () => call(this.flows.activate(flow.id)));
    if (updated) this.applyStatus(updated, `Active: version ${updated.activeVersion ?? ''} runs now.`);
  }

  async deactivate(): Promise<void> {
    const flow = this.flow.value();
    if (!flow) return;
    const updated = await this.act('deactivate', () => call(this.flows.deactivate(flow.id)));
    if (updated) this.applyStatus(updated, 'Deactivated: the trigger is stopped and no new runs start.');
  }

  async run(input: unknown): Promise<void> {
    const flow = this.flow.value();
    if (!flow || this.runDisabledReason()) return;
    const started = await this.act('run', () => call(this.flows.run(flow.id, input)));
    if (started) this.notice.set({ text: 'Run started.', runId: started.runId });
  }

  /** Saves unsaved edits (the test runs the draft), then starts a test run on the trigger's sample data. */
  async test(): Promise<void> {
    const flow = this.flow.value();
    if (!flow || (this.dirty() && !(await this.save()))) return;
    const started = await this.act('test', () => call(this.flows.test(flow.id)));
    if (started) this.notice.set({ text: 'Test run started on the sample data.', runId: started.runId });
  }

  async rotateWebhookToken(): Promise<void> {
    const flow = this.flow.value();
    if (!flow) return;
    const issued = await this.act('rotate', () => call(this.flows.rotateWebhookToken(flow.id)));
    if (issued) {
      this.webhookToken.set(issued.webhookToken);
      this.flow.update((f) => (f ? { ...f, hasWebhookToken: true } : f));
      this.notice.set({ text: 'New webhook token issued; the previous one no longer works. Copy it now: it is shown only once.' });
    }
  }

  /** Keeps the edited steps: activation answers the flow, whose draft is what was last saved. */
  private applyStatus(updated: Flow, text: string): void {
    this.flow.update((f) => (f ? { ...updated, draft: f.draft } : updated));
    this.notice.set({ text });
  }

  private async act<T>(action: DesignerAction, request: () => Promise<T>): Promise<T | null> {
    this.busy.set(action);
    this.error.set(null);
    this.notice.set(null);
    try {
      return await request();
    } catch (err) {
      this.error.set(err as ApiError);
      return null;
    } finally {
      this.busy.set(null);
    }
  }
}


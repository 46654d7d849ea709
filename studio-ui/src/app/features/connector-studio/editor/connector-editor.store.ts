import { Injectable, computed, inject, signal } from '@angular/core';
import { AccountsApi } from '../../../core/api/accounts-api.service';
import { ApiError } from '../../../core/api/api-error';
import { Account } from '../../../core/api/models';
import { allPages } from '../../../core/api/paged-list';
import { Remote, call } from '../../../core/api/remote';
import { StudioApi } from '../../../core/api/studio-api.service';
import { PublishedVersion, SourceFiles, StudioBuild, StudioTestResult } from '../../../core/api/studio-models';
import { SchemaForm, applyServerErrors, buildSchemaForm, schemaFormValue } from '../../../shared/json-schema-form/schema-form';
import { SourceProblem, problemsFromError } from './problems';

export type TestKind = 'action' | 'trigger';
/** `saved:<id>`, `inline` (values typed here, not saved) or `none`. */
export type AccountChoice = string;

/**
 * The connector editor: the sources being edited, the last build, a test run and publishing.
 * Every problem the server reports (build, registry, test) becomes a SourceProblem the editor
 * can jump to.
 */
@Injectable()
export class ConnectorEditorStore {
  private readonly api = inject(StudioApi);
  private readonly accountsApi = inject(AccountsApi);

  readonly template = new Remote<{ files: SourceFiles }>();
  readonly files = signal<SourceFiles>({});
  readonly activeFile = signal('src/index.ts');
  readonly fileNames = computed(() => Object.keys(this.files()).sort());

  readonly build = signal<StudioBuild | null>(null);
  /** The sources the current build was made from: editing after a build marks it stale. */
  private readonly builtFrom = signal<SourceFiles | null>(null);
  readonly buildStale = computed(() => this.build() !== null && this.builtFrom() !== this.files());
  readonly building = signal(false);
  readonly buildError = signal<ApiError | null>(null);
  readonly manifest = computed(() => this.build()?.manifest ?? null);

  readonly testKind = signal<TestKind>('action');
  readonly testTarget = signal('');
  readonly targets = computed(() => {
    const m = this.manifest();
    if (!m) return [];
    return this.testKind() === 'action'
      ? m.actions.map((a) => ({ name: a.name, displayName: a.displayName, props: a.props, account: a.account ?? null }))
      : m.triggers.map((t) => ({ name: t.name, displayName: `${t.displayName} (${t.kind})`, props: t.props, account: t.account ?? null }));
  });
  readonly selectedTarget = computed(() => this.targets().find((t) => t.name === this.testTarget()) ?? null);
  /**
   * Forms by target and schema: a rebuild that leaves a target's props unchanged keeps what the
   * developer typed (Build & Test after every edit would otherwise empty the form each time).
   */
  private readonly forms = new Map<string, SchemaForm>();
  private formFor(key: string, make: () => SchemaForm): SchemaForm {
    let form = this.forms.get(key);
    if (!form) {
      form = make();
      this.forms.set(key, form);
    }
    return form;
  }
  readonly propsForm = computed<SchemaForm | null>(() => {
    const target = this.selectedTarget();
    return target ? this.formFor(`${this.testKind()}:${target.name}:${JSON.stringify(target.props)}`, () => buildSchemaForm(target.props)) : null;
  });
  /** The manifest account the target uses (or the connector's only one). */
  readonly accountType = computed(() => {
    const m = this.manifest();
    if (!m) return null;
    const name = this.selectedTarget()?.account;
    return m.accounts.find((a) => a.name === name) ?? (m.accounts.length === 1 ? m.accounts[0] : null);
  });
  readonly accountForm = computed<SchemaForm | null>(() => {
    const type = this.accountType();
    return type
      ? this.formFor(`account:${type.name}:${JSON.stringify(type.props)}`, () => buildSchemaForm(type.props, { secretFields: type.secretFields }))
      : null;
  });
  readonly savedAccounts = new Remote<Account[]>();
  readonly accountChoice = signal<AccountChoice>('inline');
  readonly testing = signal(false);
  readonly testError = signal<ApiError | null>(null);
  readonly testResult = signal<StudioTestResult | null>(null);

  readonly publishing = signal(false);
  readonly publishError = signal<ApiError | null>(null);
  readonly published = signal<PublishedVersion | null>(null);

  private readonly buildProblems = signal<SourceProblem[]>([]);
  private readonly publishProblems = signal<SourceProblem[]>([]);
  readonly testProblem = computed<SourceProblem | null>(() => {
    const error = this.testResult()?.error;
    if (!error) return null;
    return { source: 'test', file: error.file ?? null, line: error.line ?? null, column: error.column ?? null, path: '', message: `${error.name}: ${error.message}` };
  });
  readonly problems = computed(() => {
    const test = this.testProblem();
    return [...this.buildProblems(), ...this.publishProblems(), ...(test ? [test] : [])];
  });
  /** Problems of the open file, for the editor's gutter. */
  readonly activeProblems = computed(() => this.problems().filter((p) => p.file === this.activeFile() && p.line !== null));

  async init(name: string): Promise<void> {
    const template = await this.template.load(this.api.template(name));
    if (!template) return;
    this.files.set(template.files);
    this.activeFile.set(template.files['src/index.ts'] !== undefined ? 'src/index.ts' : (Object.keys(template.files)[0] ?? ''));
  }

  open(file: string): void {
    if (this.files()[file] !== undefined) this.activeFile.set(file);
  }

  edit(file: string, text: string): void {
    if (this.files()[file] === text) return;
    this.files.update((files) => ({ ...files, [file]: text }));
  }

  async runBuild(): Promise<StudioBuild | null> {
    const files = this.files();
    this.building.set(true);
    this.buildError.set(null);
    this.buildProblems.set([]);
    this.publishProblems.set([]);
    this.publishError.set(null);
    this.published.set(null);
    try {
      const built = await call(this.api.build(files));
      this.build.set(built);
      this.builtFrom.set(files);
      this.testResult.set(null);
      this.pickDefaultTarget();
      void this.savedAccounts.load(allPages((cursor) => this.accountsApi.list({ connector: built.manifest.name, limit: 100, cursor })));
      return built;
    } catch (err) {
      const apiError = err as ApiError;
      this.buildError.set(apiError);
      this.buildProblems.set(problemsFromError(apiError, 'build', this.manifest(), files));
      return null;
    } finally {
      this.building.set(false);
    }
  }

  setTestKind(kind: TestKind): void {
    this.testKind.set(kind);
    this.pickDefaultTarget();
  }

  async runTest(): Promise<StudioTestResult | null> {
    // Test what is in the editor: rebuild first when the sources changed since the last build.
    const built = this.buildStale() || !this.build() ? await this.runBuild() : this.build();
    const target = this.selectedTarget();
    const props = this.propsForm();
    this.testError.set(null);
    if (!built || !target || !props) return null;
    props.group.markAllAsTouched();
    const account = this.accountChoice() === 'inline' ? this.accountForm() : null;
    account?.group.markAllAsTouched();
    if (props.group.invalid || account?.group.invalid) return null;
    const choice = this.accountChoice();
    this.testing.set(true);
    try {
      const result = await call(
        this.api.test({
          bundle: built.bundle,
          integrity: built.integrity,
          ...(built.sourceMap ? { sourceMap: built.sourceMap } : {}),
          op: this.testKind(),
          target: target.name,
          props: schemaFormValue(props.fields),
          ...(choice.startsWith('saved:') ? { accountId: choice.slice('saved:'.length) } : {}),
          ...(account ? { account: schemaFormValue(account.fields) } : {}),
        }),
      );
      this.testResult.set(result);
      return result;
    } catch (err) {
      const apiError = err as ApiError;
      this.testError.set(apiError);
      applyServerErrors(props.fields, apiError.fieldErrors('props'));
      return null;
    } finally {
      this.testing.set(false);
    }
  }

  async publish(): Promise<PublishedVersion | null> {
    const built = this.buildStale() || !this.build() ? await this.runBuild() : this.build();
    if (!built) return null;
    this.publishing.set(true);
    this.published.set(null);
    this.publishError.set(null);
    this.publishProblems.set([]);
    try {
      const version = await call(this.api.publish(built));
      this.published.set(version);
      return version;
    } catch (err) {
      const apiError = err as ApiError;
      this.publishError.set(apiError);
      this.publishProblems.set(problemsFromError(apiError, 'publish', built.manifest, this.builtFrom() ?? this.files()));
      return null;
    } finally {
      this.publishing.set(false);
    }
  }

  private pickDefaultTarget(): void {
    const targets = this.targets();
    if (!targets.some((t) => t.name === this.testTarget())) this.testTarget.set(targets[0]?.name ?? '');
  }
}

import { Injectable, computed, inject, signal } from '@angular/core';
import { map } from 'rxjs';
import { AccountsApi } from '../../core/api/accounts-api.service';
import { ApiError } from '../../core/api/api-error';
import { InstallsApi } from '../../core/api/installs-api.service';
import { Account, Install, ManifestAccount } from '../../core/api/models';
import { allPages } from '../../core/api/paged-list';
import { RegistryApi } from '../../core/api/registry-api.service';
import { Remote, call } from '../../core/api/remote';
import { SchemaForm, applyServerErrors, buildSchemaForm, schemaFormValue } from '../../shared/json-schema-form/schema-form';

/** Creating an account: pick an installed connector and account type, fill its JSON Schema, save. */
@Injectable()
export class AccountCreateStore {
  private readonly accountsApi = inject(AccountsApi);
  private readonly installsApi = inject(InstallsApi);
  private readonly registry = inject(RegistryApi);

  readonly installs = new Remote<Install[]>();
  readonly connector = signal('');
  readonly accountTypes = new Remote<ManifestAccount[]>();
  readonly accountType = signal('');
  readonly name = signal('');
  readonly nameError = signal<string | null>(null);
  readonly saving = signal(false);
  readonly saveError = signal<ApiError | null>(null);

  readonly selectedType = computed(() => this.accountTypes.value()?.find((a) => a.name === this.accountType()) ?? null);
  readonly form = computed<SchemaForm | null>(() => {
    const type = this.selectedType();
    return type ? buildSchemaForm(type.props, { secretFields: type.secretFields }) : null;
  });

  async init(connector: string): Promise<void> {
    await this.installs.load(allPages((cursor) => this.installsApi.list({ limit: 100, cursor })));
    const installed = this.installs.value() ?? [];
    const initial = installed.some((i) => i.connector === connector) ? connector : installed.length === 1 ? installed[0].connector : '';
    if (initial) await this.selectConnector(initial);
  }

  async selectConnector(connector: string): Promise<void> {
    this.connector.set(connector);
    this.accountType.set('');
    this.accountTypes.set(null);
    const install = this.installs.value()?.find((i) => i.connector === connector);
    if (!install) return;
    const types = await this.accountTypes.load(this.registry.version(connector, install.version).pipe(map((v) => v.manifest.accounts ?? [])));
    if (types && types.length > 0) this.accountType.set(types[0].name);
  }

  async save(): Promise<Account | null> {
    const form = this.form();
    const type = this.selectedType();
    this.saveError.set(null);
    this.nameError.set(this.name().trim() ? null : 'Name is required, e.g. "Production AWS".');
    if (!form || !type) return null;
    form.group.markAllAsTouched();
    if (form.group.invalid || this.nameError()) return null;
    this.saving.set(true);
    try {
      return await call(
        this.accountsApi.create({ connector: this.connector(), account: type.name, name: this.name().trim(), values: schemaFormValue(form.fields) }),
      );
    } catch (err) {
      const apiError = err as ApiError;
      this.saveError.set(apiError);
      const fieldErrors = apiError.fieldErrors();
      if (fieldErrors['name']) this.nameError.set(fieldErrors['name']);
      applyServerErrors(form.fields, apiError.fieldErrors('values'));
      return null;
    } finally {
      this.saving.set(false);
    }
  }
}

import { Injectable, computed, inject } from '@angular/core';
import { AccountsApi } from '../../../core/api/accounts-api.service';
import { FlowsApi } from '../../../core/api/flows-api.service';
import { Account, Flow, ManifestTrigger, RegistryConnectorVersion } from '../../../core/api/models';
import { allPages } from '../../../core/api/paged-list';
import { RegistryApi } from '../../../core/api/registry-api.service';
import { Remote } from '../../../core/api/remote';

/** The flow being designed and, for connector triggers, the manifest that describes its trigger. */
@Injectable()
export class FlowDesignerStore {
  private readonly flows = inject(FlowsApi);
  private readonly registry = inject(RegistryApi);
  private readonly accountsApi = inject(AccountsApi);

  readonly flow = new Remote<Flow>();
  readonly version = new Remote<RegistryConnectorVersion>();
  readonly accounts = new Remote<Account[]>();

  /** The trigger's account by name when it can be found, else its id. */
  readonly accountName = computed(() => {
    const t = this.flow.value()?.trigger;
    const id = t && t.type === 'connector' && 'account' in t ? t.account : null;
    if (!id) return null;
    return this.accounts.value()?.find((a) => a.id === id)?.name ?? id;
  });

  readonly trigger = computed<ManifestTrigger | null>(() => {
    const t = this.flow.value()?.trigger;
    if (!t || t.type !== 'connector' || !('trigger' in t)) return null;
    return this.version.value()?.manifest.triggers.find((m) => m.name === t.trigger) ?? null;
  });

  async load(id: string): Promise<void> {
    const flow = await this.flow.load(this.flows.get(id));
    const t = flow?.trigger;
    if (t && t.type === 'connector' && 'connector' in t) {
      await Promise.all([
        this.version.load(this.registry.version(t.connector, t.version)),
        this.accounts.load(allPages((cursor) => this.accountsApi.list({ connector: t.connector, limit: 100, cursor }))),
      ]);
    }
  }
}

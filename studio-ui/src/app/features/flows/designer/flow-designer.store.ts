import { Injectable, computed, inject } from '@angular/core';
import { FlowsApi } from '../../../core/api/flows-api.service';
import { Flow, ManifestTrigger, RegistryConnectorVersion } from '../../../core/api/models';
import { RegistryApi } from '../../../core/api/registry-api.service';
import { Remote } from '../../../core/api/remote';

/** The flow being designed and, for connector triggers, the manifest that describes its trigger. */
@Injectable()
export class FlowDesignerStore {
  private readonly flows = inject(FlowsApi);
  private readonly registry = inject(RegistryApi);

  readonly flow = new Remote<Flow>();
  readonly version = new Remote<RegistryConnectorVersion>();

  readonly trigger = computed<ManifestTrigger | null>(() => {
    const t = this.flow.value()?.trigger;
    if (!t || t.type !== 'connector' || !('trigger' in t)) return null;
    return this.version.value()?.manifest.triggers.find((m) => m.name === t.trigger) ?? null;
  });

  async load(id: string): Promise<void> {
    const flow = await this.flow.load(this.flows.get(id));
    const t = flow?.trigger;
    if (t && t.type === 'connector' && 'connector' in t) await this.version.load(this.registry.version(t.connector, t.version));
  }
}

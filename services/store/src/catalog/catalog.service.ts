import type { JsonSchema, TriggerKind } from '@flowport/connector-sdk';
import { paginateArray } from '@flowport/core';
import type { Page, PageQueryDto } from '@flowport/core';
import { RegistryService } from '@flowport/registry';
import { Injectable } from '@nestjs/common';
import { InstallsService } from '../installs/installs.service';

export interface StoreConnector {
  name: string;
  displayName: string;
  icon: string;
  description: string;
  categories: string[];
  latestVersion: string;
  actionCount: number;
  triggerCount: number;
  installedVersion: string | null;
}

export interface StoreTrigger {
  connector: string;
  connectorDisplayName: string;
  connectorVersion: string;
  icon: string;
  name: string;
  displayName: string;
  description: string;
  kind: TriggerKind;
  driver?: string;
  props: JsonSchema;
}

/** The Connector Store's two tabs, read from the registry plus this workspace's installs. */
@Injectable()
export class CatalogService {
  constructor(
    private readonly registry: RegistryService,
    private readonly installs: InstallsService,
  ) {}

  async connectors(workspaceId: string, query: PageQueryDto & { q?: string; category?: string }): Promise<Page<StoreConnector>> {
    const page = await this.registry.list(query, { installableOnly: true });
    const installed = await this.installs.installedVersions(workspaceId, page.items.map((c) => c.name));
    return {
      items: page.items.map((c) => ({
        name: c.name,
        displayName: c.displayName,
        icon: c.icon,
        description: c.description,
        categories: c.categories,
        latestVersion: c.latestVersion!,
        actionCount: c.actionCount,
        triggerCount: c.triggerCount,
        installedVersion: installed.get(c.name) ?? null,
      })),
      nextCursor: page.nextCursor,
    };
  }

  /** Every trigger of every connector's latest installable version. */
  async triggers(query: PageQueryDto & { q?: string; kind?: string; connector?: string }): Promise<Page<StoreTrigger>> {
    const needle = query.q?.toLowerCase();
    const all: StoreTrigger[] = [];
    for (const { name, version, manifest } of await this.registry.latestManifests()) {
      if (query.connector && query.connector !== name) continue;
      for (const t of manifest.triggers) {
        if (query.kind && t.kind !== query.kind) continue;
        const text = `${t.name} ${t.displayName} ${t.description} ${name} ${manifest.displayName}`.toLowerCase();
        if (needle && !text.includes(needle)) continue;
        all.push({
          connector: name,
          connectorDisplayName: manifest.displayName,
          connectorVersion: version,
          icon: manifest.icon,
          name: t.name,
          displayName: t.displayName,
          description: t.description,
          kind: t.kind,
          ...(t.stream ? { driver: t.stream.driver } : {}),
          props: t.props,
        });
      }
    }
    return paginateArray(all, query);
  }
}

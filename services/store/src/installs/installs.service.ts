import { ApiError, paginateQuery } from '@flowport/core';
import type { Page, PageQueryDto } from '@flowport/core';
import { CONNECTOR_SANDBOX, RegistryService } from '@flowport/registry';
import type { ConnectorSandbox, LoadedVersion } from '@flowport/registry';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { InstallEntity } from '../entities';
import { INSTALL_USAGE_CHECKER, noInstallUsage } from './install-usage';
import type { InstallUsageChecker } from './install-usage';

export interface InstallView {
  connector: string;
  version: string;
  yanked: boolean;
  deprecated: boolean;
  installedAt: string;
  updatedAt: string;
}

@Injectable()
export class InstallsService {
  private readonly logger = new Logger('Installs');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly registry: RegistryService,
    @Inject(CONNECTOR_SANDBOX) private readonly sandbox: ConnectorSandbox,
    private readonly moduleRef: ModuleRef,
  ) {}

  async install(workspaceId: string, connector: string, version?: string): Promise<InstallView> {
    const repo = this.dataSource.getRepository(InstallEntity);
    if (await repo.existsBy({ workspaceId, connectorName: connector })) {
      throw ApiError.conflict(`${connector} is already installed in this workspace; change its version with PATCH /api/v1/installs/${connector}`, undefined, 'ALREADY_INSTALLED');
    }
    const loaded = await this.prepare(connector, version);
    try {
      await repo.insert({ workspaceId, connectorName: connector, version: loaded.version, updatedAt: new Date() });
    } catch (err) {
      if ((err as { code?: string }).code === '23505') {
        throw ApiError.conflict(`${connector} is already installed in this workspace`, undefined, 'ALREADY_INSTALLED');
      }
      throw err;
    }
    this.logger.log(`Installed ${connector}@${loaded.version} in workspace ${workspaceId}`);
    return this.get(workspaceId, connector);
  }

  async changeVersion(workspaceId: string, connector: string, version?: string): Promise<InstallView> {
    const row = await this.findInstall(workspaceId, connector);
    const loaded = await this.prepare(connector, version);
    await this.dataSource.getRepository(InstallEntity).update({ id: row.id }, { version: loaded.version, updatedAt: new Date() });
    return this.get(workspaceId, connector);
  }

  async uninstall(workspaceId: string, connector: string): Promise<void> {
    const row = await this.findInstall(workspaceId, connector);
    const flows = await this.usageChecker().flowsUsing(workspaceId, connector);
    if (flows.length > 0) {
      throw ApiError.conflict(
        `${connector} is still used by ${flows.length} flow${flows.length === 1 ? '' : 's'}; remove it from ${flows.length === 1 ? 'that flow' : 'those flows'} first`,
        flows.map((name, i) => ({ path: `flows[${i}]`, message: name })),
        'INSTALL_IN_USE',
      );
    }
    await this.dataSource.getRepository(InstallEntity).delete({ id: row.id });
  }

  async list(workspaceId: string, query: PageQueryDto): Promise<Page<InstallView>> {
    const qb = this.dataSource.getRepository(InstallEntity).createQueryBuilder('i').where('i.workspace_id = :workspaceId', { workspaceId });
    const page = await paginateQuery(qb, query, { sortColumn: 'i.connector_name', idColumn: 'i.id', sortValue: (i) => i.connectorName, idValue: (i) => i.id });
    const flags = await this.flagsFor(page.items);
    return { items: page.items.map((i) => toView(i, flags.get(`${i.connectorName}@${i.version}`))), nextCursor: page.nextCursor };
  }

  async get(workspaceId: string, connector: string): Promise<InstallView> {
    const row = await this.findInstall(workspaceId, connector);
    const flags = await this.flagsFor([row]);
    return toView(row, flags.get(`${row.connectorName}@${row.version}`));
  }

  /** Installed versions by connector name for one workspace (store listing). */
  async installedVersions(workspaceId: string, connectors: string[]): Promise<Map<string, string>> {
    if (connectors.length === 0) return new Map();
    const rows = await this.dataSource
      .getRepository(InstallEntity)
      .createQueryBuilder('i')
      .where('i.workspace_id = :workspaceId AND i.connector_name = ANY(:connectors)', { workspaceId, connectors })
      .getMany();
    return new Map(rows.map((r) => [r.connectorName, r.version]));
  }

  /**
   * The installed version with its bundle, integrity and signature re-verified: what the
   * runtime and account tests run. Works for yanked versions (existing installs keep working).
   */
  async loadInstalled(workspaceId: string, connector: string): Promise<LoadedVersion> {
    const row = await this.findInstall(workspaceId, connector);
    const loaded = await this.registry.loadVersion(connector, row.version);
    await this.registry.verifyLoaded(loaded);
    return loaded;
  }

  private async prepare(connector: string, version?: string): Promise<LoadedVersion> {
    const loaded = await this.registry.resolveInstallable(connector, version);
    await this.registry.verifyLoaded(loaded);
    try {
      // Warms the sandbox's compiled-bundle cache so the first flow run does not pay for it.
      await this.sandbox.loadManifest({ code: loaded.bundle, integrity: loaded.integrity });
    } catch (err) {
      throw ApiError.unprocessable(`${connector}@${loaded.version} failed to load in the sandbox: ${err instanceof Error ? err.message : String(err)}`, undefined, 'BUNDLE_LOAD_FAILED');
    }
    return loaded;
  }

  private async findInstall(workspaceId: string, connector: string): Promise<InstallEntity> {
    const row = await this.dataSource.getRepository(InstallEntity).findOneBy({ workspaceId, connectorName: connector });
    if (!row) throw ApiError.notFound(`${connector} is not installed in this workspace; install it with POST /api/v1/installs`, 'NOT_INSTALLED');
    return row;
  }

  private async flagsFor(rows: InstallEntity[]): Promise<Map<string, { yanked: boolean; deprecated: boolean }>> {
    if (rows.length === 0) return new Map();
    const result: Array<{ connector_name: string; version: string; yanked: boolean; deprecated: boolean }> = await this.dataSource.query(
      `SELECT connector_name, version, yanked, deprecated FROM registry_versions
       WHERE (connector_name, version) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
      [rows.map((r) => r.connectorName), rows.map((r) => r.version)],
    );
    return new Map(result.map((r) => [`${r.connector_name}@${r.version}`, { yanked: r.yanked, deprecated: r.deprecated }]));
  }

  private usageChecker(): InstallUsageChecker {
    try {
      return this.moduleRef.get<InstallUsageChecker>(INSTALL_USAGE_CHECKER, { strict: false });
    } catch {
      return noInstallUsage;
    }
  }
}

function toView(i: InstallEntity, flags?: { yanked: boolean; deprecated: boolean }): InstallView {
  return {
    connector: i.connectorName,
    version: i.version,
    yanked: flags?.yanked ?? false,
    deprecated: flags?.deprecated ?? false,
    installedAt: i.installedAt.toISOString(),
    updatedAt: i.updatedAt.toISOString(),
  };
}

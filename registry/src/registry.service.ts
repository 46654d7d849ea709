import { ConnectorManifest, validateManifest } from '@flowport/connector-sdk';
import { ApiError, FLOWPORT_CONFIG, paginateQuery } from '@flowport/core';
import type { AuthContext, FlowportConfig, Page } from '@flowport/core';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import * as semver from 'semver';
import { DataSource, EntityManager } from 'typeorm';
import type { ListConnectorsQueryDto, PublishVersionDto, RegisterPublisherKeyDto } from './dto/registry.dto';
import { ConnectorEntity, ConnectorVersionEntity, PublisherKeyEntity } from './entities';
import { checkIntegrity, normalizeEd25519PublicKey, verifySignature } from './integrity';
import { diffJson } from './manifest-diff';
import { CONNECTOR_SANDBOX } from './sandbox';
import type { ConnectorSandbox } from './sandbox';

export interface ConnectorSummary {
  name: string;
  displayName: string;
  description: string;
  icon: string;
  categories: string[];
  triggerKinds: string[];
  actionCount: number;
  triggerCount: number;
  latestVersion: string | null;
  publisherWorkspaceId: string;
  updatedAt: string;
}

export interface VersionView {
  name: string;
  version: string;
  manifest: ConnectorManifest;
  integrity: string;
  signature: string | null;
  keyId: string | null;
  /** The publisher's public key (SPKI PEM) for `keyId`, so a client can verify the signature itself. */
  publicKey: string | null;
  deprecated: boolean;
  yanked: boolean;
  sizeBytes: number;
  publishedAt: string;
}

export interface VersionBrief {
  version: string;
  deprecated: boolean;
  yanked: boolean;
  signed: boolean;
  publishedAt: string;
}

/** A version with its bundle, as installs and the runtime load it. */
export interface LoadedVersion {
  name: string;
  version: string;
  manifest: ConnectorManifest;
  bundle: string;
  integrity: string;
  signature: string | null;
  keyId: string | null;
  deprecated: boolean;
  yanked: boolean;
  publisherWorkspaceId: string;
}

@Injectable()
export class RegistryService {
  private readonly logger = new Logger('Registry');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(FLOWPORT_CONFIG) private readonly config: FlowportConfig,
    @Inject(CONNECTOR_SANDBOX) private readonly sandbox: ConnectorSandbox,
  ) {}

  async publish(auth: AuthContext, body: PublishVersionDto): Promise<VersionView> {
    const size = Buffer.byteLength(body.bundle, 'utf8');
    if (size > this.config.maxBundleBytes) {
      throw ApiError.payloadTooLarge(
        `Bundle is ${size} bytes; the registry accepts up to ${this.config.maxBundleBytes} bytes (FLOWPORT_MAX_BUNDLE_BYTES)`,
        'BUNDLE_TOO_LARGE',
      );
    }
    const validation = validateManifest(body.manifest);
    if (!validation.ok) {
      throw ApiError.unprocessable(
        `Manifest is invalid (${validation.errors.length} problem${validation.errors.length === 1 ? '' : 's'}); fix them and rebuild`,
        validation.errors.map((e) => ({ path: e.path ? `manifest.${e.path}` : 'manifest', message: e.message })),
        'INVALID_MANIFEST',
      );
    }
    const manifest = body.manifest as unknown as ConnectorManifest;
    const integrityProblem = checkIntegrity(body.bundle, body.integrity);
    if (integrityProblem) throw ApiError.unprocessable(integrityProblem, [{ path: 'integrity', message: integrityProblem }], 'INTEGRITY_MISMATCH');
    if (!semver.valid(manifest.version)) {
      throw ApiError.unprocessable(`manifest.version must be a semantic version like 1.2.3 (got "${manifest.version}")`, [{ path: 'manifest.version', message: 'not a semantic version' }], 'INVALID_MANIFEST');
    }
    if ((body.signature === undefined) !== (body.keyId === undefined)) {
      throw ApiError.unprocessable('signature and keyId go together: send both to publish a signed version, or neither', [{ path: body.signature === undefined ? 'signature' : 'keyId', message: 'missing' }], 'SIGNATURE_INVALID');
    }

    // Cheap ownership and version checks first, so a doomed publish does not load the bundle.
    await this.checkCanPublish(this.dataSource.manager, auth.workspace.id, manifest.name, manifest.version, false);
    if (body.signature !== undefined && body.keyId !== undefined) await this.checkSignature(auth.workspace.id, body.integrity, body.signature, body.keyId);
    await this.checkBundleExports(manifest, { code: body.bundle, integrity: body.integrity });

    await this.dataSource.transaction(async (em) => {
      await em.query(
        `INSERT INTO registry_connectors (name, publisher_workspace_id, display_name, description, icon, categories, trigger_kinds, action_count, trigger_count, latest_version, highest_version)
         VALUES ($1, $2, '', '', '', '{}', '{}', 0, 0, NULL, $3) ON CONFLICT (name) DO NOTHING`,
        [manifest.name, auth.workspace.id, manifest.version],
      );
      // Row lock: two publishes of the same connector are ordered, so "higher than latest" holds.
      await this.checkCanPublish(em, auth.workspace.id, manifest.name, manifest.version, true);
      await em.query(
        `INSERT INTO registry_versions (connector_name, version, manifest, bundle, integrity, size_bytes, signature, key_id, published_by_key_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [manifest.name, manifest.version, JSON.stringify(manifest), body.bundle, body.integrity, size, body.signature ?? null, body.keyId ?? null, auth.keyId],
      );
      await this.refreshConnector(em, manifest.name);
    });
    this.logger.log(`Published ${manifest.name}@${manifest.version} (${size} bytes) from workspace ${auth.workspace.id}`);
    return this.getVersion(manifest.name, manifest.version);
  }

  private async checkCanPublish(em: EntityManager, workspaceId: string, name: string, version: string, lock: boolean): Promise<void> {
    const qb = em.getRepository(ConnectorEntity).createQueryBuilder('c').where('c.name = :name', { name });
    if (lock) qb.setLock('pessimistic_write');
    const connector = await qb.getOne();
    if (!connector) return;
    if (connector.publisherWorkspaceId !== workspaceId) {
      throw ApiError.forbidden(`Connector name "${name}" belongs to another publisher; choose another name in manifest.name`, 'NAME_TAKEN');
    }
    const exists = await em.getRepository(ConnectorVersionEntity).exists({ where: { connectorName: name, version } });
    if (exists) {
      throw ApiError.conflict(`${name}@${version} is already published and published versions are immutable; bump the version`, [{ path: 'manifest.version', message: 'already published' }], 'VERSION_EXISTS');
    }
    const highest = await this.highestVersion(em, name);
    if (highest && !semver.gt(version, highest)) {
      throw ApiError.conflict(`${name}@${version} is not higher than the latest published version ${highest}; publish a higher version`, [{ path: 'manifest.version', message: `must be greater than ${highest}` }], 'VERSION_NOT_HIGHER');
    }
  }

  private async highestVersion(em: EntityManager, name: string): Promise<string | null> {
    const rows: Array<{ version: string }> = await em.query('SELECT version FROM registry_versions WHERE connector_name = $1', [name]);
    return rows.map((r) => r.version).sort(semver.rcompare)[0] ?? null;
  }

  private async checkSignature(workspaceId: string, integrity: string, signature: string, keyId: string): Promise<void> {
    const key = await this.dataSource.getRepository(PublisherKeyEntity).findOneBy({ workspaceId, keyId });
    if (!key) {
      throw ApiError.unprocessable(`Signing key "${keyId}" is not registered for this workspace; register it with POST /api/v1/registry/keys`, [{ path: 'keyId', message: 'unknown key' }], 'SIGNATURE_INVALID');
    }
    if (!verifySignature(integrity, signature, key.publicKey)) {
      throw ApiError.unprocessable(`signature does not verify with key "${keyId}": sign the exact integrity string with its ed25519 private key`, [{ path: 'signature', message: 'does not verify' }], 'SIGNATURE_INVALID');
    }
  }

  private async checkBundleExports(manifest: ConnectorManifest, bundle: { code: string; integrity: string }): Promise<void> {
    let exported: ConnectorManifest;
    try {
      exported = (await this.sandbox.loadManifest(bundle)) as unknown as ConnectorManifest;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw ApiError.unprocessable(`Bundle failed to load in the sandbox: ${message}`, [{ path: 'bundle', message }], 'BUNDLE_LOAD_FAILED');
    }
    const differences = diffJson(manifest, exported);
    if (differences.length > 0) {
      throw ApiError.unprocessable(
        'The bundle exports a different manifest than the one posted; publish the manifest.json built together with this bundle',
        differences.map((d) => ({ path: d.path ? `manifest.${d.path}` : 'manifest', message: d.message })),
        'BUNDLE_MANIFEST_MISMATCH',
      );
    }
  }

  /** Recomputes the connector row's display fields and latest version from its versions. */
  private async refreshConnector(em: EntityManager, name: string): Promise<void> {
    const versions = await em.getRepository(ConnectorVersionEntity).find({ where: { connectorName: name } });
    versions.sort((a, b) => semver.rcompare(a.version, b.version));
    const latest = versions.find((v) => !v.deprecated && !v.yanked) ?? null;
    const shown = latest ?? versions[0];
    const m = shown.manifest;
    await em.getRepository(ConnectorEntity).update(
      { name },
      {
        displayName: m.displayName,
        description: m.description,
        icon: m.icon,
        categories: m.categories,
        triggerKinds: [...new Set(m.triggers.map((t) => t.kind))],
        actionCount: m.actions.length,
        triggerCount: m.triggers.length,
        latestVersion: latest?.version ?? null,
        highestVersion: versions[0].version,
        updatedAt: new Date(),
      },
    );
  }

  async registerKey(workspaceId: string, body: RegisterPublisherKeyDto): Promise<{ keyId: string; publicKey: string; createdAt: string }> {
    let publicKey: string;
    try {
      publicKey = normalizeEd25519PublicKey(body.publicKey);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw ApiError.unprocessable(message, [{ path: 'publicKey', message }], 'INVALID_PUBLIC_KEY');
    }
    const repo = this.dataSource.getRepository(PublisherKeyEntity);
    if (await repo.existsBy({ workspaceId, keyId: body.keyId })) {
      throw ApiError.conflict(`Signing key "${body.keyId}" is already registered; keys are immutable, register a new keyId to rotate`, [{ path: 'keyId', message: 'already registered' }]);
    }
    const row = await repo.save({ workspaceId, keyId: body.keyId, publicKey });
    return { keyId: row.keyId, publicKey: row.publicKey, createdAt: row.createdAt.toISOString() };
  }

  async listKeys(workspaceId: string): Promise<{ items: Array<{ keyId: string; publicKey: string; createdAt: string }>; nextCursor: null }> {
    const rows = await this.dataSource.getRepository(PublisherKeyEntity).find({ where: { workspaceId }, order: { createdAt: 'ASC' } });
    return { items: rows.map((r) => ({ keyId: r.keyId, publicKey: r.publicKey, createdAt: r.createdAt.toISOString() })), nextCursor: null };
  }

  async list(query: ListConnectorsQueryDto, options: { installableOnly?: boolean } = {}): Promise<Page<ConnectorSummary>> {
    const qb = this.dataSource.getRepository(ConnectorEntity).createQueryBuilder('c');
    if (options.installableOnly) qb.andWhere('c.latest_version IS NOT NULL');
    if (query.q) {
      qb.andWhere("(c.name ILIKE :q ESCAPE '\\' OR c.display_name ILIKE :q ESCAPE '\\' OR c.description ILIKE :q ESCAPE '\\')", { q: `%${escapeLike(query.q)}%` });
    }
    if (query.category) qb.andWhere(':category = ANY(c.categories)', { category: query.category });
    if (query.triggerKind) qb.andWhere(':kind = ANY(c.trigger_kinds)', { kind: query.triggerKind });
    if (query.publisher) {
      qb.andWhere('c.publisher_workspace_id IN (SELECT w.id FROM workspaces w WHERE w.id::text = :publisher OR w.name = :publisher)', { publisher: query.publisher });
    }
    const page = await paginateQuery(qb, query, { sortColumn: 'c.name', idColumn: 'c.name', sortValue: (c) => c.name, idValue: (c) => c.name });
    return { items: page.items.map(toSummary), nextCursor: page.nextCursor };
  }

  async getConnector(name: string): Promise<ConnectorSummary & { versions: VersionBrief[] }> {
    const connector = await this.dataSource.getRepository(ConnectorEntity).findOneBy({ name });
    if (!connector) throw ApiError.notFound(`Connector "${name}" is not in the registry`, 'CONNECTOR_NOT_FOUND');
    const versions = await this.dataSource.getRepository(ConnectorVersionEntity).find({ where: { connectorName: name } });
    versions.sort((a, b) => semver.rcompare(a.version, b.version));
    return {
      ...toSummary(connector),
      versions: versions.map((v) => ({ version: v.version, deprecated: v.deprecated, yanked: v.yanked, signed: v.signature !== null, publishedAt: v.publishedAt.toISOString() })),
    };
  }

  async getVersion(name: string, version: string): Promise<VersionView> {
    const v = await this.findVersion(name, version);
    const key = v.keyId ? await this.publisherKeyFor(name, v.keyId) : null;
    return {
      name: v.connectorName,
      version: v.version,
      manifest: v.manifest,
      integrity: v.integrity,
      signature: v.signature,
      keyId: v.keyId,
      publicKey: key,
      deprecated: v.deprecated,
      yanked: v.yanked,
      sizeBytes: v.sizeBytes,
      publishedAt: v.publishedAt.toISOString(),
    };
  }

  async getBundle(name: string, version: string): Promise<{ code: string; integrity: string }> {
    const row = await this.dataSource
      .getRepository(ConnectorVersionEntity)
      .createQueryBuilder('v')
      .addSelect('v.bundle')
      .where('v.connector_name = :name AND v.version = :version', { name, version })
      .getOne();
    if (!row) throw ApiError.notFound(`Version ${name}@${version} is not in the registry`, 'VERSION_NOT_FOUND');
    return { code: row.bundle, integrity: row.integrity };
  }

  async setFlag(auth: AuthContext, name: string, version: string, flag: 'deprecated' | 'yanked'): Promise<VersionView> {
    await this.dataSource.transaction(async (em) => {
      const connector = await em.getRepository(ConnectorEntity).createQueryBuilder('c').setLock('pessimistic_write').where('c.name = :name', { name }).getOne();
      if (!connector) throw ApiError.notFound(`Connector "${name}" is not in the registry`, 'CONNECTOR_NOT_FOUND');
      if (connector.publisherWorkspaceId !== auth.workspace.id) {
        throw ApiError.forbidden(`Only the publisher of "${name}" can change its versions`, 'NOT_PUBLISHER');
      }
      const result = await em.getRepository(ConnectorVersionEntity).update({ connectorName: name, version }, { [flag]: true });
      if (!result.affected) throw ApiError.notFound(`Version ${name}@${version} is not in the registry`, 'VERSION_NOT_FOUND');
      await this.refreshConnector(em, name);
    });
    return this.getVersion(name, version);
  }

  /**
   * The version an install gets: the one asked for (deprecated allowed when pinned, yanked
   * never), or else the latest neither deprecated nor yanked.
   */
  async resolveInstallable(name: string, version?: string): Promise<LoadedVersion> {
    const connector = await this.dataSource.getRepository(ConnectorEntity).findOneBy({ name });
    if (!connector) throw ApiError.notFound(`Connector "${name}" is not in the registry`, 'CONNECTOR_NOT_FOUND');
    const target = version ?? connector.latestVersion;
    if (!target) throw ApiError.unprocessable(`Connector "${name}" has no installable version (all are deprecated or yanked); pin a deprecated version explicitly`, undefined, 'NO_INSTALLABLE_VERSION');
    const loaded = await this.loadVersion(name, target);
    if (loaded.yanked) throw ApiError.unprocessable(`${name}@${target} was yanked and cannot be installed; choose another version`, [{ path: 'version', message: 'yanked' }], 'VERSION_YANKED');
    return loaded;
  }

  /** A version with bundle, whatever its flags (existing installs keep working after a yank). */
  async loadVersion(name: string, version: string): Promise<LoadedVersion> {
    const row = await this.dataSource
      .getRepository(ConnectorVersionEntity)
      .createQueryBuilder('v')
      .addSelect('v.bundle')
      .where('v.connector_name = :name AND v.version = :version', { name, version })
      .getOne();
    if (!row) throw ApiError.notFound(`Version ${name}@${version} is not in the registry`, 'VERSION_NOT_FOUND');
    const connector = await this.dataSource.getRepository(ConnectorEntity).findOneByOrFail({ name });
    return {
      name,
      version: row.version,
      manifest: row.manifest,
      bundle: row.bundle,
      integrity: row.integrity,
      signature: row.signature,
      keyId: row.keyId,
      deprecated: row.deprecated,
      yanked: row.yanked,
      publisherWorkspaceId: connector.publisherWorkspaceId,
    };
  }

  /**
   * Re-checks a stored version before it runs anywhere: the bundle still hashes to its
   * integrity and, when signed, the signature still verifies with the publisher's key.
   */
  async verifyLoaded(v: LoadedVersion): Promise<void> {
    const problem = checkIntegrity(v.bundle, v.integrity);
    if (problem) throw ApiError.unprocessable(`${v.name}@${v.version} failed its integrity check: the stored bundle was altered`, undefined, 'INTEGRITY_MISMATCH');
    if (v.signature && v.keyId) {
      const key = await this.dataSource.getRepository(PublisherKeyEntity).findOneBy({ workspaceId: v.publisherWorkspaceId, keyId: v.keyId });
      if (!key || !verifySignature(v.integrity, v.signature, key.publicKey)) {
        throw ApiError.unprocessable(`${v.name}@${v.version} has a signature that no longer verifies with key "${v.keyId}"`, undefined, 'SIGNATURE_INVALID');
      }
    }
  }

  /** Latest installable version of every connector, for the store's Triggers tab. */
  async latestManifests(): Promise<Array<{ name: string; version: string; manifest: ConnectorManifest }>> {
    const rows: Array<{ name: string; version: string; manifest: ConnectorManifest }> = await this.dataSource.query(
      `SELECT c.name, v.version, v.manifest FROM registry_connectors c
       JOIN registry_versions v ON v.connector_name = c.name AND v.version = c.latest_version
       ORDER BY c.name`,
    );
    return rows;
  }

  private async findVersion(name: string, version: string): Promise<ConnectorVersionEntity> {
    const v = await this.dataSource.getRepository(ConnectorVersionEntity).findOneBy({ connectorName: name, version });
    if (!v) throw ApiError.notFound(`Version ${name}@${version} is not in the registry`, 'VERSION_NOT_FOUND');
    return v;
  }

  private async publisherKeyFor(name: string, keyId: string): Promise<string | null> {
    const rows: Array<{ public_key: string }> = await this.dataSource.query(
      `SELECT k.public_key FROM registry_publisher_keys k JOIN registry_connectors c ON c.publisher_workspace_id = k.workspace_id
       WHERE c.name = $1 AND k.key_id = $2`,
      [name, keyId],
    );
    return rows[0]?.public_key ?? null;
  }
}

function toSummary(c: ConnectorEntity): ConnectorSummary {
  return {
    name: c.name,
    displayName: c.displayName,
    description: c.description,
    icon: c.icon,
    categories: c.categories,
    triggerKinds: c.triggerKinds,
    actionCount: c.actionCount,
    triggerCount: c.triggerCount,
    latestVersion: c.latestVersion,
    publisherWorkspaceId: c.publisherWorkspaceId,
    updatedAt: c.updatedAt.toISOString(),
  };
}

export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

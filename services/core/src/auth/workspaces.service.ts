import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { ApiError } from '../errors/api-error';
import { Page, PageQueryDto, paginateQuery } from '../pagination/pagination';
import { ApiKeyEntity } from './api-key.entity';
import { apiKeyMatches, generateApiKey, lookupPrefixOf } from './api-keys';
import type { AuthContext } from './auth.decorators';
import type { Role } from './roles';
import { WorkspaceEntity } from './workspace.entity';

export interface IssuedKey {
  id: string;
  name: string;
  role: Role;
  /** The secret itself; returned once, never stored. */
  key: string;
  createdAt: string;
}

export interface KeyView {
  id: string;
  name: string;
  role: Role;
  createdAt: string;
  revokedAt: string | null;
}

// Any fixed number: serialises first-start bootstrap between replicas starting together.
const BOOTSTRAP_LOCK = 774_201;

@Injectable()
export class WorkspacesService {
  private readonly logger = new Logger('Workspaces');

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async authenticate(key: string): Promise<AuthContext | null> {
    const prefix = lookupPrefixOf(key);
    if (!prefix) return null;
    const candidates = await this.dataSource.getRepository(ApiKeyEntity).find({
      where: { lookupPrefix: prefix, revokedAt: IsNull() },
      relations: { workspace: true },
    });
    const row = candidates.find((c) => apiKeyMatches(key, c.keyHash));
    if (!row || !row.workspace) return null;
    return { workspace: { id: row.workspace.id, name: row.workspace.name }, role: row.role, keyId: row.id, keyName: row.name };
  }

  async createWorkspace(name: string, ownerKeyName = 'owner'): Promise<{ workspace: { id: string; name: string; createdAt: string }; key: IssuedKey }> {
    return this.dataSource.transaction(async (em) => {
      const workspace = await em.getRepository(WorkspaceEntity).save({ name });
      const key = await this.issueKey(em, workspace.id, ownerKeyName, 'owner');
      return { workspace: { id: workspace.id, name: workspace.name, createdAt: workspace.createdAt.toISOString() }, key };
    });
  }

  async createKey(workspaceId: string, name: string, role: Role): Promise<IssuedKey> {
    return this.issueKey(this.dataSource.manager, workspaceId, name, role);
  }

  async listKeys(workspaceId: string, query: PageQueryDto): Promise<Page<KeyView>> {
    const qb = this.dataSource.getRepository(ApiKeyEntity).createQueryBuilder('k').where('k.workspace_id = :workspaceId', { workspaceId });
    const page = await paginateQuery(qb, query, {
      sortColumn: 'k.created_at',
      idColumn: 'k.id',
      sortValue: (k) => k.createdAt.toISOString(),
      idValue: (k) => k.id,
    });
    return { items: page.items.map(toKeyView), nextCursor: page.nextCursor };
  }

  async revokeKey(workspaceId: string, keyId: string): Promise<KeyView> {
    const repo = this.dataSource.getRepository(ApiKeyEntity);
    const row = await repo.findOneBy({ id: keyId, workspaceId });
    if (!row) throw ApiError.notFound(`API key ${keyId} does not exist in this workspace`);
    if (!row.revokedAt) {
      row.revokedAt = new Date();
      await repo.save(row);
    }
    return toKeyView(row);
  }

  /**
   * First start: creates the default workspace and its owner key. Returns the key only when it
   * was created now, so the caller prints it exactly once.
   */
  async bootstrap(): Promise<{ workspace: { id: string; name: string }; key: IssuedKey } | null> {
    return this.dataSource.transaction(async (em) => {
      await em.query('SELECT pg_advisory_xact_lock($1)', [BOOTSTRAP_LOCK]);
      if ((await em.getRepository(WorkspaceEntity).count()) > 0) return null;
      const workspace = await em.getRepository(WorkspaceEntity).save({ name: 'Default' });
      const key = await this.issueKey(em, workspace.id, 'owner', 'owner');
      this.logger.log(`Created workspace "Default" (${workspace.id}) with an owner key`);
      return { workspace: { id: workspace.id, name: workspace.name }, key };
    });
  }

  private async issueKey(em: EntityManager, workspaceId: string, name: string, role: Role): Promise<IssuedKey> {
    const { key, lookupPrefix, keyHash } = generateApiKey();
    const row = await em.getRepository(ApiKeyEntity).save({ workspaceId, name, role, lookupPrefix, keyHash, revokedAt: null });
    return { id: row.id, name: row.name, role: row.role, key, createdAt: row.createdAt.toISOString() };
  }
}

function toKeyView(k: ApiKeyEntity): KeyView {
  return { id: k.id, name: k.name, role: k.role, createdAt: k.createdAt.toISOString(), revokedAt: k.revokedAt?.toISOString() ?? null };
}

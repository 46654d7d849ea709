import { randomUUID } from 'node:crypto';
import type { JsonValue } from '@flowport/connector-sdk';
import { ApiError, paginateQuery, SECRET_BOX, SecretKeyError } from '@flowport/core';
import type { Page, PageQueryDto, SecretBox } from '@flowport/core';
import { CONNECTOR_SANDBOX } from '@flowport/registry';
import type { ConnectorSandbox } from '@flowport/registry';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AccountEntity } from '../entities';
import { InstallsService } from '../installs/installs.service';
import { findAccount, MASK, splitSecrets, validateAccountValues } from './account-values';
import { accountTestCapabilities, CONNECTOR_CAPABILITIES, type ConnectorCapabilities } from './capabilities';

export interface AccountView {
  id: string;
  connector: string;
  account: string;
  name: string;
  /** Secret fields appear as "********" when set. */
  values: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

/** Internal only (never over HTTP): what the runtime hands to connector code. */
export interface DecryptedAccount {
  id: string;
  connector: string;
  account: string;
  name: string;
  values: Record<string, JsonValue>;
}

@Injectable()
export class AccountsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(SECRET_BOX) private readonly secretBox: SecretBox,
    @Inject(CONNECTOR_SANDBOX) private readonly sandbox: ConnectorSandbox,
    private readonly installs: InstallsService,
    // The platform's host capabilities (sql, granted hosts); absent, the check gets hosts only.
    @Optional() @Inject(CONNECTOR_CAPABILITIES) private readonly capabilities?: ConnectorCapabilities,
  ) {}

  async create(workspaceId: string, input: { connector: string; account?: string; name: string; values: Record<string, unknown> }): Promise<AccountView> {
    const { manifest } = await this.installs.loadInstalled(workspaceId, input.connector);
    const account = findAccount(manifest, input.account);
    if (!account) {
      const names = manifest.accounts.map((a) => a.name);
      throw ApiError.unprocessable(
        names.length === 0
          ? `${input.connector} declares no accounts`
          : `${input.connector} has no account "${input.account}"; use one of ${names.join(', ')}`,
        [{ path: 'account', message: 'unknown account' }],
        'UNKNOWN_ACCOUNT',
      );
    }
    const values = structuredClone(input.values);
    this.assertValid(account, values);
    const id = randomUUID();
    const row = this.seal({ id, workspaceId, connectorName: input.connector, accountName: account.name, name: input.name }, values, account.secretFields);
    try {
      await this.dataSource.getRepository(AccountEntity).save(row);
    } catch (err) {
      if ((err as { code?: string }).code === '23505') {
        throw ApiError.conflict(`An account named "${input.name}" already exists for ${input.connector}; choose another name`, [{ path: 'name', message: 'already exists' }]);
      }
      throw err;
    }
    return this.get(workspaceId, id);
  }

  async list(workspaceId: string, query: PageQueryDto & { connector?: string }): Promise<Page<AccountView>> {
    const qb = this.dataSource.getRepository(AccountEntity).createQueryBuilder('a').where('a.workspace_id = :workspaceId', { workspaceId });
    if (query.connector) qb.andWhere('a.connector_name = :connector', { connector: query.connector });
    const page = await paginateQuery(qb, query, { sortColumn: 'a.created_at', idColumn: 'a.id', sortValue: (a) => a.createdAt.toISOString(), idValue: (a) => a.id });
    return { items: page.items.map(toView), nextCursor: page.nextCursor };
  }

  async get(workspaceId: string, id: string): Promise<AccountView> {
    return toView(await this.find(workspaceId, id));
  }

  /**
   * Values are merged into the stored ones; a secret field sent as "********" (what GET
   * returned) keeps its stored value, and `null` removes an optional field.
   */
  async update(workspaceId: string, id: string, input: { name?: string; values?: Record<string, unknown> }): Promise<AccountView> {
    const row = await this.find(workspaceId, id);
    let sealedRow: Partial<AccountEntity> = {};
    if (input.values) {
      const { manifest } = await this.installs.loadInstalled(workspaceId, row.connectorName);
      const account = findAccount(manifest, row.accountName);
      if (!account) throw ApiError.unprocessable(`The installed ${row.connectorName} no longer declares account "${row.accountName}"`, undefined, 'UNKNOWN_ACCOUNT');
      const merged: Record<string, unknown> = { ...this.decrypt(row) };
      for (const [k, v] of Object.entries(input.values)) {
        if (v === MASK && account.secretFields.includes(k)) continue;
        if (v === null) delete merged[k];
        else merged[k] = v;
      }
      this.assertValid(account, merged);
      sealedRow = this.seal(row, merged, account.secretFields);
    }
    if (input.name !== undefined) row.name = input.name;
    if (sealedRow.values) Object.assign(row, { values: sealedRow.values, secrets: sealedRow.secrets ?? null, secretFields: sealedRow.secretFields ?? [] });
    row.updatedAt = new Date();
    try {
      await this.dataSource.getRepository(AccountEntity).save(row);
    } catch (err) {
      if ((err as { code?: string }).code === '23505') {
        throw ApiError.conflict(`An account named "${input.name}" already exists for ${row.connectorName}; choose another name`, [{ path: 'name', message: 'already exists' }]);
      }
      throw err;
    }
    return this.get(workspaceId, id);
  }

  async remove(workspaceId: string, id: string): Promise<void> {
    const result = await this.dataSource.getRepository(AccountEntity).delete({ id, workspaceId });
    if (!result.affected) throw notFound(id);
  }

  /** Runs the connector's own credential check (`account.validate`) in the sandbox. */
  async test(workspaceId: string, id: string): Promise<{ ok: true } | { ok: false; error: { message: string } }> {
    const row = await this.find(workspaceId, id);
    const loaded = await this.installs.loadInstalled(workspaceId, row.connectorName);
    const account = findAccount(loaded.manifest, row.accountName);
    if (!account?.validate) {
      throw ApiError.unprocessable(`${row.connectorName} has no credential check for account "${row.accountName}"; its connector does not implement account validation`, undefined, 'ACCOUNT_TEST_UNSUPPORTED');
    }
    const values = this.decrypt(row) as Record<string, JsonValue>;
    const result = await this.sandbox.call({
      bundle: { code: loaded.bundle, integrity: loaded.integrity },
      op: 'account.validate',
      target: row.accountName,
      input: { account: values },
      capabilities: accountTestCapabilities(loaded.manifest, row.accountName, values, this.capabilities),
      partition: workspaceId,
    });
    if (result.ok) return { ok: true };
    // Only the message: stacks from connector code are not for API clients.
    return { ok: false, error: { message: result.error?.message ?? 'The connector rejected the account' } };
  }

  /** Decrypted values for the runtime; never exposed over HTTP. */
  async getDecryptedValues(workspaceId: string, id: string): Promise<DecryptedAccount> {
    const row = await this.find(workspaceId, id);
    return { id: row.id, connector: row.connectorName, account: row.accountName, name: row.name, values: this.decrypt(row) as Record<string, JsonValue> };
  }

  private assertValid(account: { name: string; props: object }, values: Record<string, unknown>): void {
    const problems = validateAccountValues(account as never, values);
    if (problems.length > 0) {
      throw ApiError.unprocessable(`Account values do not fit account "${account.name}": ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`, problems, 'INVALID_ACCOUNT_VALUES');
    }
  }

  private seal(
    base: { id: string; workspaceId: string; connectorName: string; accountName: string; name: string },
    values: Record<string, unknown>,
    secretFields: string[],
  ): AccountEntity {
    const { plain, secret } = splitSecrets(values, secretFields);
    const secrets = Object.keys(secret).length > 0 ? this.secretBox.seal(JSON.stringify(secret), [base.workspaceId, base.id]) : null;
    return Object.assign(new AccountEntity(), {
      id: base.id,
      workspaceId: base.workspaceId,
      connectorName: base.connectorName,
      accountName: base.accountName,
      name: base.name,
      values: plain,
      secrets,
      secretFields: Object.keys(secret),
      updatedAt: new Date(),
    });
  }

  private decrypt(row: AccountEntity): Record<string, unknown> {
    if (!row.secrets) return { ...row.values };
    let plaintext: string;
    try {
      plaintext = this.secretBox.open(row.secrets, [row.workspaceId, row.id]);
    } catch (err) {
      // A deployment problem (missing key, altered row), not the caller's: 500 with the reason.
      if (err instanceof SecretKeyError) throw new ApiError(500, 'ACCOUNT_UNREADABLE', `Account ${row.id} cannot be decrypted: ${err.message}`);
      throw err;
    }
    const secret = JSON.parse(plaintext) as Record<string, unknown>;
    return { ...row.values, ...secret };
  }

  private async find(workspaceId: string, id: string): Promise<AccountEntity> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw notFound(id);
    const row = await this.dataSource.getRepository(AccountEntity).findOneBy({ id, workspaceId });
    if (!row) throw notFound(id);
    return row;
  }
}

function notFound(id: string): ApiError {
  return ApiError.notFound(`Account ${id} does not exist in this workspace`, 'ACCOUNT_NOT_FOUND');
}

function toView(row: AccountEntity): AccountView {
  const values: Record<string, unknown> = { ...row.values };
  for (const field of row.secretFields) values[field] = MASK;
  return {
    id: row.id,
    connector: row.connectorName,
    account: row.accountName,
    name: row.name,
    values,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

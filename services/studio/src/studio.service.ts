import {
  buildConnector,
  ConnectorBuildError,
  connectorTemplateFiles,
  integrityOf,
  MemoryStore,
  type ConnectorManifest,
  type JsonValue,
  type StreamMessage,
  type WebhookRequest,
} from '@flowport/connector-sdk';
import { ApiError, FLOWPORT_CONFIG, paginateQuery } from '@flowport/core';
import type { FlowportConfig, Page } from '@flowport/core';
import { CONNECTOR_SANDBOX, ConnectorEntity, ConnectorVersionEntity } from '@flowport/registry';
import type { ConnectorSandbox } from '@flowport/registry';
import { AccountsService, CONNECTOR_CAPABILITIES, hostOnlyCapabilities, type ConnectorCapabilities } from '@flowport/store';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import * as semver from 'semver';
import { DataSource, In } from 'typeorm';
import type { BuildConnectorDto, StudioConnectorsQueryDto, TemplateQueryDto, TestConnectorDto } from './dto/studio.dto';
import { mapStack } from './stack-map';

/** What a build may send: enough for a real connector, small enough to bundle on a shared box. */
export const MAX_FILES = 200;
export const MAX_SOURCE_BYTES = 2 * 1024 * 1024;

export interface StudioBuildResult {
  manifest: ConnectorManifest;
  bundle: string;
  integrity: string;
  sourceMap: string | null;
  warnings: string[];
}

export interface StudioTestError {
  name: string;
  message: string;
  stack: string;
  /** The connector file, line and column (1-based) the error was thrown from, when the source map knows it. */
  file?: string;
  line?: number;
  column?: number;
}

export interface StudioTestResult {
  ok: boolean;
  /** The sandbox op that ran, e.g. `trigger.poll`. */
  op: string;
  output: JsonValue | null;
  logs: Array<{ level: string; message: string; at: string }>;
  error: StudioTestError | null;
  durationMs: number;
  /** Pooling triggers: the scratch store after the poll (the cursor the next poll would see). */
  state?: Record<string, JsonValue>;
}

export interface StudioConnector {
  name: string;
  displayName: string;
  description: string;
  icon: string;
  latestVersion: string | null;
  highestVersion: string;
  updatedAt: string;
  versions: Array<{ version: string; deprecated: boolean; yanked: boolean; signed: boolean; publishedAt: string }>;
}

@Injectable()
export class StudioService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(FLOWPORT_CONFIG) private readonly config: FlowportConfig,
    @Inject(CONNECTOR_SANDBOX) private readonly sandbox: ConnectorSandbox,
    private readonly moduleRef: ModuleRef,
    // The platform's host capabilities (granted hosts, sql) when this process has them; hosts only otherwise.
    @Optional() @Inject(CONNECTOR_CAPABILITIES) private readonly capabilities?: ConnectorCapabilities,
  ) {}

  async template(query: TemplateQueryDto): Promise<{ files: Record<string, string> }> {
    const name = query.name ?? 'my-connector';
    const displayName = query.displayName?.trim() || name.split('-').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(' ');
    return { files: await connectorTemplateFiles({ name, displayName }) };
  }

  async build(body: BuildConnectorDto): Promise<StudioBuildResult> {
    const files = checkFiles(body.files);
    try {
      const built = await buildConnector({
        files,
        sourceMap: true,
        // The developer's code is read only inside an isolate, never with node:vm on the host.
        loadManifest: (code) => this.sandbox.loadManifest({ code, integrity: integrityOf(code) }),
      });
      return { manifest: built.manifest, bundle: built.bundle, integrity: built.integrity, sourceMap: built.sourceMap ?? null, warnings: built.warnings };
    } catch (err) {
      if (err instanceof ConnectorBuildError) {
        throw ApiError.unprocessable(`The connector does not build: ${err.message}`, err.problems, 'BUILD_FAILED');
      }
      throw err;
    }
  }

  async test(workspaceId: string, body: TestConnectorDto): Promise<StudioTestResult> {
    if (integrityOf(body.bundle) !== body.integrity) {
      throw ApiError.unprocessable('integrity does not match the bundle: send the bundle and integrity from the same build', [{ path: 'integrity', message: 'does not hash the bundle' }], 'INTEGRITY_MISMATCH');
    }
    const bundle = { code: body.bundle, integrity: body.integrity };
    let manifest: ConnectorManifest;
    try {
      manifest = (await this.sandbox.loadManifest(bundle)) as unknown as ConnectorManifest;
    } catch (err) {
      throw ApiError.unprocessable(`The bundle does not load in the sandbox: ${(err as Error).message}; build it again`, [{ path: 'bundle', message: (err as Error).message }], 'BUNDLE_LOAD_FAILED');
    }
    const account = await this.resolveAccount(workspaceId, manifest, body);
    const props = (body.props ?? {}) as Record<string, JsonValue>;
    let op: 'action.run' | 'trigger.poll' | 'trigger.map' | 'trigger.webhook';
    let input: Record<string, JsonValue>;
    let store: MemoryStore | undefined;
    if (body.op === 'action') {
      if (!manifest.actions.some((a) => a.name === body.target)) throw unknownTarget('action', body.target, manifest.actions.map((a) => a.name));
      op = 'action.run';
      input = { props, account };
    } else {
      const trigger = manifest.triggers.find((t) => t.name === body.target);
      if (!trigger) throw unknownTarget('trigger', body.target, manifest.triggers.map((t) => t.name));
      const sample = (trigger.sampleData ?? null) as JsonValue;
      if (trigger.kind === 'pooling') {
        op = 'trigger.poll';
        store = new MemoryStore((body.state ?? {}) as Record<string, JsonValue>);
        input = { props, account, lastPollAt: null };
      } else if (trigger.kind === 'stream') {
        op = 'trigger.map';
        input = { props, account, message: (body.message as JsonValue) ?? (sampleMessage(sample) as unknown as JsonValue) };
      } else {
        op = 'trigger.webhook';
        input = { props, account, request: sampleRequest(sample) as unknown as JsonValue };
      }
    }
    const result = await this.sandbox.call({
      bundle,
      op,
      target: body.target,
      input,
      // Its own partition: studio experiments never share an isolate with the workspace's flows.
      partition: `studio:${workspaceId}`,
      timeoutMs: body.timeoutMs ?? 30_000,
      // What the runtime would grant the same call (hosts of the account's and props' URL fields, sql).
      capabilities: { ...(this.capabilities ?? hostOnlyCapabilities).forCall(manifest, { op, target: body.target, account, props }), store, allowPrivateNetwork: this.config.sandboxAllowPrivateNetwork },
    });
    const base = { op, logs: result.logs, durationMs: Math.round(result.durationMs * 10) / 10, ...(store ? { state: store.toJSON() } : {}) };
    if (result.ok) return { ok: true, output: result.output, error: null, ...base };
    const { stack, position } = mapStack(result.error.stack ?? '', body.sourceMap);
    return {
      ok: false,
      output: null,
      error: { name: result.error.name, message: result.error.message, stack, ...(position ?? {}) },
      ...base,
    };
  }

  async connectors(workspaceId: string, query: StudioConnectorsQueryDto): Promise<Page<StudioConnector>> {
    const qb = this.dataSource.getRepository(ConnectorEntity).createQueryBuilder('c').where('c.publisher_workspace_id = :workspaceId', { workspaceId });
    const page = await paginateQuery(qb, query, { sortColumn: 'c.name', idColumn: 'c.name', sortValue: (c) => c.name, idValue: (c) => c.name });
    const names = page.items.map((c) => c.name);
    const versions = names.length === 0 ? [] : await this.dataSource.getRepository(ConnectorVersionEntity).find({ where: { connectorName: In(names) } });
    return {
      items: page.items.map((c) => ({
        name: c.name,
        displayName: c.displayName,
        description: c.description,
        icon: c.icon,
        latestVersion: c.latestVersion,
        highestVersion: c.highestVersion,
        updatedAt: c.updatedAt.toISOString(),
        versions: versions
          .filter((v) => v.connectorName === c.name)
          .sort((a, b) => semver.rcompare(a.version, b.version))
          .map((v) => ({ version: v.version, deprecated: v.deprecated, yanked: v.yanked, signed: v.signature !== null, publishedAt: v.publishedAt.toISOString() })),
      })),
      nextCursor: page.nextCursor,
    };
  }

  private async resolveAccount(workspaceId: string, manifest: ConnectorManifest, body: TestConnectorDto): Promise<Record<string, JsonValue>> {
    if (!body.accountId) return (body.account ?? {}) as Record<string, JsonValue>;
    // Saved accounts belong to the store; a process without the store role can still test with inline values.
    let accounts: AccountsService;
    try {
      accounts = this.moduleRef.get(AccountsService, { strict: false });
    } catch {
      throw ApiError.unprocessable('accountId needs the store role in this process; send the account values inline as "account"', [{ path: 'accountId', message: 'saved accounts are not available here' }], 'ACCOUNTS_UNAVAILABLE');
    }
    const saved = await accounts.getDecryptedValues(workspaceId, body.accountId);
    if (saved.connector !== manifest.name) {
      throw ApiError.unprocessable(
        `Account "${saved.name}" belongs to connector "${saved.connector}", not "${manifest.name}": pick an account of "${manifest.name}" or enter the values inline`,
        [{ path: 'accountId', message: `belongs to connector "${saved.connector}"` }],
        'ACCOUNT_CONNECTOR_MISMATCH',
      );
    }
    return saved.values;
  }
}

function unknownTarget(kind: 'action' | 'trigger', name: string, available: string[]): ApiError {
  return ApiError.unprocessable(
    `The built connector has no ${kind} "${name}"; available: ${available.join(', ') || 'none'}`,
    [{ path: 'target', message: `unknown ${kind} "${name}"` }],
    'UNKNOWN_TARGET',
  );
}

function checkFiles(files: Record<string, unknown>): Record<string, string> {
  const entries = Object.entries(files);
  if (entries.length === 0) throw ApiError.badRequest('files is empty: send at least src/index.ts', [{ path: 'files', message: 'must not be empty' }], 'VALIDATION_FAILED');
  if (entries.length > MAX_FILES) throw ApiError.badRequest(`files has ${entries.length} entries; at most ${MAX_FILES}`, [{ path: 'files', message: `at most ${MAX_FILES} files` }], 'VALIDATION_FAILED');
  const notText = entries.filter(([, text]) => typeof text !== 'string');
  if (notText.length > 0) {
    throw ApiError.badRequest('every file must be text', notText.map(([path]) => ({ path: `files["${path}"]`, message: 'must be a string' })), 'VALIDATION_FAILED');
  }
  const size = entries.reduce((sum, [, text]) => sum + Buffer.byteLength(text as string), 0);
  if (size > MAX_SOURCE_BYTES) {
    throw ApiError.badRequest(`the sources are ${size} bytes; at most ${MAX_SOURCE_BYTES}`, [{ path: 'files', message: `at most ${MAX_SOURCE_BYTES} bytes in total` }], 'VALIDATION_FAILED');
  }
  return files as Record<string, string>;
}

/** The message a stream driver would deliver, with the trigger's sampleData as its body. */
function sampleMessage(sample: JsonValue): StreamMessage {
  return { id: 'studio-sample-1', body: sample, headers: {}, attributes: {}, receivedAt: new Date().toISOString() };
}

function sampleRequest(sample: JsonValue): WebhookRequest {
  const rawBody = JSON.stringify(sample ?? {});
  return { method: 'POST', path: '/', query: {}, headers: { 'content-type': 'application/json' }, body: sample ?? {}, rawBody };
}

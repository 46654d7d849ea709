import type { ConnectorManifest, TriggerManifest } from '@flowport/connector-sdk';
import { CONNECTOR_SANDBOX, RegistryService } from '@flowport/registry';
import type { ConnectorSandbox } from '@flowport/registry';
import type { CallCapabilities, ConnectorBundle, GuestOp, LogEntry } from '@flowport/sandbox';
import { AccountsService } from '@flowport/store';
import { Inject, Injectable } from '@nestjs/common';
import { HostCapabilities } from '../capabilities/host-capabilities';
import type { JsonValue } from '../stream-message';

export type LoadedConnector = { name: string; version: string; manifest: ConnectorManifest; bundle: ConnectorBundle };

/** A failure inside connector code or the sandbox, with the guest's logs kept for the step record. */
export class ConnectorCallError extends Error {
  constructor(
    message: string,
    readonly errorName: string,
    readonly logs: LogEntry[],
  ) {
    super(message);
    this.name = 'ConnectorCallError';
  }
}

export type ConnectorCall = {
  workspaceId: string;
  connector: LoadedConnector;
  op: GuestOp;
  target?: string;
  /** Decrypted account values, the guest's `input.account`; `ctx.sql` and granted hosts come from them. */
  account: Record<string, JsonValue> | null;
  /** The op's props, the guest's `input.props`; URL props marked as host grants add their host. */
  props: Record<string, JsonValue>;
  /** The op's other input fields (lastPollAt, message, request). */
  input?: Record<string, JsonValue>;
  /** Per-call extras on top of the host capabilities (a pooling trigger's durable store). */
  capabilities?: CallCapabilities;
  timeoutMs?: number;
};

/**
 * Everything the runtime needs to run connector code: the pinned version's bundle (checked
 * against its integrity and signature once per process, versions are immutable), the account's
 * decrypted values (store's internal service, never HTTP), the host capabilities of the call
 * (HostCapabilities: allowed and granted hosts, sql) and the sandbox call itself.
 */
@Injectable()
export class ConnectorGateway {
  private readonly loaded = new Map<string, Promise<LoadedConnector>>();

  constructor(
    private readonly registry: RegistryService,
    private readonly accounts: AccountsService,
    @Inject(CONNECTOR_SANDBOX) readonly sandbox: ConnectorSandbox,
    private readonly capabilities: HostCapabilities,
  ) {}

  load(name: string, version: string): Promise<LoadedConnector> {
    const key = `${name}@${version}`;
    let entry = this.loaded.get(key);
    if (!entry) {
      entry = (async () => {
        const v = await this.registry.loadVersion(name, version);
        await this.registry.verifyLoaded(v);
        return { name, version: v.version, manifest: v.manifest, bundle: { code: v.bundle, integrity: v.integrity } };
      })();
      // A failed load (registry down, version missing) must not be cached forever.
      entry.catch(() => this.loaded.delete(key));
      this.loaded.set(key, entry);
    }
    return entry;
  }

  /** Decrypted account values, or null when the step/trigger names no account. */
  async accountValues(workspaceId: string, accountId: string | undefined): Promise<Record<string, JsonValue> | null> {
    if (!accountId) return null;
    const account = await this.accounts.getDecryptedValues(workspaceId, accountId);
    return account.values as Record<string, JsonValue>;
  }

  trigger(connector: LoadedConnector, name: string): TriggerManifest {
    const trigger = connector.manifest.triggers.find((t) => t.name === name);
    if (!trigger) {
      throw new Error(
        `${connector.name}@${connector.version} has no trigger "${name}"; it has ${connector.manifest.triggers.map((t) => `"${t.name}"`).join(', ') || 'none'}`,
      );
    }
    return trigger;
  }

  /** Runs one guest op; returns the output and logs, throws ConnectorCallError on failure. */
  async call(request: ConnectorCall): Promise<{ output: JsonValue; logs: LogEntry[]; durationMs: number }> {
    const { op, target, account, props } = request;
    const result = await this.sandbox.call({
      bundle: request.connector.bundle,
      op,
      target,
      // Built here from the same values the capabilities are granted for.
      input: { ...request.input, props, account },
      capabilities: { ...this.capabilities.forCall(request.connector.manifest, { op, target, account, props }), ...request.capabilities },
      timeoutMs: request.timeoutMs,
      // Warm isolates are never shared between workspaces.
      partition: request.workspaceId,
    });
    if (!result.ok) {
      const what = `${request.connector.name}@${request.connector.version} ${request.op}${request.target ? ` "${request.target}"` : ''}`;
      throw new ConnectorCallError(`${what} failed: ${result.error.name}: ${result.error.message}`, result.error.name, result.logs);
    }
    return { output: result.output as JsonValue, logs: result.logs, durationMs: result.durationMs };
  }
}

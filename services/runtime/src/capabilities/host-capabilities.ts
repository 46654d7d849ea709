/**
 * The host capabilities one connector call gets, whatever the op (action.run, trigger.poll,
 * trigger.config/map, trigger.webhook, account.validate, props.options): the hosts `ctx.http`
 * may reach (the manifest's allowedHosts plus the host of each account or prop URL field marked
 * `"x-flowport-host": true`, for the call's own values) and, for connectors that declare `sql`
 * and are called with an account, `ctx.sql` on that account's database; for connectors that
 * declare `amqp` / `kafka`, `ctx.amqp` / `ctx.kafka` (the guest passes the connection settings it
 * builds from its account; the connections are cached here). Private addresses follow
 * FLOWPORT_SANDBOX_ALLOW_PRIVATE_NETWORK for HTTP (the sandbox pool's default), SQL, AMQP and
 * Kafka alike. The store's account Test gets the same through CONNECTOR_CAPABILITIES.
 */
import { allowedHostsForCall, type ConnectorManifest } from '@flowport/connector-sdk';
import { FLOWPORT_CONFIG, type FlowportConfig } from '@flowport/core';
import { AmqpCapabilities, KafkaCapabilities, PgSqlCapabilities } from '@flowport/capabilities';
import type { CallCapabilities } from '@flowport/sandbox';
import { CONNECTOR_CAPABILITIES, type CapabilityCall, type ConnectorCapabilities } from '@flowport/store';
import { Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';

@Injectable()
export class HostCapabilities implements ConnectorCapabilities, OnApplicationShutdown {
  /** One pg pool per distinct account connection, shared by every call of this process. */
  readonly sql: PgSqlCapabilities;
  /** One RabbitMQ connection per URL (confirm channels), shared likewise. */
  readonly amqp: AmqpCapabilities;
  /** One Kafka producer per broker set and credentials, shared likewise. */
  readonly kafka: KafkaCapabilities;

  constructor(@Inject(FLOWPORT_CONFIG) config: Pick<FlowportConfig, 'sandboxAllowPrivateNetwork'>) {
    this.sql = new PgSqlCapabilities({ allowPrivateNetwork: config.sandboxAllowPrivateNetwork });
    this.amqp = new AmqpCapabilities({ allowPrivateNetwork: config.sandboxAllowPrivateNetwork });
    this.kafka = new KafkaCapabilities({ allowPrivateNetwork: config.sandboxAllowPrivateNetwork });
  }

  forCall(manifest: ConnectorManifest, call: CapabilityCall): CallCapabilities {
    const capabilities: CallCapabilities = { allowedHosts: allowedHostsForCall(manifest, call) };
    if (manifest.capabilities.includes('sql') && call.account) capabilities.sql = this.sql.forAccount(call.account);
    if (manifest.capabilities.includes('amqp')) capabilities.amqp = this.amqp;
    if (manifest.capabilities.includes('kafka')) capabilities.kafka = this.kafka;
    return capabilities;
  }

  // After every module's onModuleDestroy: triggers and runs have stopped using the pools by then.
  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.sql.close(), this.amqp.close(), this.kafka.close()]);
  }
}

/**
 * Global, so the store's AccountsService (another package, which cannot import the runtime)
 * receives HostCapabilities under CONNECTOR_CAPABILITIES. RuntimeModule imports it; the
 * platform adds it to processes that run the store role without the runtime.
 */
@Global()
@Module({
  providers: [HostCapabilities, { provide: CONNECTOR_CAPABILITIES, useExisting: HostCapabilities }],
  exports: [HostCapabilities, CONNECTOR_CAPABILITIES],
})
export class HostCapabilitiesModule {}

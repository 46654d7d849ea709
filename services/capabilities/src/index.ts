// @flowport/capabilities: host-held connections behind the sandbox's sql, amqp and kafka
// capabilities, and the network guard they share. No framework: the runtime's HostCapabilities
// (NestJS) composes them, and `flowport connector test` loads this package as an optional peer.
export {
  PgSqlCapabilities,
  SqlCapabilityError,
  pgConnectionFromAccount,
  type PgAccountValues,
  type SqlCapabilityOptions,
} from './sql';
export { AmqpCapabilities, AmqpPublishError, type AmqpCapabilityOptions } from './amqp';
export { KafkaCapabilities, KafkaProduceError, type KafkaCapabilityOptions } from './kafka';
export { NetworkGuard, NetworkGuardError, type GuardedService, type NetworkGuardOptions } from './network-guard';

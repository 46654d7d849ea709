import { defineAccount, Property } from '@flowport/connector-sdk';
import { BROKER_ADDRESS, splitList } from './common/lists';

// Kept out of src/index.ts so the trigger can import it without a circular import.
export const kafkaAccount = defineAccount({
  kind: 'custom',
  name: 'kafka',
  displayName: 'Kafka cluster',
  description: 'Where the cluster is and how to sign in. The platform (not the connector) opens the connection, with kafkajs.',
  props: {
    brokers: Property.ShortText({
      displayName: 'Brokers',
      description: 'Bootstrap brokers as host:port, separated by commas, e.g. kafka-1:9092,kafka-2:9092',
      required: true,
      placeholder: 'kafka-1:9092,kafka-2:9092',
    }),
    clientId: Property.ShortText({ displayName: 'Client ID', description: 'Shown in broker logs and quotas', defaultValue: 'flowport' }),
    authentication: Property.StaticSelect({
      displayName: 'Authentication',
      options: [
        { label: 'None', value: 'none' },
        { label: 'SASL PLAIN', value: 'plain' },
        { label: 'SASL SCRAM-SHA-256', value: 'scram-sha-256' },
        { label: 'SASL SCRAM-SHA-512', value: 'scram-sha-512' },
      ],
      defaultValue: 'none',
    }),
    username: Property.ShortText({ displayName: 'Username', description: 'SASL username (required with SASL)' }),
    password: Property.Secret({ displayName: 'Password', description: 'SASL password (required with SASL)' }),
    tls: Property.Boolean({ displayName: 'TLS', description: 'Connect with TLS (most hosted Kafka services need it)', defaultValue: false }),
  },
  // The sandbox has no sockets, so only the settings themselves can be checked here; the flow's
  // start reports a broker that cannot be reached.
  validate(ctx) {
    const problems = accountProblems(ctx.account);
    return problems.length === 0 ? true : { ok: false, message: problems.join('; ') };
  },
});

export type KafkaAccountValue = { brokers: string; clientId: string; authentication: string; username?: string; password?: string; tls: boolean };

export function accountProblems(account: KafkaAccountValue): string[] {
  const problems: string[] = [];
  const brokers = splitList(account.brokers);
  if (brokers.length === 0) problems.push('Brokers must name at least one host:port, e.g. kafka-1:9092');
  for (const broker of brokers) {
    if (!BROKER_ADDRESS.test(broker)) problems.push(`Broker "${broker}" must be host:port, e.g. kafka-1:9092`);
  }
  if (account.authentication !== 'none') {
    const mechanism = account.authentication.toUpperCase();
    if (!account.username) problems.push(`Username is required with SASL ${mechanism}`);
    if (!account.password) problems.push(`Password is required with SASL ${mechanism}`);
  }
  return problems;
}

import type { KafkaConnectionSettings } from '@flowport/connector-sdk';
import { accountProblems, type KafkaAccountValue } from '../account';
import { splitList } from './lists';

/**
 * The connection settings of the account, as the runtime's kafka driver (Consume Topic) and its
 * kafka capability (Produce Message(s)) read them; throws naming what to fix in the account.
 */
export function connectionSettings(account: KafkaAccountValue): Required<Pick<KafkaConnectionSettings, 'brokers' | 'clientId' | 'ssl'>> & Pick<KafkaConnectionSettings, 'sasl'> {
  const problems = accountProblems(account);
  if (problems.length > 0) throw new Error(`The Kafka account is incomplete: ${problems.join('; ')}`);
  const { authentication, username, password } = account;
  return {
    brokers: splitList(account.brokers),
    clientId: account.clientId,
    ssl: account.tls,
    sasl: authentication === 'none' ? undefined : { mechanism: authentication as 'plain' | 'scram-sha-256' | 'scram-sha-512', username: username!, password: password! },
  };
}

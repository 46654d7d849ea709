// Test data shaped like the Flowport API's answers, shared by the Studio's specs.
import { Account, Install, RegistryConnector, RegistryConnectorVersion, StoreConnector, StoreTrigger } from '../app/core/api/models';

export const sqsConnector: StoreConnector = {
  name: 'amazon-sqs',
  displayName: 'Amazon SQS',
  icon: '',
  description: 'Send and receive messages with Amazon Simple Queue Service.',
  categories: ['Messaging', 'AWS'],
  latestVersion: '1.3.0',
  actionCount: 2,
  triggerCount: 1,
  installedVersion: '1.2.0',
};

export const httpConnector: StoreConnector = {
  name: 'http',
  displayName: 'HTTP',
  icon: '',
  description: 'Call any HTTP API.',
  categories: ['Developer tools'],
  latestVersion: '2.0.0',
  actionCount: 1,
  triggerCount: 1,
  installedVersion: null,
};

export const triggerProps = {
  type: 'object' as const,
  required: ['queueUrl', 'batchSize'],
  properties: {
    queueUrl: { type: 'string' as const, title: 'Queue URL', format: 'uri', description: 'The URL of the SQS queue to listen to.' },
    visibilityTimeout: { type: 'integer' as const, title: 'Visibility timeout (s)', minimum: 0, maximum: 43200, default: 30 },
    batchSize: { type: 'integer' as const, title: 'Batch Size', minimum: 1, maximum: 1000, default: 1 },
    externalId: { type: 'string' as const, title: 'External ID' },
  },
};

export const listenQueue: StoreTrigger = {
  connector: 'amazon-sqs',
  connectorDisplayName: 'Amazon SQS',
  connectorVersion: '1.2.0',
  icon: '',
  name: 'listen-queue',
  displayName: 'Listen Queue',
  description: 'Starts a run for each message that arrives in a queue.',
  kind: 'stream',
  driver: 'sqs',
  props: triggerProps,
};

export const newRecords: StoreTrigger = {
  connector: 'http',
  connectorDisplayName: 'HTTP',
  connectorVersion: '2.0.0',
  icon: '',
  name: 'poll-endpoint',
  displayName: 'Poll Endpoint',
  description: 'Polls a URL for new records.',
  kind: 'pooling',
  props: { type: 'object', properties: { url: { type: 'string', title: 'URL' } } },
};

export const sqsRegistry: RegistryConnector = {
  name: 'amazon-sqs',
  displayName: 'Amazon SQS',
  description: 'Send and receive messages with Amazon Simple Queue Service.',
  icon: '',
  categories: ['Messaging'],
  publisher: 'flowport',
  versions: [
    { version: '1.3.0', publishedAt: '2026-11-20T10:00:00Z', deprecated: false, yanked: false, integrity: 'sha512-a' },
    { version: '1.2.0', publishedAt: '2026-10-01T10:00:00Z', deprecated: false, yanked: false, integrity: 'sha512-b' },
    { version: '1.1.0', publishedAt: '2026-09-01T10:00:00Z', deprecated: false, yanked: true, integrity: 'sha512-c' },
  ],
};

export function sqsVersion(version = '1.2.0'): RegistryConnectorVersion {
  return {
    name: 'amazon-sqs',
    version,
    manifest: {
      accounts: [
        {
          name: 'aws',
          displayName: 'AWS access key',
          kind: 'custom',
          secretFields: ['secretAccessKey'],
          props: {
            type: 'object',
            required: ['region', 'accessKeyId', 'secretAccessKey'],
            properties: {
              region: { type: 'string', title: 'Region', enum: ['eu-west-1', 'us-east-1'] },
              accessKeyId: { type: 'string', title: 'Access key ID', minLength: 16 },
              secretAccessKey: { type: 'string', title: 'Secret access key', format: 'password' },
            },
          },
        },
      ],
      actions: [{ name: 'send-message', displayName: 'Send Message', description: 'Sends a message to a queue.', props: { type: 'object' } }],
      triggers: [
        { name: 'listen-queue', displayName: 'Listen Queue', description: 'Starts a run for each message.', kind: 'stream', driver: 'sqs', props: triggerProps },
      ],
    },
  };
}

export const sqsInstall: Install = { connector: 'amazon-sqs', version: '1.2.0', yanked: false, installedAt: '2026-11-01T00:00:00Z' };

export const prodAccount: Account = {
  id: 'acc_1',
  connector: 'amazon-sqs',
  account: 'aws',
  name: 'Production AWS',
  values: { region: 'eu-west-1', accessKeyId: 'AKIAEXAMPLE12345', secretAccessKey: '********' },
  createdAt: '2026-11-02T00:00:00Z',
};

export function page<T>(items: T[], nextCursor: string | null = null) {
  return { items, nextCursor };
}

/** Lets promise continuations (awaited API calls) run, then waits for change detection. */
export async function settle(fixture: { whenStable(): Promise<unknown> }): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 0));
  await fixture.whenStable();
}

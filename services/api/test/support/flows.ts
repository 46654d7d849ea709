import * as fs from 'node:fs';
import * as path from 'node:path';
import request from 'supertest';

/** The built-in rabbitmq connector's version, as seeding publishes and installs it. */
export const RABBITMQ_VERSION = (JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', '..', '..', 'connectors', 'rabbitmq', 'package.json'), 'utf8')) as { version: string }).version;

export type NumbersFlow = { name: string; queue: string; batchSize: number; step: { name: string; type: 'map'; expression: string } };

/**
 * Through the API at `baseUrl`: an account on the machine's RabbitMQ for the built-in rabbitmq
 * connector, and a flow on its Listen Queue trigger (External ID `payload.n`, batch wait 200 ms)
 * with one map step, published and activated. Returns the flow id.
 */
export async function activateNumbersFlow(baseUrl: string, ownerKey: string | null | undefined, flow: NumbersFlow): Promise<string> {
  if (!ownerKey) throw new Error('activateNumbersFlow needs the owner key the first start printed');
  const auth = { Authorization: `Bearer ${ownerKey}` };
  const account = await request(baseUrl)
    .post('/api/v1/accounts')
    .set(auth)
    .send({ connector: 'rabbitmq', name: `${flow.name} broker`, values: { host: '127.0.0.1', port: 5672, username: 'guest', password: 'guest' } })
    .expect(201);
  const created = await request(baseUrl)
    .post('/api/v1/flows')
    .set(auth)
    .send({
      name: flow.name,
      trigger: { type: 'connector', connector: 'rabbitmq', version: RABBITMQ_VERSION, trigger: 'listen-queue', account: account.body.id, props: { queue: flow.queue }, batchSize: flow.batchSize, batchWaitMs: 200, externalId: 'payload.n' },
      steps: [flow.step],
    })
    .expect(201);
  const flowId = created.body.id as string;
  await request(baseUrl).post(`/api/v1/flows/${flowId}/publish`).set(auth).expect(201);
  await request(baseUrl).post(`/api/v1/flows/${flowId}/activate`).set(auth).expect(200);
  return flowId;
}

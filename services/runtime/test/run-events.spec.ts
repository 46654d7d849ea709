import { randomBytes } from 'node:crypto';
import type { TestApp } from '@flowport/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import * as amqp from 'amqplib';
import { runEventsRmqOptions } from '../src';
import { Api, createReplica, createRuntimeApp } from './support/platform';

const AMQP_URL = process.env.FLOWPORT_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

// Runs go through the real executor and brokers; the repository-wide default is 5 s.
jest.setTimeout(30_000);

const simpleFlow = { name: 'woken', trigger: { type: 'manual' }, steps: [{ name: 'x', type: 'map', expression: 'trigger.input.n + 1' }] };

describe('run wake-ups through the ClientProxy', () => {
  it('embedded: an executor that would poll only every minute starts a new run at once (in-process transport)', async () => {
    const t = await createRuntimeApp({ pollIntervalMs: 60_000, rabbitmqUrl: null });
    try {
      const api = new Api(t);
      const flow = await api.createFlow(simpleFlow);
      const started = Date.now();
      const run = await api.waitForRun((await api.post(`/api/v1/flows/${flow.id}/runs`, { input: { n: 1 } }).expect(202)).body.runId, 5000);
      expect(run.status).toBe('succeeded');
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await t.close();
    }
  });

  describe('distributed: RabbitMQ between an API replica without executor and an executor replica', () => {
    const queue = `flowport-runtime-runs-${randomBytes(4).toString('hex')}`;
    let api: TestApp;
    let worker: NestExpressApplication;

    beforeAll(async () => {
      api = await createRuntimeApp({ executor: false, triggers: false, rabbitmqUrl: AMQP_URL, runEventsQueue: queue });
      worker = await createReplica(api, { pollIntervalMs: 60_000, rabbitmqUrl: AMQP_URL, runEventsQueue: queue });
      // What services/api does for a runtime replica when RABBITMQ_URL is set.
      worker.connectMicroservice(runEventsRmqOptions(AMQP_URL, queue));
      await worker.startAllMicroservices();
    }, 60_000);
    afterAll(async () => {
      await worker?.close();
      await api?.close();
      const connection = await amqp.connect(AMQP_URL);
      const channel = await connection.createChannel();
      await channel.deleteQueue(queue).catch(() => undefined);
      await connection.close();
    });

    it('the run queued on the API replica is executed by the worker within seconds, not at its next poll', async () => {
      const client = new Api(api);
      const flow = await client.createFlow(simpleFlow);
      const started = Date.now();
      const runId = (await client.post(`/api/v1/flows/${flow.id}/runs`, { input: { n: 41 } }).expect(202)).body.runId;
      const run = await client.waitForRun(runId, 10_000);
      expect(run.status).toBe('succeeded');
      expect(run.steps[0].output).toBe(42);
      expect(Date.now() - started).toBeLessThan(5000);
    });
  });
});

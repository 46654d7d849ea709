// `flowport connector test` grants the host-held capabilities (sql, amqp, kafka) from the optional
// peer @flowport/capabilities, as the runtime and the Studio do.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createTestDatabase, type TestDatabase } from '@flowport/testing';
import * as amqp from 'amqplib';
import { loadCapabilities, loadSandbox, testCommand } from '../src/cli/commands';
import { CliError } from '../src/cli/io';
import { linkSdk, run, tempDir } from './cli-helpers';

// Bundles connectors and opens database connections; a loaded machine needs more than 5 s.
jest.setTimeout(60_000);

const CONNECTORS = resolve(__dirname, '..', '..', 'connectors');
const POSTGRES_CONNECTOR = join(CONNECTORS, 'postgres');
const AMQP_URL = process.env.FLOWPORT_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

describe('flowport connector test with the sql capability (connectors/postgres)', () => {
  const tmp = tempDir('sql');
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('flowport_cli_sql');
    await db.pool.query(`CREATE TABLE orders (id int PRIMARY KEY, status text NOT NULL, total numeric NOT NULL)`);
    await db.pool.query(`INSERT INTO orders VALUES (1, 'open', 120), (2, 'closed', 80), (3, 'open', 40)`);
    writeFileSync(join(tmp.dir, 'account.json'), JSON.stringify({ host: '127.0.0.1', port: 5432, database: db.name, user: 'postgres', password: '' }));
    writeFileSync(
      join(tmp.dir, 'props.json'),
      JSON.stringify({ query: 'SELECT id, status FROM orders WHERE status = $1 ORDER BY id', parameters: ['open'] }),
    );
  });
  afterAll(async () => {
    await db?.drop();
    tmp.cleanup();
  });

  const args = ['connector', 'test', 'action', 'run-query', '--dir', POSTGRES_CONNECTOR, '--props', 'props.json', '--account', 'account.json'];

  it("runs Run Query against the account's database and prints the rows", async () => {
    const result = await run([...args, '--allow-private-network'], tmp.dir);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      'action.run output:\n' + JSON.stringify({ rows: [{ id: 1, status: 'open' }, { id: 3, status: 'open' }], rowCount: 2 }, null, 2),
    );
  });

  it('keeps the network guard: a loopback database needs --allow-private-network', async () => {
    const result = await run(args, tmp.dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('action "run-query" failed (action.run)');
    expect(result.stderr).toContain('PostgreSQL host "127.0.0.1" is a private or internal address');
    expect(result.stderr).toContain('run connector test with --allow-private-network to reach it');
  });
});

describe('flowport connector test with the amqp capability (connectors/rabbitmq)', () => {
  const tmp = tempDir('amqp-send');
  const queue = `flowport-cli-${randomBytes(4).toString('hex')}`;
  let connection: amqp.ChannelModel;

  beforeAll(async () => {
    connection = await amqp.connect(AMQP_URL);
    writeFileSync(join(tmp.dir, 'account.json'), JSON.stringify({ url: AMQP_URL }));
    writeFileSync(join(tmp.dir, 'props.json'), JSON.stringify({ queue, declareQueue: true, message: { order: 7 }, messageId: 'o-7' }));
  });
  afterAll(async () => {
    const channel = await connection.createChannel();
    await channel.deleteQueue(queue);
    await connection.close();
    tmp.cleanup();
  });

  it('Send to Queue publishes through the host connection and the message is in the queue', async () => {
    const args = ['connector', 'test', 'action', 'send-to-queue', '--dir', join(CONNECTORS, 'rabbitmq'), '--props', 'props.json', '--account', 'account.json'];
    const result = await run([...args, '--allow-private-network'], tmp.dir);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('action.run output:\n' + JSON.stringify({ confirmed: true, exchange: '', routingKey: queue, messageId: 'o-7' }, null, 2));
    const channel = await connection.createChannel();
    const message = await channel.get(queue, { noAck: true });
    await channel.close();
    expect(message && JSON.parse(message.content.toString())).toEqual({ order: 7 });
  });
});

describe('flowport connector test without @flowport/capabilities', () => {
  const tmp = tempDir('amqp');
  const dir = join(tmp.dir, 'bunny');
  beforeAll(() => {
    mkdirSync(join(dir, 'src'), { recursive: true });
    linkSdk(dir);
    writeFileSync(
      join(dir, 'src', 'index.ts'),
      `import { defineAction, defineConnector } from '@flowport/connector-sdk';
export default defineConnector({
  name: 'bunny', version: '1.0.0', displayName: 'Bunny', capabilities: ['amqp', 'log'],
  actions: [
    defineAction({
      name: 'send', displayName: 'Send', props: {},
      run: (ctx) => ctx.amqp!.publish({ url: 'amqp://127.0.0.1:5672', queue: 'q', content: 'hi' }),
    }),
  ],
});
`,
    );
  });
  afterAll(() => tmp.cleanup());

  it('a connector declaring amqp gets the npm install to run', async () => {
    const io = { cwd: dir, env: {}, stdout: () => undefined, stderr: () => undefined };
    const missing = (needed: readonly string[]) => loadCapabilities(needed, '@flowport/capabilities-missing');
    const failure = await testCommand(io, dir, { kind: 'action', name: 'send' }, loadSandbox, missing).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(CliError);
    expect((failure as CliError).message).toBe(
      "this connector declares the amqp capability, whose connections the platform's host capabilities hold, which are not installed: npm install --save-dev @flowport/capabilities",
    );
    expect((failure as CliError).exitCode).toBe(2);
  });
});

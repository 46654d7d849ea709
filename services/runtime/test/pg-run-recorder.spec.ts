import { PgRunRecorder, type RecordItem } from '../src/delivery';
import { uniqueFlowId } from './support/brokers';
import { createTestDatabase, type TestDatabase } from './support/pg';

jest.setTimeout(30_000);

const item = (externalId: string, messageId = `m-${externalId}`): RecordItem => ({ messageId, externalId, payload: { externalId }, labels: { l: 1 } });

describe('PgRunRecorder', () => {
  let db: TestDatabase;
  let recorder: PgRunRecorder;
  beforeAll(async () => {
    db = await createTestDatabase();
    recorder = new PgRunRecorder(db.pool());
    await recorder.ensureSchema();
    await recorder.ensureSchema();
  });
  afterAll(() => db.drop());

  it('records a batch as one queued run and marks earlier and in-batch repeats as duplicates', async () => {
    const flowId = uniqueFlowId();
    const first = await recorder.record(flowId, [item('a'), item('b'), item('a', 'm-a2')], { type: 'stream', driver: 'amqp' });
    expect(first.runs).toEqual([{ id: expect.any(String), flowId, messageCount: 2 }]);
    expect(first.accepted.map((a) => a.externalId)).toEqual(['a', 'b']);
    expect(first.duplicates).toEqual([{ id: expect.any(String), messageId: 'm-a2', externalId: 'a' }]);

    const second = await recorder.record(flowId, [item('b', 'm-b2'), item('c')]);
    expect(second.duplicates).toEqual([{ id: expect.any(String), messageId: 'm-b2', externalId: 'b' }]);
    expect(second.accepted).toEqual([{ id: expect.any(String), messageId: 'm-c', externalId: 'c', runId: second.runs[0].id }]);

    const { rows: runs } = await db.pool().query('SELECT id, status, trigger, message_count FROM runs WHERE flow_id = $1 ORDER BY message_count DESC', [flowId]);
    expect(runs).toEqual([
      { id: first.runs[0].id, status: 'queued', trigger: { type: 'stream', driver: 'amqp' }, message_count: 2 },
      { id: second.runs[0].id, status: 'queued', trigger: { type: 'stream' }, message_count: 1 },
    ]);
    const { rows: messages } = await db.pool().query(
      'SELECT run_id, external_id, status, position, payload, labels FROM run_messages WHERE flow_id = $1 AND run_id = $2 ORDER BY position',
      [flowId, first.runs[0].id],
    );
    expect(messages).toEqual([
      { run_id: first.runs[0].id, external_id: 'a', status: 'accepted', position: 0, payload: { externalId: 'a' }, labels: { l: 1 } },
      { run_id: first.runs[0].id, external_id: 'b', status: 'accepted', position: 1, payload: { externalId: 'b' }, labels: { l: 1 } },
    ]);
  });

  it('starts no run for a batch whose messages are all duplicates, and keeps flows apart', async () => {
    const flowId = uniqueFlowId();
    await recorder.record(flowId, [item('x')]);
    const again = await recorder.record(flowId, [item('x', 'm-x2'), item('x', 'm-x3')]);
    expect(again).toEqual({
      runs: [],
      accepted: [],
      duplicates: [
        { id: expect.any(String), messageId: 'm-x2', externalId: 'x' },
        { id: expect.any(String), messageId: 'm-x3', externalId: 'x' },
      ],
    });
    const { rows: marked } = await db.pool().query('SELECT id, status, run_id FROM run_messages WHERE id = ANY($1) ORDER BY message_id', [again.duplicates.map((d) => d.id)]);
    expect(marked).toEqual(again.duplicates.map((d) => ({ id: d.id, status: 'duplicate', run_id: null })));
    const other = await recorder.record(uniqueFlowId(), [item('x')]);
    expect(other.accepted).toHaveLength(1);
    const { rows } = await db.pool().query('SELECT count(*)::int AS n FROM runs WHERE flow_id = $1', [flowId]);
    expect(rows[0].n).toBe(1);
  });

  it('splits a batch into runs of runSize in one transaction; messages without an External ID are always accepted', async () => {
    const flowId = uniqueFlowId();
    await recorder.record(flowId, [item('s1')]);
    const none = (messageId: string): RecordItem => ({ messageId, externalId: null, payload: { messageId } });
    const result = await recorder.record(flowId, [item('s2'), item('s1', 'm-s1b'), none('n1'), item('s3'), none('n2'), item('s2', 'm-s2b')], { type: 'webhook' }, { runSize: 2 });
    // Slices in the batch's order: [s2, s1 (duplicate)], [n1, s3], [n2, s2 (duplicate)].
    expect(result.runs.map((r) => r.messageCount)).toEqual([1, 2, 1]);
    expect(result.accepted.map((a) => [a.externalId, a.messageId, result.runs.findIndex((r) => r.id === a.runId)])).toEqual([
      ['s2', 'm-s2', 0],
      [null, 'n1', 1],
      ['s3', 'm-s3', 1],
      [null, 'n2', 2],
    ]);
    expect(result.duplicates.map((d) => d.messageId)).toEqual(['m-s1b', 'm-s2b']);
    const again = await recorder.record(flowId, [none('n1'), none('n1')], { type: 'webhook' }, { runSize: 5 });
    expect(again.accepted).toHaveLength(2);
    const { rows } = await db.pool().query(
      'SELECT m.message_id, m.position, r.message_count FROM run_messages m JOIN runs r ON r.id = m.run_id WHERE m.run_id = $1 ORDER BY m.position',
      [result.runs[1].id],
    );
    expect(rows).toEqual([
      { message_id: 'n1', position: 0, message_count: 2 },
      { message_id: 'm-s3', position: 1, message_count: 2 },
    ]);
    await expect(recorder.record(flowId, [item('s9')], undefined, { runSize: 0 })).rejects.toThrow('runSize must be a whole number of at least 1 (got 0)');
  });

  it('accepts each External ID once when many batches race (group commit and concurrent transactions)', async () => {
    const flowId = uniqueFlowId();
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) => recorder.record(flowId, [item(`k${i % 20}`, `m${i}`), item(`k${(i * 7) % 20}`, `n${i}`)])),
    );
    const accepted = results.flatMap((r) => r.accepted.map((a) => a.externalId));
    expect(new Set(accepted).size).toBe(20);
    expect(accepted).toHaveLength(20);
    expect(results.reduce((n, r) => n + r.duplicates.length, 0)).toBe(100);
    const { rows } = await db.pool().query(`SELECT count(*)::int AS n, sum(message_count)::int AS m FROM runs WHERE flow_id = $1`, [flowId]);
    expect(rows[0]).toEqual({ n: results.filter((r) => r.runs.length > 0).length, m: 20 });
  });

  it('fails only the batch PostgreSQL refuses when batches share a group commit', async () => {
    const flowId = uniqueFlowId();
    // One commit at a time: while the first runs, the next six queue up and share one transaction.
    const serial = new PgRunRecorder(db.pool(), { maxConcurrentCommits: 1 });
    const first = serial.record(flowId, [item('first')]);
    // jsonb cannot hold \u0000, so this batch must fail on its own.
    const bad = serial.record(flowId, [{ messageId: 'bad', externalId: 'bad', payload: { text: 'nul\u0000' } }]);
    const good = Array.from({ length: 5 }, (_, i) => serial.record(flowId, [item(`g${i}`)]));
    expect((await first).accepted).toHaveLength(1);
    await expect(bad).rejects.toThrow(/unsupported Unicode escape sequence|\\u0000/);
    expect((await Promise.all(good)).map((r) => r.accepted.length)).toEqual([1, 1, 1, 1, 1]);
  });

  it('records dead-lettered messages with their error, outside the uniqueness of accepted ones', async () => {
    const flowId = uniqueFlowId();
    await recorder.record(flowId, [item('d')]);
    await recorder.recordDeadLetter(flowId, { messageId: 'm-d2', externalId: 'd', payload: { p: 1 }, error: 'Error: boom', attempts: 5 });
    await recorder.recordDeadLetter(flowId, { messageId: 'm-none', error: 'Error: no id', attempts: 5 });
    const { rows } = await db.pool().query(
      `SELECT external_id, status, error, attempts, run_id FROM run_messages WHERE flow_id = $1 AND status = 'dead-lettered' ORDER BY message_id`,
      [flowId],
    );
    expect(rows).toEqual([
      { external_id: 'd', status: 'dead-lettered', error: 'Error: boom', attempts: 5, run_id: null },
      { external_id: null, status: 'dead-lettered', error: 'Error: no id', attempts: 5, run_id: null },
    ]);
  });
});

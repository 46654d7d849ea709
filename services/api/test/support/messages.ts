import type { Client } from 'pg';

export type MessageCounts = { accepted: number; distinctAccepted: number; duplicate: number; deadLettered: number };

/** How the messages of one flow were recorded (run_messages rows by status). */
export async function messageCounts(pg: Client, flowId: string): Promise<MessageCounts> {
  const { rows } = await pg.query<{ accepted: string; distinct_accepted: string; duplicate: string; dead: string }>(
    `SELECT count(*) FILTER (WHERE status = 'accepted') AS accepted,
            count(DISTINCT external_id) FILTER (WHERE status = 'accepted') AS distinct_accepted,
            count(*) FILTER (WHERE status = 'duplicate') AS duplicate,
            count(*) FILTER (WHERE status = 'dead-lettered') AS dead
       FROM run_messages WHERE flow_id = $1`,
    [flowId],
  );
  const r = rows[0];
  return { accepted: Number(r.accepted), distinctAccepted: Number(r.distinct_accepted), duplicate: Number(r.duplicate), deadLettered: Number(r.dead) };
}

export async function acceptedCount(pg: Client, flowId: string): Promise<number> {
  const { rows } = await pg.query<{ c: string }>(`SELECT count(*) AS c FROM run_messages WHERE flow_id = $1 AND status = 'accepted'`, [flowId]);
  return Number(rows[0].c);
}

export type RunShape = { runs: number; maxMessages: number; minMessages: number; messages: number; mismatched: number; orphans: number };

/**
 * The runs of a flow: how many, the largest and smallest batch, the messages they hold, runs whose
 * message_count disagrees with their accepted rows, and accepted rows without a run.
 */
export async function runShape(pg: Client, flowId: string): Promise<RunShape> {
  const { rows } = await pg.query<{ runs: string; max: number | null; min: number | null; messages: string | null; mismatched: string; orphans: string }>(
    `SELECT count(*) AS runs, max(message_count) AS max, min(message_count) AS min, sum(message_count) AS messages,
            count(*) FILTER (WHERE message_count <> (SELECT count(*) FROM run_messages m WHERE m.run_id = r.id AND m.status = 'accepted')) AS mismatched,
            (SELECT count(*) FROM run_messages m WHERE m.flow_id = $1 AND m.status = 'accepted' AND m.run_id IS NULL) AS orphans
       FROM runs r WHERE r.flow_id = $1`,
    [flowId],
  );
  const r = rows[0];
  return { runs: Number(r.runs), maxMessages: Number(r.max), minMessages: Number(r.min), messages: Number(r.messages ?? 0), mismatched: Number(r.mismatched), orphans: Number(r.orphans) };
}

-- Stream delivery tables (services/runtime). The platform turns this into a TypeORM migration;
-- keep names snake_case and in step with services/runtime/README.md.

CREATE TABLE IF NOT EXISTS runs (
  id            uuid PRIMARY KEY,
  flow_id       text NOT NULL,
  -- 'queued' when recorded here; the executor moves it on (running, succeeded, failed, ...).
  status        text NOT NULL DEFAULT 'queued',
  -- What started the run, e.g. {"type":"stream","driver":"sqs","source":"<queue url>"}.
  trigger       jsonb NOT NULL DEFAULT '{}'::jsonb,
  message_count integer NOT NULL DEFAULT 0,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS runs_flow_created_idx ON runs (flow_id, created_at DESC);

CREATE TABLE IF NOT EXISTS run_messages (
  id          uuid PRIMARY KEY,
  -- Set for accepted messages. Duplicates and dead-lettered messages start no run.
  -- Deferred so a run row can be written after its messages in the same transaction
  -- (a batch whose messages are all duplicates then writes no run at all).
  run_id      uuid REFERENCES runs (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
  flow_id     text NOT NULL,
  -- NULL for a dead-lettered message whose External ID could not be evaluated, and for an accepted
  -- connector webhook item that has none (not de-duplicated: NULLs never conflict in the index below).
  external_id text,
  status      text NOT NULL CHECK (status IN ('accepted', 'duplicate', 'dead-lettered')),
  -- Order of the message inside its run's batch.
  position    integer NOT NULL DEFAULT 0,
  payload     jsonb,
  labels      jsonb,
  -- Broker message id (SQS MessageId, AMQP message-id or content hash, Kafka topic/partition/offset).
  message_id  text NOT NULL,
  error       text,
  attempts    integer NOT NULL DEFAULT 1,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- De-duplication: an External ID is accepted once per flow. Duplicate and dead-lettered rows are
-- history and may repeat.
CREATE UNIQUE INDEX IF NOT EXISTS run_messages_flow_external_id_accepted_key
  ON run_messages (flow_id, external_id) WHERE status = 'accepted';

CREATE INDEX IF NOT EXISTS run_messages_run_idx ON run_messages (run_id) WHERE run_id IS NOT NULL;

import type { LogEntry } from '@flowport/sandbox';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { FlowCatalog } from '../flows/flow-catalog';
import type { FlowDefinition, StepDef } from '../flows/flow-definition';
import { withFields, type LogFields } from '../log-fields';
import { RUNTIME_OPTIONS, type RuntimeOptions } from '../runtime-options';
import { RunStore, type RunRow, type RunStatus, type StepRecord } from '../runs/run-store';
import type { JsonValue } from '../stream-message';
import { toPlainJson } from './expressions';
import { StepError, StepRunner, type RunContext } from './step-runner';

/** A step still running after this long gets its running mark recorded (the Executions screen shows it). */
const RUNNING_MARK_AFTER_MS = 200;

/**
 * Claims queued runs (several replicas share the queue through SKIP LOCKED), runs each flow
 * version's steps in order with per-step timeout and retries, and records every step: a step
 * that ends within RUNNING_MARK_AFTER_MS is one write, and the step that ends a run is written by
 * the statement that ends the run.
 * Wake-up: in-process `wake()` (after a run is recorded here) plus a short poll for runs other
 * replicas recorded.
 */
@Injectable()
export class ExecutorService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Executor');
  private readonly active = new Map<string, Promise<void>>();
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private woken = false;
  private heartbeat: NodeJS.Timeout | undefined;
  /** Runs whose claim another replica took over: finish quietly without recording more. */
  private readonly lost = new Set<string>();

  constructor(
    @Inject(RUNTIME_OPTIONS) private readonly options: RuntimeOptions,
    private readonly runs: RunStore,
    private readonly catalog: FlowCatalog,
    private readonly steps: StepRunner,
  ) {}

  onApplicationBootstrap(): void {
    if (this.options.executor) this.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.heartbeat = setInterval(() => void this.renew(), Math.max(100, Math.floor(this.options.claimTtlMs / 3)));
    this.heartbeat.unref();
    this.loop = this.pollLoop();
  }

  /** Stops claiming; runs in progress finish (their claims are renewed until then). */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake();
    await this.loop;
    await Promise.allSettled([...this.active.values()]);
    clearInterval(this.heartbeat);
  }

  /** A run was queued: look now instead of after the poll interval. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  get inFlight(): number {
    return this.active.size;
  }

  private async pollLoop(): Promise<void> {
    let lastRequeue = 0;
    while (this.running) {
      this.woken = false;
      let claimed = 0;
      try {
        if (Date.now() - lastRequeue >= this.options.pollIntervalMs) {
          lastRequeue = Date.now();
          const requeued = await this.runs.requeueExpired(this.options.maxRunClaims);
          if (requeued > 0) this.logger.warn(withFields(`Took up ${requeued} run(s) abandoned by a stopped replica`, { count: requeued }));
        }
        const free = this.options.concurrency - this.active.size;
        if (free > 0) {
          const rows = await this.runs.claim(this.options.replicaId, free, this.options.claimTtlMs);
          claimed = rows.length;
          for (const row of rows) this.launch(row);
        }
      } catch (error) {
        this.logger.error(withFields('Claiming runs failed', { error: (error as Error).message }));
      }
      const full = this.active.size >= this.options.concurrency;
      if (this.running && !this.woken && (claimed === 0 || full)) await this.idle();
    }
  }

  private idle(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.options.pollIntervalMs);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = undefined;
        done();
      };
    });
  }

  private launch(row: RunRow): void {
    const work = this.execute(row)
      .catch((error) => this.logger.error(withFields('Run crashed the executor', { ...runFields(row), error: (error as Error).stack ?? String(error) })))
      .finally(() => {
        this.active.delete(row.id);
        this.lost.delete(row.id);
        this.wake();
      });
    this.active.set(row.id, work);
  }

  private async renew(): Promise<void> {
    const ids = [...this.active.keys()];
    if (ids.length === 0) return;
    try {
      const held = await this.runs.renewClaims(this.options.replicaId, ids, this.options.claimTtlMs);
      for (const id of ids) if (!held.has(id)) this.lost.add(id);
    } catch (error) {
      this.logger.warn(withFields('Renewing run claims failed', { count: ids.length, error: (error as Error).message }));
    }
  }

  private async execute(row: RunRow): Promise<void> {
    const fields = runFields(row);
    const started = performance.now();
    this.logger.debug(withFields('Run started', { ...fields, trigger: row.trigger?.type ?? null, claims: row.claims }));
    const finish = async (status: RunStatus, error: string | null, lastStep?: StepRecord) => {
      if (!(await this.runs.finish(row.id, this.options.replicaId, status, error, lastStep))) {
        this.logger.warn(withFields(`Run ended ${status} here but its claim had moved to another replica; that replica's result stands`, { ...fields, status }));
        return;
      }
      const ended = { ...fields, status, durationMs: Math.round(performance.now() - started), ...(error === null ? {} : { error }) };
      if (status === 'failed') this.logger.warn(withFields('Run failed', ended));
      else this.logger.debug(withFields('Run finished', ended));
    };
    let definition: FlowDefinition | null = row.definition;
    if (!definition && row.flow_version !== null) definition = await this.catalog.definition(row.flow_id, row.flow_version);
    if (!definition) {
      await finish('failed', `Flow ${row.flow_id} version ${row.flow_version ?? '(none)'} was not found; publish and activate the flow, then replay the run`);
      return;
    }
    if (!row.workspace_id) {
      await finish('failed', `Run ${row.id} has no workspace: flow ${row.flow_id} is missing from the flows table`);
      return;
    }
    const messages = row.input?.messages ?? (await this.runs.messagesOf(row.id));
    const context: RunContext = { trigger: { messages, ...(row.input?.input !== undefined ? { input: row.input.input } : {}) }, steps: {} };
    // Only a run taken up again can have recorded steps; a first claim skips the query.
    const done = row.claims > 1 ? await this.runs.steps(row.id) : [];

    let lastStep: StepRecord | undefined;
    for (const [position, step] of definition.steps.entries()) {
      if (this.lost.has(row.id)) return;
      const previous = done.find((s) => s.position === position && s.name === step.name && s.status === 'succeeded');
      if (previous) {
        // Taken up again after a replica died: completed steps keep their recorded output.
        context.steps[step.name] = previous.output;
        continue;
      }
      // The previous step's record is durable before this one starts (a run taken up again skips it).
      if (lastStep) await this.runs.recordStep(row.id, lastStep);
      lastStep = await this.runStep(row, position, step, context);
      // Claim lost meanwhile: the replica that took the run over records it.
      if (this.lost.has(row.id)) return;
      if (lastStep.status === 'failed') {
        await finish('failed', `Step "${step.name}" failed after ${lastStep.attempts} attempt(s): ${lastStep.error ?? 'unknown error'}`, lastStep);
        return;
      }
      if (lastStep.status === 'filtered') {
        await finish('filtered', null, lastStep);
        return;
      }
    }
    await finish('succeeded', null, lastStep);
  }

  /** Runs one step with its retries; returns its record for the caller to write. */
  private async runStep(row: RunRow, position: number, step: StepDef, context: RunContext): Promise<StepRecord> {
    const started = performance.now();
    let marking: Promise<void> | undefined;
    const mark = setTimeout(() => {
      marking = this.runs
        .startStep(row.id, position, step.name, step.type, null)
        .catch((error: unknown) => this.logger.warn(withFields('Recording a running step failed', { ...runFields(row), step: step.name, error: (error as Error).message })));
    }, RUNNING_MARK_AFTER_MS);
    try {
      const record = await this.attempt(row, step, context);
      return { position, name: step.name, type: step.type, ...record, durationMs: performance.now() - started };
    } finally {
      clearTimeout(mark);
      // The mark must land before the step's record, or it would overwrite it.
      await marking;
    }
  }

  private async attempt(row: RunRow, step: StepDef, context: RunContext): Promise<Omit<StepRecord, 'position' | 'name' | 'type' | 'durationMs'>> {
    const attempts = Math.max(1, Math.floor(step.retry?.attempts ?? 1));
    const backoffMs = Math.max(0, step.retry?.backoffMs ?? 1000);
    const timeoutMs = step.timeoutMs ?? this.options.defaultStepTimeoutMs;
    const logs: LogEntry[] = [];
    let lastError = '';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const outcome = await this.steps.run(step, context, row.workspace_id!, timeoutMs);
        logs.push(...outcome.logs);
        const output = toPlainJson(outcome.output);
        context.steps[step.name] = output;
        return { status: outcome.filtered ? 'filtered' : 'succeeded', input: this.cap(outcome.input), output: this.cap(output), logs, error: null, attempts: attempt };
      } catch (error) {
        lastError = error instanceof Error ? error.message : String(error);
        if (error instanceof StepError) logs.push(...error.logs);
        const retrying = attempt < attempts;
        const delay = backoffMs * 2 ** (attempt - 1);
        this.logger.debug(withFields(`Step attempt failed${retrying ? '; retrying' : ''}`, { ...runFields(row), step: step.name, attempt, attempts, error: lastError, ...(retrying ? { retryInMs: delay } : {}) }));
        logs.push({ level: retrying ? 'warn' : 'error', message: `Attempt ${attempt} of ${attempts} failed: ${lastError}${retrying ? `; retrying in ${delay} ms` : ''}`, at: new Date().toISOString() });
        if (retrying) await new Promise((resolve) => setTimeout(resolve, delay));
        if (this.lost.has(row.id)) return { status: 'failed', output: null, logs, error: lastError, attempts: attempt };
      }
    }
    return { status: 'failed', output: null, logs, error: lastError, attempts };
  }

  /** Keeps run_steps rows bounded: a large value is stored as a truncated preview. */
  private cap(value: JsonValue): JsonValue {
    const text = JSON.stringify(value) ?? 'null';
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes <= this.options.stepOutputLimitBytes) return value;
    return { truncated: true, bytes, limit: this.options.stepOutputLimitBytes, preview: text.slice(0, 1024) };
  }
}

/** The ids every log line about a run carries as JSON fields. */
function runFields(row: RunRow): LogFields {
  return { runId: row.id, flowId: row.flow_id, workspaceId: row.workspace_id, flowVersion: row.flow_version };
}

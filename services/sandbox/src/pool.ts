import ivm from 'isolated-vm';
import { amqpPublishRequest, kafkaProduceRequest } from './broker-requests';
import { SandboxError, errorData, type SandboxErrorData } from './errors';
import { GuardedHttp } from './http';
import { verifyIntegrity } from './integrity';
import { LOG_TRUNCATED, PRELUDE } from './prelude';
import type {
  CallCapabilities,
  ConnectorBundle,
  JsonValue,
  LogEntry,
  LogLevel,
  SandboxCallRequest,
  SandboxCallResult,
  SandboxPoolOptions,
  SandboxPoolStats,
} from './types';

type DispatchFn = (callId: number, op: string, target: string | undefined, inputJson?: string, grants?: number) => Promise<string>;

// Bits of the prelude's `grants`: ctx.sql, ctx.amqp and ctx.kafka exist only when granted.
const GRANT_SQL = 1;
const GRANT_AMQP = 2;
const GRANT_KAFKA = 4;

const MiB = 1024 * 1024;
const LOG_LEVELS = new Set<string>(['debug', 'info', 'warn', 'error']);
const ENTRY_OVERHEAD = 16; // same constant as the prelude: empty lines still count
const MAX_HOST_PAYLOAD = 8 * MiB;
const MAX_KEY_LENGTH = 1024;
const OVERRUN = Symbol('overrun');

interface CompiledBundle {
  code: string;
  /** V8 code cache produced by the first compile; later isolates skip parsing with it. */
  cachedData?: ivm.ExternalCopy<ArrayBuffer>;
}

interface ActiveCall {
  id: number;
  capabilities: CallCapabilities;
  logs: LogCollector;
  /** Created on the first http call only: AbortController is not free on the hot path. */
  abort: AbortController | null;
  inflight: number;
  /** Host calls made so far: a call that made none cannot have left continuations behind. */
  hostCalls: number;
  deadline: number;
}

interface Worker {
  /** Null while the isolate waits as the standby, before any bundle is loaded into it. */
  group: Group | null;
  isolate: ivm.Isolate;
  context: ivm.Context;
  dispatch: ivm.Reference<DispatchFn>;
  manifestJson: string;
  /** Set while the bundle is still loading; the first call is queued behind it (see spawn). */
  loading: Promise<void> | null;
  busy: boolean;
  dead: boolean;
  lastUsed: number;
  /** Release order, for least-recently-used choice (lastUsed has only millisecond resolution). */
  releaseSeq: number;
  current: ActiveCall | null;
}

interface Group {
  key: string;
  integrity: string;
  code: string;
  workers: Set<Worker>;
  idle: Worker[];
  creating: number;
  waiters: Array<{ resolve: (w: Worker) => void; reject: (e: unknown) => void }>;
}

class LogCollector {
  readonly entries: LogEntry[] = [];
  private used = 0;
  private truncated = false;

  constructor(private readonly limit: number) {}

  add(level: string, message: string): void {
    if (this.truncated) return;
    if (level === LOG_TRUNCATED || !LOG_LEVELS.has(level)) return this.truncate();
    const cost = Buffer.byteLength(message, 'utf8') + ENTRY_OVERHEAD;
    if (this.used + cost > this.limit) return this.truncate();
    this.used += cost;
    this.entries.push({ level: level as LogLevel, message, at: new Date().toISOString() });
  }

  private truncate(): void {
    this.truncated = true;
    this.entries.push({
      level: 'warn',
      message: `[flowport] log truncated: this call logged more than ${this.limit} bytes; later lines were dropped`,
      at: new Date().toISOString(),
    });
  }
}

/**
 * Runs connector bundles in isolated-vm isolates. Warm isolates are kept per bundle integrity
 * and partition; each serves one call at a time, with a fresh GuestContext per call and the
 * bundle's module state kept between calls (see README, "State between calls").
 */
export class SandboxPool {
  private readonly memoryLimitMb: number;
  private readonly timeoutMs: number;
  private readonly maxIsolatesPerBundle: number;
  private readonly maxIsolates: number;
  private readonly idleTtlMs: number;
  private readonly logLimitBytes: number;
  private readonly outputLimitBytes: number;
  private readonly allowPrivateNetwork: boolean;
  private readonly maxConcurrentHostCalls: number;
  private readonly inline: boolean;
  private readonly onCatastrophicError: (message: string) => void;
  private readonly http: GuardedHttp;
  private readonly groups = new Map<string, Group>();
  private readonly bundles = new Map<string, CompiledBundle>();
  private readonly sweeper: NodeJS.Timeout;
  private callSeq = 0;
  private releaseSeq = 0;
  private readonly prewarm: boolean;
  private standby: Promise<Worker> | null = null;
  private standbyWanted = false;
  private closed = false;
  private readonly counters = { recycled: 0, evicted: 0, created: 0, calls: 0, failures: 0, timeouts: 0 };

  constructor(options: SandboxPoolOptions = {}) {
    requireNoNodeSnapshot();
    this.memoryLimitMb = positive('memoryLimitMb', options.memoryLimitMb ?? 128, 8);
    this.timeoutMs = positive('timeoutMs', options.timeoutMs ?? 30_000, 1);
    this.maxIsolates = positive('maxIsolates', options.maxIsolates ?? 256, 1);
    this.maxIsolatesPerBundle = positive('maxIsolatesPerBundle', options.maxIsolatesPerBundle ?? 4, 1);
    this.idleTtlMs = positive('idleTtlMs', options.idleTtlMs ?? 300_000, 1);
    this.logLimitBytes = positive('logLimitBytes', options.logLimitBytes ?? 64 * 1024, 256);
    this.outputLimitBytes = positive('outputLimitBytes', options.outputLimitBytes ?? 5 * MiB, 1024);
    this.maxConcurrentHostCalls = positive('maxConcurrentHostCalls', options.maxConcurrentHostCalls ?? 32, 1);
    this.allowPrivateNetwork = options.allowPrivateNetwork ?? false;
    this.inline = options.inlineExecution ?? false;
    this.prewarm = options.standbyIsolate ?? true;
    this.onCatastrophicError =
      options.onCatastrophicError ??
      ((message) => {
        // isolated-vm's guidance: after a catastrophic error V8 state is unrecoverable.
        process.stderr.write(`@flowport/sandbox: catastrophic isolate error, aborting: ${message}\n`);
        process.abort();
      });
    this.http = new GuardedHttp({
      timeoutMs: positive('http.timeoutMs', options.http?.timeoutMs ?? 30_000, 1),
      responseLimitBytes: positive('http.responseLimitBytes', options.http?.responseLimitBytes ?? 5 * MiB, 1),
      requestBodyLimitBytes: positive('http.requestBodyLimitBytes', options.http?.requestBodyLimitBytes ?? 5 * MiB, 1),
      maxRedirects: options.http?.maxRedirects ?? 5,
      allowedPrivateAddresses: options.allowedPrivateAddresses ?? [],
    });
    this.sweeper = setInterval(() => this.evictIdle(), Math.min(this.idleTtlMs, 30_000));
    this.sweeper.unref();
  }

  /** Runs one guest operation. Never throws for guest or sandbox failures: they come back as `ok: false`. */
  async call(request: SandboxCallRequest): Promise<SandboxCallResult> {
    const started = performance.now();
    this.counters.calls++;
    const logs = new LogCollector(this.logLimitBytes);
    const failure = (error: SandboxErrorData): SandboxCallResult => {
      this.counters.failures++;
      return { ok: false, error, logs: logs.entries, durationMs: performance.now() - started };
    };
    if (this.closed) return failure(new SandboxError('SandboxClosedError', 'the sandbox pool is closed; create a new SandboxPool').toData());
    if (typeof request.op !== 'string' || request.op.startsWith('$')) {
      // '$'-ops are the prelude's own (bind, flush); callers name guest operations only.
      return failure(new SandboxError('SandboxInputError', `op must be a guest operation such as "action.run" (got ${JSON.stringify(request.op)})`).toData());
    }
    const timeoutMs = request.timeoutMs ?? this.timeoutMs;
    if (!Number.isFinite(timeoutMs) || timeoutMs < 1) {
      return failure(new SandboxError('SandboxInputError', `timeoutMs must be a positive number of milliseconds (got ${timeoutMs})`).toData());
    }
    let inputJson: string;
    try {
      // A bare function or symbol stringifies to undefined: it crosses as null, as inside objects.
      inputJson = JSON.stringify(request.input === undefined ? null : request.input) ?? 'null';
    } catch (err) {
      return failure(new SandboxError('SandboxInputError', `the call input is not JSON-serialisable: ${(err as Error).message}`).toData());
    }
    let worker: Worker;
    try {
      worker = await this.acquire(this.groupFor(request.bundle, request.partition ?? ''));
    } catch (err) {
      return failure(errorData(err));
    }
    try {
      const outcome = await this.execute(worker, request, inputJson, timeoutMs, logs);
      if ('error' in outcome) return failure(outcome.error);
      return { ok: true, output: outcome.output, logs: logs.entries, durationMs: performance.now() - started };
    } finally {
      this.release(worker);
      this.refillStandby();
    }
  }

  /**
   * Evaluates a bundle in a fresh isolate and returns its `__flowport__.manifest` as plain data,
   * so the registry can check that the bundle's exports match the manifest it was published with.
   */
  async loadManifest(bundle: ConnectorBundle): Promise<JsonValue> {
    if (this.closed) throw new SandboxError('SandboxClosedError', 'the sandbox pool is closed; create a new SandboxPool');
    verifyIntegrity(bundle.code, bundle.integrity);
    const group: Group = { key: '', integrity: bundle.integrity, code: bundle.code, workers: new Set(), idle: [], creating: 0, waiters: [] };
    const worker = await this.createWorker(group, false, true);
    try {
      return JSON.parse(worker.manifestJson) as JsonValue;
    } finally {
      worker.isolate.dispose();
      this.refillStandby();
    }
  }

  stats(): SandboxPoolStats {
    let isolates = 0;
    let busy = 0;
    let queued = 0;
    for (const group of this.groups.values()) {
      isolates += group.workers.size;
      queued += group.waiters.length;
      for (const w of group.workers) if (w.busy) busy++;
    }
    return { isolates, busy, queued, ...this.counters };
  }

  /** Disposes every isolate; calls still running end with SandboxClosedError. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweeper);
    const standby = this.standby;
    this.standby = null;
    const disposedStandby = standby?.then((w) => w.isolate.dispose(), () => undefined);
    for (const group of this.groups.values()) {
      for (const waiter of group.waiters.splice(0)) waiter.reject(new SandboxError('SandboxClosedError', 'the sandbox pool was closed while the call waited for an isolate'));
      for (const worker of group.workers) this.dispose(worker);
      group.workers.clear();
      group.idle.length = 0;
    }
    this.groups.clear();
    for (const entry of this.bundles.values()) entry.cachedData?.release();
    this.bundles.clear();
    await Promise.all([disposedStandby, this.http.close()]);
  }

  private groupFor(bundle: ConnectorBundle, partition: string): Group {
    if (!bundle || typeof bundle.code !== 'string' || typeof bundle.integrity !== 'string') {
      throw new SandboxError('SandboxInputError', 'bundle must be { code: string, integrity: string }');
    }
    const key = `${bundle.integrity}\n${partition}`;
    let group = this.groups.get(key);
    // Identical strings compare by pointer, so the warm path does not rehash the bundle; only a
    // caller passing different code under a known integrity pays for (and fails) verification.
    if (group && group.code !== bundle.code) verifyIntegrity(bundle.code, bundle.integrity);
    if (!group) {
      const known = this.bundles.get(bundle.integrity);
      if (!known || known.code !== bundle.code) {
        verifyIntegrity(bundle.code, bundle.integrity);
        if (!known) this.bundles.set(bundle.integrity, { code: bundle.code });
      }
      group = { key, integrity: bundle.integrity, code: bundle.code, workers: new Set(), idle: [], creating: 0, waiters: [] };
      this.groups.set(key, group);
    }
    return group;
  }

  private acquire(group: Group): Promise<Worker> {
    const idle = group.idle.pop();
    if (idle) {
      idle.busy = true;
      return Promise.resolve(idle);
    }
    if (group.workers.size + group.creating < this.maxIsolatesPerBundle) return this.spawn(group);
    return new Promise((resolve, reject) => group.waiters.push({ resolve, reject }));
  }

  private async spawn(group: Group): Promise<Worker> {
    this.makeRoom();
    group.creating++;
    try {
      const worker = await this.createWorker(group, true, false);
      if (this.closed) {
        this.dispose(worker);
        throw new SandboxError('SandboxClosedError', 'the sandbox pool was closed while an isolate started');
      }
      worker.busy = true;
      group.workers.add(worker);
      group.creating--;
      return worker;
    } catch (err) {
      group.creating--;
      // Calls queued behind a bundle that fails to load must each get their own attempt (and
      // error) instead of waiting for a release that never comes.
      this.pump(group);
      throw err;
    }
  }

  private release(worker: Worker): void {
    const group = worker.group!;
    worker.busy = false;
    worker.lastUsed = Date.now();
    worker.releaseSeq = ++this.releaseSeq;
    if (worker.dead || worker.isolate.isDisposed) {
      this.dispose(worker);
      group.workers.delete(worker);
    } else if (!this.closed) {
      group.idle.push(worker);
    }
    this.pump(group);
  }

  /** Hands free or newly started isolates to calls waiting on this group. */
  private pump(group: Group): void {
    while (group.waiters.length > 0) {
      const idle = group.idle.pop();
      if (idle) {
        idle.busy = true;
        group.waiters.shift()!.resolve(idle);
        continue;
      }
      if (group.workers.size + group.creating >= this.maxIsolatesPerBundle) return;
      const waiter = group.waiters.shift()!;
      this.spawn(group).then(waiter.resolve, waiter.reject);
    }
    if (group.workers.size === 0 && group.creating === 0 && this.groups.get(group.key) === group) {
      this.groups.delete(group.key);
      const stillUsed = [...this.groups.values()].some((g) => g.integrity === group.integrity);
      if (!stillUsed) {
        this.bundles.get(group.integrity)?.cachedData?.release();
        this.bundles.delete(group.integrity);
      }
    }
  }

  /** At maxIsolates, the least recently used idle isolate (of any bundle) makes way. */
  private makeRoom(): void {
    let alive = 0;
    let oldest: Worker | null = null;
    for (const group of this.groups.values()) {
      alive += group.workers.size + group.creating;
      for (const worker of group.idle) if (!oldest || worker.releaseSeq < oldest.releaseSeq) oldest = worker;
    }
    if (alive < this.maxIsolates || !oldest) return;
    const group = oldest.group!;
    group.idle = group.idle.filter((w) => w !== oldest);
    group.workers.delete(oldest);
    this.dispose(oldest);
    this.counters.evicted++;
    this.pump(group);
  }

  private evictIdle(): void {
    const cutoff = Date.now() - this.idleTtlMs;
    for (const group of [...this.groups.values()]) {
      const keep: Worker[] = [];
      for (const worker of group.idle) {
        if (worker.lastUsed <= cutoff) {
          this.dispose(worker);
          group.workers.delete(worker);
          this.counters.evicted++;
        } else {
          keep.push(worker);
        }
      }
      group.idle = keep;
      this.pump(group);
    }
  }

  private dispose(worker: Worker): void {
    worker.dead = true;
    worker.current?.abort?.abort();
    if (!worker.isolate.isDisposed) worker.isolate.dispose();
  }

  private recycle(worker: Worker): void {
    if (!worker.dead) this.counters.recycled++;
    this.dispose(worker);
  }

  /**
   * A fresh isolate with its context and prelude, no bundle yet. Isolate creation dominates cold
   * start, so one such isolate is kept ready (the standby) and handed to the next cold start.
   */
  private async prepareIsolate(): Promise<Worker> {
    const isolate = new ivm.Isolate({ memoryLimit: this.memoryLimitMb, onCatastrophicError: this.onCatastrophicError });
    try {
      // Context and prelude run no guest code, so they are done on this thread: two thread hops
      // fewer, which matters most on a busy machine where each hop waits for a CPU.
      const context = isolate.createContextSync();
      const worker: Worker = {
        group: null,
        isolate,
        dispatch: undefined as unknown as ivm.Reference<DispatchFn>,
        context,
        manifestJson: 'null',
        loading: null,
        busy: false,
        dead: false,
        lastUsed: Date.now(),
        releaseSeq: 0,
        current: null,
      };
      const hostCall = new ivm.Reference((callId: unknown, kind: unknown, payload: unknown) => this.hostCall(worker, callId, kind, payload));
      const hostLog = new ivm.Reference((callId: unknown, level: unknown, message: unknown) => {
        const call = worker.current;
        if (call && call.id === callId && typeof level === 'string' && typeof message === 'string') call.logs.add(level, message);
      });
      worker.dispatch = (context.evalClosureSync(PRELUDE, [hostCall, hostLog, this.logLimitBytes, this.outputLimitBytes], {
        result: { reference: true },
        filename: 'flowport:prelude',
      })) as unknown as ivm.Reference<DispatchFn>;
      return worker;
    } catch (err) {
      if (!isolate.isDisposed) isolate.dispose();
      throw new SandboxError('SandboxCrashError', `could not start an isolate: ${messageOf(err)}`);
    }
  }

  /** Takes the standby isolate if there is one and starts preparing the next. */
  private takeIsolate(): Promise<Worker> {
    const ready = this.standby ?? this.prepareIsolate();
    this.standby = null;
    this.standbyWanted = this.prewarm;
    return ready;
  }

  /**
   * Called when a call or manifest load has finished: preparing an isolate blocks the host thread
   * for a few milliseconds, which should not land inside the cold start that used the standby.
   */
  private refillStandby(): void {
    if (!this.standbyWanted || this.closed) return;
    this.standbyWanted = false;
    setImmediate(() => {
      if (this.closed || this.standby) return;
      const next = this.prepareIsolate();
      next.catch(() => {
        if (this.standby === next) this.standby = null;
      });
      this.standby = next;
    });
  }

  /**
   * Starts loading the bundle into a prepared isolate. With `awaitLoad` false it returns as soon
   * as the load is queued (worker.loading tells how it went), so the caller can queue the first
   * call right behind it: isolated-vm runs an isolate's tasks in order, and the isolate thread
   * then loads, binds and serves without handing back to the host in between.
   */
  private async createWorker(group: Group, pooled: boolean, awaitLoad: boolean): Promise<Worker> {
    const worker = await this.takeIsolate();
    const { isolate, context } = worker;
    worker.group = group;
    let script: ivm.Script;
    try {
      script = await this.compile(isolate, group, pooled);
    } catch (err) {
      if (!isolate.isDisposed) isolate.dispose();
      throw loadError(err, this.timeoutMs, this.memoryLimitMb);
    }
    let ran: Promise<unknown>;
    let binding: Promise<unknown>;
    if (this.inline) {
      // Inline mode accepts guest code on the host thread, so loading costs no thread hop.
      ran = runInline(() => script.runSync(context, { timeout: this.timeoutMs, release: true }));
      binding = runInline(() => worker.dispatch.applySync(undefined, [0, '$bind', undefined], { result: { promise: true, copy: true }, timeout: this.timeoutMs }));
    } else {
      ran = script.run(context, { timeout: this.timeoutMs, release: true });
      binding = worker.dispatch.apply(undefined, [0, '$bind', undefined], { result: { promise: true, copy: true }, timeout: this.timeoutMs });
    }
    worker.loading = this.finishLoad(worker, ran, binding, pooled);
    // Handled here so a failed load is never an unhandled rejection, whoever awaits it.
    worker.loading.catch(() => undefined);
    if (awaitLoad) {
      await worker.loading;
      worker.loading = null;
    }
    return worker;
  }

  private async finishLoad(worker: Worker, ran: Promise<unknown>, binding: Promise<unknown>, pooled: boolean): Promise<void> {
    try {
      const [runOutcome, bindOutcome] = await Promise.allSettled([ran, binding]);
      if (runOutcome.status === 'rejected') throw loadError(runOutcome.reason, this.timeoutMs, this.memoryLimitMb);
      if (bindOutcome.status === 'rejected') throw loadError(bindOutcome.reason, this.timeoutMs, this.memoryLimitMb);
      const bound = bindOutcome.value;
      if (typeof bound !== 'string') throw new SandboxError('BundleContractError', 'the bundle manifest could not be read');
      if (bound[0] !== '1') {
        const e = JSON.parse(bound.slice(1)) as SandboxErrorData;
        throw new SandboxError(e.name, e.message);
      }
      worker.manifestJson = bound.slice(1);
      if (pooled) this.counters.created++;
    } catch (err) {
      worker.dead = true;
      if (!worker.isolate.isDisposed) worker.isolate.dispose();
      throw err;
    }
  }

  private async compile(isolate: ivm.Isolate, group: Group, useCache: boolean): Promise<ivm.Script> {
    const filename = `flowport-bundle:///${group.integrity}`;
    const cached = useCache ? this.bundles.get(group.integrity) : undefined;
    if (cached?.cachedData) {
      // With a code cache compiling is a deserialisation that runs no guest code: done on this
      // thread, it saves a thread hop on every cold start after a bundle's first.
      const script = isolate.compileScriptSync(group.code, { filename, cachedData: cached.cachedData });
      if (!(script as unknown as ivm.CachedDataResult & { cachedDataRejected?: boolean }).cachedDataRejected) return script;
      script.release();
    }
    const options = { filename, produceCachedData: Boolean(cached) };
    const script = this.inline ? isolate.compileScriptSync(group.code, options) : await isolate.compileScript(group.code, options);
    if (cached) cached.cachedData = (script as unknown as ivm.CachedDataResult).cachedData;
    return script;
  }

  private async execute(
    worker: Worker,
    request: SandboxCallRequest,
    inputJson: string,
    timeoutMs: number,
    logs: LogCollector,
  ): Promise<{ output: JsonValue } | { error: SandboxErrorData }> {
    const capabilities = request.capabilities ?? {};
    const call: ActiveCall = { id: ++this.callSeq, capabilities, logs, abort: null, inflight: 0, hostCalls: 0, deadline: Date.now() + timeoutMs };
    worker.current = call;
    const what = request.target ? `${request.op} "${request.target}"` : request.op;
    const args: Parameters<DispatchFn> = [call.id, String(request.op), request.target === undefined ? undefined : String(request.target), inputJson, grantsOf(capabilities)];
    const options = { timeout: timeoutMs, result: { promise: true, copy: true } } as const;
    let timer: NodeJS.Timeout | undefined;
    try {
      const loadFailure = (err: unknown) => ({ error: errorData(err) });
      let loading = worker.loading;
      worker.loading = null;
      if (loading && this.inline) {
        // Inline loading already ran on this thread; only its verdict is awaited here.
        try {
          await loading;
        } catch (err) {
          return loadFailure(err);
        }
        loading = null;
      }
      let pending: Promise<unknown>;
      try {
        pending = this.inline ? (worker.dispatch.applySync(undefined, args, options) as Promise<unknown>) : worker.dispatch.apply(undefined, args, options);
      } catch (err) {
        pending = Promise.reject(err);
      }
      const settled = pending.then((value) => ({ value }), (error: unknown) => ({ error }));
      if (loading) {
        try {
          await loading;
        } catch (err) {
          // The call queued behind a failed load ran against no bundle; its answer is meaningless.
          return loadFailure(err);
        }
      }
      // isolated-vm's `timeout` only bounds synchronous execution; this timer also catches a call
      // parked on a promise that never settles, or CPU spent in continuations after an await.
      const outcome = await new Promise<typeof OVERRUN | { value: unknown } | { error: unknown }>((resolve) => {
        timer = setTimeout(resolve, timeoutMs, OVERRUN);
        void settled.then(resolve);
      });
      if (outcome === OVERRUN) {
        this.recycle(worker);
        this.counters.timeouts++;
        return { error: timeoutError(what, timeoutMs) };
      }
      if ('error' in outcome) {
        const failure = this.closed
          ? new SandboxError('SandboxClosedError', `the sandbox pool was closed while ${what} ran`).toData()
          : runtimeError(outcome.error, worker.isolate, what, timeoutMs, this.memoryLimitMb);
        this.recycle(worker);
        if (failure.name === 'SandboxTimeoutError') this.counters.timeouts++;
        return { error: failure };
      }
      if (call.inflight > 0) {
        // The guest returned while host calls it started are still running; their continuations
        // would later run outside any deadline, so this isolate is not reused.
        this.recycle(worker);
      } else if (call.hostCalls > 0) {
        // isolated-vm reports a promise rejection left unhandled in a continuation (code after an
        // await of a host call) on the *next* task of the isolate. Run an empty task now so it
        // is charged to this call, not to whichever call the isolate serves next.
        const leftover = await this.flush(worker);
        if (leftover) {
          this.recycle(worker);
          return { error: unhandledRejection(what, leftover) };
        }
      }
      if (typeof outcome.value === 'string' && outcome.value[0] === 'T') this.recycle(worker);
      return this.decode(outcome.value, what);
    } finally {
      clearTimeout(timer);
      worker.current = null;
      call.abort?.abort();
    }
  }

  private async flush(worker: Worker): Promise<unknown> {
    try {
      await worker.dispatch.apply(undefined, [0, '$flush', undefined], { result: { promise: true, copy: true }, timeout: 1000 });
      return null;
    } catch (err) {
      return err ?? new Error('unknown failure');
    }
  }

  private decode(answer: unknown, what: string): { output: JsonValue } | { error: SandboxErrorData } {
    if (typeof answer !== 'string' || answer.length < 2) {
      return { error: new SandboxError('SandboxCrashError', `${what} returned no result from the sandbox`).toData() };
    }
    const raw = answer.slice(1);
    if (raw[0] === '1') {
      // The prelude counts UTF-16 units; multi-byte text can still exceed the byte cap.
      if (raw.length * 3 > this.outputLimitBytes && Buffer.byteLength(raw, 'utf8') - 1 > this.outputLimitBytes) {
        return { error: new SandboxError('SandboxOutputError', `${what} returned more than ${this.outputLimitBytes} bytes of output; return less data (page it or store large payloads elsewhere)`).toData() };
      }
      return { output: JSON.parse(raw.slice(1)) as JsonValue };
    }
    const data = JSON.parse(raw.slice(1)) as Partial<SandboxErrorData>;
    return {
      error: {
        name: typeof data.name === 'string' ? data.name : 'Error',
        message: typeof data.message === 'string' ? data.message : '',
        stack: typeof data.stack === 'string' ? data.stack : '',
      },
    };
  }

  /** Host side of every ctx capability. Always answers with a JSON string; never throws into the isolate. */
  private async hostCall(worker: Worker, callId: unknown, kind: unknown, payload: unknown): Promise<string> {
    const call = worker.current;
    if (!call || call.id !== callId) return answerError('SandboxCallEndedError', `${String(kind)} was used after its connector call finished`);
    if (call.inflight >= this.maxConcurrentHostCalls) {
      return answerError('SandboxLimitError', `more than ${this.maxConcurrentHostCalls} host calls (http, store, sql, amqp, kafka) in flight at once; await them in smaller batches`);
    }
    if (typeof payload !== 'string' || payload.length > MAX_HOST_PAYLOAD) {
      return answerError('SandboxLimitError', `${String(kind)} arguments are larger than ${MAX_HOST_PAYLOAD} bytes`);
    }
    call.inflight++;
    call.hostCalls++;
    try {
      const value = await this.capability(call, String(kind), JSON.parse(payload) as Record<string, unknown>);
      return JSON.stringify({ ok: true, value: value === undefined ? null : value });
    } catch (err) {
      const data = errorData(err);
      // Only name and message cross: a host stack would reveal host paths and frames.
      return answerError(data.name, data.message);
    } finally {
      call.inflight--;
    }
  }

  private async capability(call: ActiveCall, kind: string, args: Record<string, unknown>): Promise<unknown> {
    const caps = call.capabilities;
    switch (kind) {
      case 'http.fetch':
        return this.http.fetch(
          args.url,
          args.init,
          { allowedHosts: caps.allowedHosts ?? [], allowPrivateNetwork: caps.allowPrivateNetwork ?? this.allowPrivateNetwork },
          (call.abort ??= new AbortController()).signal,
          call.deadline,
        );
      case 'store.get':
        return requireStore(caps).get(storeKey(args.key));
      case 'store.set':
        await requireStore(caps).set(storeKey(args.key), args.value as JsonValue);
        return null;
      case 'store.delete':
        await requireStore(caps).delete(storeKey(args.key));
        return null;
      case 'sql.query': {
        if (!caps.sql) throw new SandboxError('SandboxCapabilityError', 'ctx.sql is not available: this call was not granted a SQL capability');
        if (!Array.isArray(args.params)) throw new SandboxError('TypeError', 'sql.query(text, params): params must be an array');
        const result = await caps.sql.query(String(args.text), args.params as JsonValue[]);
        return { rows: result.rows, rowCount: result.rowCount };
      }
      case 'amqp.publish':
        if (!caps.amqp) throw notGranted('amqp', 'ctx.amqp.publish');
        return caps.amqp.publish(amqpPublishRequest(args.request), { deadline: call.deadline });
      case 'kafka.produce':
        if (!caps.kafka) throw notGranted('kafka', 'ctx.kafka.produce');
        return caps.kafka.produce(kafkaProduceRequest(args.request), { deadline: call.deadline });
      default:
        throw new SandboxError('SandboxCapabilityError', `unknown host capability ${kind}`);
    }
  }
}

/**
 * isolated-vm on Node 20+ needs `--no-node-snapshot`; without it isolates can crash the process
 * at random points later, so the pool refuses to start instead.
 */
function requireNoNodeSnapshot(): void {
  const flag = '--no-node-snapshot';
  if (process.execArgv.includes(flag) || (process.env.NODE_OPTIONS ?? '').split(/\s+/).includes(flag)) return;
  throw new Error(`@flowport/sandbox needs Node started with ${flag} (an isolated-vm requirement on Node 20+): run \`node ${flag} ...\` or set NODE_OPTIONS=${flag}`);
}

function runInline(fn: () => unknown): Promise<unknown> {
  try {
    return Promise.resolve(fn());
  } catch (err) {
    return Promise.reject(err);
  }
}

function grantsOf(caps: CallCapabilities): number {
  return (caps.sql ? GRANT_SQL : 0) | (caps.amqp ? GRANT_AMQP : 0) | (caps.kafka ? GRANT_KAFKA : 0);
}

function notGranted(capability: string, what: string): SandboxError {
  return new SandboxError(
    'SandboxCapabilityError',
    `${what} is not available: this call was not granted the ${capability} capability; list "${capability}" in the connector's capabilities (defineConnector) and run it on a platform that provides it`,
  );
}

function requireStore(caps: CallCapabilities) {
  if (!caps.store) throw new SandboxError('SandboxCapabilityError', 'ctx.store is not available: this call was not granted a store');
  return caps.store;
}

function storeKey(key: unknown): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) {
    throw new SandboxError('TypeError', `store key must be a non-empty string of at most ${MAX_KEY_LENGTH} characters`);
  }
  return key;
}

function answerError(name: string, message: string): string {
  return JSON.stringify({ ok: false, error: { name, message } });
}

function positive(name: string, value: number, min: number): number {
  if (!Number.isFinite(value) || value < min) throw new Error(`SandboxPool option ${name} must be a number >= ${min} (got ${value})`);
  return value;
}

function timeoutError(what: string, timeoutMs: number): SandboxErrorData {
  return new SandboxError(
    'SandboxTimeoutError',
    `${what} did not finish within ${timeoutMs} ms (a long loop, or a promise that never settles); its isolate was discarded. Make the connector finish sooner or raise the call's timeoutMs`,
  ).toData();
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function memoryError(what: string, limitMb: number): SandboxErrorData {
  return new SandboxError(
    'SandboxMemoryLimitError',
    `${what} exceeded the isolate memory limit of ${limitMb} MB; its isolate was discarded. Hold less data at once (stream or page it) or raise memoryLimitMb`,
  ).toData();
}

function runtimeError(err: unknown, isolate: ivm.Isolate, what: string, timeoutMs: number, limitMb: number): SandboxErrorData {
  const message = messageOf(err);
  if (/memory limit/i.test(message)) return memoryError(what, limitMb);
  if (/timed out/i.test(message)) return timeoutError(what, timeoutMs);
  // dispatch() catches everything the connector throws; what still rejects the apply while the
  // isolate lives is isolated-vm reporting a promise rejection nobody handled.
  if (!isolate.isDisposed) return unhandledRejection(what, err);
  return new SandboxError('SandboxCrashError', `${what} failed inside the sandbox (${message}); its isolate was discarded`).toData();
}

function unhandledRejection(what: string, err: unknown): SandboxErrorData {
  const detail = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return new SandboxError(
    'SandboxUnhandledRejectionError',
    `${what} left a promise rejection unhandled (${detail}); await the promise or add a catch. Its isolate was discarded`,
  ).toData();
}

function loadError(err: unknown, timeoutMs: number, limitMb: number): SandboxError {
  const message = messageOf(err);
  if (/memory limit/i.test(message)) {
    return new SandboxError('BundleLoadError', `the connector bundle exceeded the ${limitMb} MB memory limit while loading`);
  }
  if (/timed out/i.test(message)) {
    return new SandboxError('BundleLoadError', `the connector bundle did not finish loading within ${timeoutMs} ms`);
  }
  const name = err instanceof Error ? err.name : 'Error';
  return new SandboxError('BundleLoadError', `the connector bundle threw while loading: ${name}: ${message}`);
}

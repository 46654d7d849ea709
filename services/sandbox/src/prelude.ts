/**
 * Guest-side prelude, run once per isolate context before the connector bundle, through
 * `context.evalClosure(PRELUDE, [hostCall, hostLog, logLimitBytes, outputLimitBytes])`.
 *
 * Why it looks the way it does:
 * - The host References arrive as closure parameters ($0, $1), never as globals, and are only
 *   used inside this closure: guest code can reach plain guest functions, never a Reference.
 * - Every intrinsic the prelude relies on is captured before the bundle runs, so a bundle that
 *   later replaces JSON.stringify, Function.prototype.call or Promise.prototype.then cannot
 *   steer the boundary code; transfer options are frozen null-prototype objects, so a polluted
 *   Object.prototype cannot turn a copy into a Reference.
 * - Strict mode throughout: V8 CallSites of strict frames expose no `this` and no function,
 *   which closes the Error.prepareStackTrace route into the prelude's frames.
 * - Host answers come back as JSON strings; errors are rebuilt here from plain strings, so no
 *   host error object ever enters the isolate.
 * - The returned `dispatch` answers with a string: a tamper flag ('T' or '-'), then '1' + output
 *   JSON or '0' + error JSON.
 */
export const PRELUDE = String.raw`'use strict';
const hostCall = $0, hostLog = $1, LOG_LIMIT = $2, OUTPUT_LIMIT = $3;
const ReflectApply = Reflect.apply;
const JSONparse = JSON.parse, JSONstringify = JSON.stringify;
const ObjectFreeze = Object.freeze, ObjectDefineProperty = Object.defineProperty;
const StringCtor = String, ErrorCtor = Error;
const refApply = hostCall.apply, refApplyIgnored = hostLog.applyIgnored;
const CALL_OPTIONS = ObjectFreeze({ __proto__: null,
  arguments: ObjectFreeze({ __proto__: null, copy: true }),
  result: ObjectFreeze({ __proto__: null, promise: true, copy: true }) });
const LOG_OPTIONS = ObjectFreeze({ __proto__: null, arguments: ObjectFreeze({ __proto__: null, copy: true }) });
const ENTRY_OVERHEAD = 16;

const ReflectOwnKeys = Reflect.ownKeys;

// Tamper check: a cheap subset of intrinsics (about 2 us per call) whose change after load means
// the bundle rewrote built-ins at run time; the host then retires the isolate, so the next call
// (perhaps of another flow) does not inherit the change. Object.prototype pollution is the case
// that matters most, so its key count is watched.
let watchedObjects = [], watchedKeys = [], watchedValues = [], countedObjects = [], countedKeys = [];
function snapshotIntrinsics() {
  const pairs = [[JSON, 'parse'], [JSON, 'stringify'], [Promise.prototype, 'then'], [Promise.prototype, 'catch'],
    [Promise.prototype, 'finally'], [Promise, 'resolve'], [Promise, 'all'], [Function.prototype, 'call'],
    [Function.prototype, 'apply'], [Function.prototype, 'bind'], [Object.prototype, 'toString'],
    [Object.prototype, 'hasOwnProperty'], [Object, 'keys'], [Object, 'assign'], [Object, 'entries'],
    [Object, 'defineProperty'], [Array.prototype, 'map'], [Array.prototype, 'push'], [Array.prototype, 'forEach'],
    [Array.prototype, Symbol.iterator], [Array, 'isArray'], [Reflect, 'apply'], [String.prototype, 'replace'],
    [RegExp.prototype, 'exec']];
  for (let i = 0; i < pairs.length; i++) {
    watchedObjects[i] = pairs[i][0]; watchedKeys[i] = pairs[i][1]; watchedValues[i] = pairs[i][0][pairs[i][1]];
  }
  countedObjects = [Object.prototype, Function.prototype, Promise.prototype];
  for (let i = 0; i < countedObjects.length; i++) countedKeys[i] = ReflectOwnKeys(countedObjects[i]).length;
}
function tampered() {
  try {
    for (let i = 0; i < watchedObjects.length; i++) if (watchedObjects[i][watchedKeys[i]] !== watchedValues[i]) return true;
    for (let i = 0; i < countedObjects.length; i++) if (ReflectOwnKeys(countedObjects[i]).length !== countedKeys[i]) return true;
    return false;
  } catch (e) {
    return true;
  }
}

let activeCall = 0, logUsed = 0, logTruncated = false;
let entry = null, invoke = null;

function makeError(name, message) {
  const error = new ErrorCtor(message);
  ObjectDefineProperty(error, 'name', { __proto__: null, value: name, writable: true, configurable: true, enumerable: false });
  return error;
}

function text(value, limit) {
  let s;
  try { s = StringCtor(value); } catch (e) { s = '[unreadable]'; }
  return s.length > limit ? s.slice(0, limit) + '...' : s;
}

function describe(err) {
  let name = 'Error', message = '', stack = '';
  try {
    if (err !== null && (typeof err === 'object' || typeof err === 'function')) {
      name = text(err.name, 200); message = text(err.message, 8192); stack = text(err.stack, 16384);
    } else {
      message = 'connector threw a non-error value: ' + text(err, 8192);
    }
  } catch (e) {
    message = 'connector threw a value whose fields could not be read';
  }
  if (stack === 'undefined' || stack === '') stack = name + ': ' + message;
  return { name, message, stack };
}

async function host(callId, kind, payload) {
  if (callId !== activeCall) throw makeError('SandboxCallEndedError', kind + ' was used after its call finished');
  const json = JSONstringify(payload);
  let raw;
  try {
    raw = await ReflectApply(refApply, hostCall, [undefined, [callId, kind, json], CALL_OPTIONS]);
  } catch (e) {
    throw makeError('SandboxHostError', kind + ' could not reach the host');
  }
  const answer = JSONparse(raw);
  if (answer.ok === true) return answer.value;
  throw makeError(text(answer.error.name, 200), text(answer.error.message, 8192));
}

function format(args) {
  let s = '';
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    let part;
    if (typeof a === 'string') part = a;
    else if (a instanceof ErrorCtor) part = describe(a).stack;
    else {
      try { part = JSONstringify(a); } catch (e) { part = undefined; }
      if (typeof part !== 'string') part = text(a, LOG_LIMIT);
    }
    s = i === 0 ? part : s + ' ' + part;
    if (s.length > LOG_LIMIT) break;
  }
  return s;
}

function emit(callId, level, args) {
  if (callId !== activeCall || logTruncated) return;
  const message = format(args);
  const cost = message.length + ENTRY_OVERHEAD;
  if (logUsed + cost > LOG_LIMIT) {
    logTruncated = true;
    ReflectApply(refApplyIgnored, hostLog, [undefined, [callId, 'truncated', ''], LOG_OPTIONS]);
    return;
  }
  logUsed += cost;
  ReflectApply(refApplyIgnored, hostLog, [undefined, [callId, level, message], LOG_OPTIONS]);
}

function makeLog(callIdOf) {
  return ObjectFreeze({
    debug: (...args) => emit(callIdOf(), 'debug', args),
    info: (...args) => emit(callIdOf(), 'info', args),
    warn: (...args) => emit(callIdOf(), 'warn', args),
    error: (...args) => emit(callIdOf(), 'error', args),
  });
}

// WebAssembly memory is reserved outside the V8 heap and isolated-vm's memoryLimit does not count
// it (a guest could commit gigabytes); connectors have no need for it, so it is removed.
delete globalThis.WebAssembly;

// console.* of a bundle goes to the log of whichever call is running.
const consoleLog = makeLog(() => activeCall);
ObjectDefineProperty(globalThis, 'console', { __proto__: null, configurable: true, writable: true, enumerable: false,
  value: ObjectFreeze({ log: consoleLog.info, info: consoleLog.info, debug: consoleLog.debug, warn: consoleLog.warn, error: consoleLog.error, trace: consoleLog.debug }) });

// Grants of host-held connections, a bit each (pool.ts GRANT_*): the members exist only when granted.
function makeContext(callId, grants) {
  const ctx = {
    http: ObjectFreeze({ fetch: (url, init) => host(callId, 'http.fetch', { url: StringCtor(url), init: init === undefined ? null : init }) }),
    store: ObjectFreeze({
      get: (key) => host(callId, 'store.get', { key: StringCtor(key) }),
      set: async (key, value) => { await host(callId, 'store.set', { key: StringCtor(key), value: value === undefined ? null : value }); },
      delete: async (key) => { await host(callId, 'store.delete', { key: StringCtor(key) }); },
    }),
    log: makeLog(() => callId),
  };
  if (grants & 1) ctx.sql = ObjectFreeze({ query: (sqlText, params) => host(callId, 'sql.query', { text: StringCtor(sqlText), params: params === undefined ? [] : params }) });
  if (grants & 2) ctx.amqp = ObjectFreeze({ publish: (request) => host(callId, 'amqp.publish', { request: request === undefined ? null : request }) });
  if (grants & 4) ctx.kafka = ObjectFreeze({ produce: (request) => host(callId, 'kafka.produce', { request: request === undefined ? null : request }) });
  return ObjectFreeze(ctx);
}

function fail(name, message) {
  return '0' + JSONstringify({ name, message, stack: name + ': ' + message });
}

function bind() {
  const g = globalThis.__flowport__;
  if (g === null || typeof g !== 'object' || typeof g.invoke !== 'function') {
    return fail('BundleContractError', 'the bundle did not set globalThis.__flowport__ = { manifest, invoke(request, ctx) }; build it with the connector SDK (flowport build)');
  }
  entry = g; invoke = g.invoke;
  snapshotIntrinsics();
  let manifest;
  try { manifest = JSONstringify(g.manifest === undefined ? null : g.manifest); } catch (e) {
    return fail('BundleContractError', 'the bundle manifest is not JSON-serialisable: ' + describe(e).message);
  }
  if (manifest.length > OUTPUT_LIMIT) return fail('BundleContractError', 'the bundle manifest is larger than ' + OUTPUT_LIMIT + ' characters');
  return '1' + manifest;
}

async function dispatch(callId, op, target, inputJson, grants) {
  if (op === '$bind') return bind();
  if (op === '$flush') return '';
  const answer = await run(callId, op, target, inputJson, grants);
  return (tampered() ? 'T' : '-') + answer;
}

async function run(callId, op, target, inputJson, grants) {
  activeCall = callId; logUsed = 0; logTruncated = false;
  try {
    const input = JSONparse(inputJson);
    const request = target === undefined ? { op, input } : { op, target, input };
    const output = await ReflectApply(invoke, entry, [request, makeContext(callId, grants)]);
    let json;
    try { json = JSONstringify(output === undefined ? null : output); } catch (e) {
      return fail('SandboxOutputError', 'the connector returned a value that is not JSON-serialisable (' + describe(e).message + '); return plain data');
    }
    if (typeof json !== 'string') json = 'null';
    if (json.length > OUTPUT_LIMIT) {
      return fail('SandboxOutputError', 'the connector output is ' + json.length + ' characters, over the ' + OUTPUT_LIMIT + ' limit; return less data (page it or store large payloads elsewhere)');
    }
    return '1' + json;
  } catch (e) {
    return '0' + JSONstringify(describe(e));
  } finally {
    activeCall = 0;
  }
}
return dispatch;
`;

/** Marker the prelude uses for "log cap reached" in place of a level. */
export const LOG_TRUNCATED = 'truncated';

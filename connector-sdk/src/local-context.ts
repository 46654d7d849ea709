/**
 * A GuestContext for running connector code directly in Node (unit tests of a connector). The
 * platform runs connectors in the sandbox instead; `flowport connector test` does that too.
 */
import type { GuestContext, GuestLog, GuestStore, HttpRequestInit, HttpResponse, JsonValue } from './types';

/** An in-memory key-value store; also satisfies the sandbox's KeyValueStore. */
export class MemoryStore implements GuestStore {
  private readonly data = new Map<string, string>();

  constructor(initial: Record<string, JsonValue> = {}) {
    for (const [k, v] of Object.entries(initial)) this.data.set(k, JSON.stringify(v));
  }

  async get(key: string): Promise<JsonValue | null> {
    const raw = this.data.get(key);
    return raw === undefined ? null : (JSON.parse(raw) as JsonValue);
  }

  async set(key: string, value: JsonValue): Promise<void> {
    // Stored as text so callers cannot mutate state behind the store's back, as in the real one.
    this.data.set(key, JSON.stringify(value));
  }

  async delete(key: string): Promise<void> {
    this.data.delete(key);
  }

  /** A plain snapshot of every key. */
  toJSON(): Record<string, JsonValue> {
    const out: Record<string, JsonValue> = {};
    for (const [k, v] of this.data) out[k] = JSON.parse(v) as JsonValue;
    return out;
  }
}

export interface LocalContextOptions {
  store?: GuestStore;
  /** Replaces global fetch, e.g. to answer from fixtures. */
  fetch?: (url: string, init?: HttpRequestInit) => Promise<HttpResponse>;
  log?: GuestLog;
}

export function createLocalContext(options: LocalContextOptions = {}): GuestContext & { store: GuestStore } {
  const fetchImpl =
    options.fetch ??
    (async (url: string, init: HttpRequestInit = {}): Promise<HttpResponse> => {
      const res = await fetch(url, { method: init.method ?? 'GET', headers: init.headers, body: init.body });
      const headers: Record<string, string> = {};
      res.headers.forEach((value, key) => {
        headers[key] = value;
      });
      return { status: res.status, headers, body: await res.text() };
    });
  return {
    http: { fetch: fetchImpl },
    store: options.store ?? new MemoryStore(),
    log: options.log ?? { debug() {}, info() {}, warn() {}, error() {} },
  };
}

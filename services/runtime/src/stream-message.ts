import type { JsonValue } from '@flowport/connector-sdk';

// The stream message shape (docs/contracts.md section 2) is the SDK's, so the drivers and the
// connector's `trigger.map` cannot drift apart.
export type { JsonValue, StreamMessage } from '@flowport/connector-sdk';

/** Parses a message body as JSON when it is JSON, else keeps the text (contracts.md section 2). */
export function parseBody(text: string, contentType?: string): JsonValue | string {
  const declaredJson = contentType !== undefined && /json/i.test(contentType);
  const looksJson = /^\s*[[{"0-9tfn-]/.test(text);
  if (!declaredJson && !looksJson) return text;
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return text;
  }
}

/** Converts broker values (Buffers, Dates, bigints, nested tables) into plain JSON. */
export function toJsonValue(value: unknown): JsonValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (typeof value === 'object') {
    const out: Record<string, JsonValue> = {};
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined) out[key] = toJsonValue(item);
    }
    return out;
  }
  return String(value);
}

export function toHeaderString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  const json = toJsonValue(value);
  return typeof json === 'string' ? json : JSON.stringify(json);
}

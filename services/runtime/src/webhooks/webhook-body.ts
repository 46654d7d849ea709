import { ApiError } from '@flowport/core';
import { XMLParser } from 'fast-xml-parser';
import type { JsonValue } from '../stream-message';

export type WebhookRequestLike = NodeJS.ReadableStream & {
  headers: Record<string, string | string[] | undefined>;
  body?: unknown;
  rawBody?: Buffer;
  readableEnded?: boolean;
};

const xml = new XMLParser({ ignoreDeclaration: true, ignorePiTags: true, ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: true, trimValues: true });

/**
 * The webhook body as JSON plus the exact text used for signatures. JSON bodies arrive parsed by
 * the platform's JSON parser (exact bytes only when the app was created with `rawBody: true`);
 * XML, form and text bodies are read here, with the webhook's own size limit.
 */
export async function readWebhookBody(req: WebhookRequestLike, maxBytes: number): Promise<{ body: JsonValue; raw: string; contentType: string }> {
  const contentType = String(req.headers['content-type'] ?? '').toLowerCase();
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(declared, maxBytes);
  // The platform's JSON parser has already consumed the stream (a finished request).
  if (req.readableEnded === true) {
    const raw = req.rawBody ? req.rawBody.toString('utf8') : JSON.stringify(req.body ?? null);
    if (Buffer.byteLength(raw, 'utf8') > maxBytes) throw tooLarge(Buffer.byteLength(raw, 'utf8'), maxBytes);
    return { body: (req.body ?? null) as JsonValue, raw, contentType };
  }
  const raw = await readStream(req, maxBytes);
  return { body: parse(raw, contentType), raw, contentType };
}

function parse(raw: string, contentType: string): JsonValue {
  if (raw.length === 0) return null;
  if (/[/+]xml\b/.test(contentType)) {
    try {
      return xml.parse(raw, true) as JsonValue;
    } catch (error) {
      throw ApiError.badRequest(`Webhook body is not well-formed XML: ${(error as Error).message}`, undefined, 'INVALID_XML');
    }
  }
  if (contentType.includes('application/x-www-form-urlencoded')) {
    const out: Record<string, JsonValue> = {};
    for (const [key, value] of new URLSearchParams(raw)) {
      const existing = out[key];
      if (existing === undefined) out[key] = value;
      else out[key] = Array.isArray(existing) ? [...existing, value] : [existing, value];
    }
    return out;
  }
  if (contentType.includes('json')) {
    try {
      return JSON.parse(raw) as JsonValue;
    } catch {
      throw ApiError.badRequest('Webhook body is not valid JSON', undefined, 'INVALID_JSON');
    }
  }
  return raw;
}

function readStream(req: NodeJS.ReadableStream, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > maxBytes) {
        failed = true;
        reject(tooLarge(size, maxBytes));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', (error) => {
      if (!failed) reject(error);
    });
  });
}

function tooLarge(size: number, limit: number): ApiError {
  return ApiError.payloadTooLarge(`Webhook body is ${size} bytes or more; the limit is ${limit} bytes (RUNTIME webhookMaxBytes)`);
}

/** Dot paths (`order.id`, `items.0.sku`) missing from the body. */
export function missingFields(body: JsonValue, required: string[]): string[] {
  return required.filter((path) => {
    let node: unknown = body;
    for (const part of path.split('.')) {
      if (node === null || typeof node !== 'object') return true;
      node = (node as Record<string, unknown>)[part];
    }
    return node === undefined || node === null || node === '';
  });
}

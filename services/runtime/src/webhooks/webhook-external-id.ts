import { ApiError } from '@flowport/core';
import { ExternalIdExpression } from '../delivery/external-id';
import type { JsonValue } from '../stream-message';

/** What a webhook trigger's External ID expression reads. */
export type WebhookCall = { body: JsonValue; headers: Record<string, string>; query: Record<string, JsonValue> };

/**
 * What a connector webhook trigger's External ID reads for one item `trigger.webhook` returned:
 * the stream message shape (`{ payload, headers, attributes, id }`), with the call's headers,
 * `attributes` = `{ method, path, query }` of the call and `id` = the item's own id (the
 * trigger's `itemIdPath`) or null.
 */
export type WebhookItem = { payload: JsonValue; headers: Record<string, string>; attributes: Record<string, JsonValue>; id: string | null };

/** What a refusal names (the call, or one item of it) and an expression that would fit it. */
export type ExternalIdSubject = { name: string; example: string };
const CALL: ExternalIdSubject = { name: 'this call', example: 'body.id' };

/** Longer External IDs would not fit the unique index (PostgreSQL b-tree entries stop near 2.7 KB). */
export const MAX_EXTERNAL_ID_BYTES = 1024;

// The flow's own credentials never become an External ID (it is stored and shown in the runs API).
const CREDENTIAL_HEADERS = new Set(['authorization', 'x-flowport-token']);

// Compiled once per expression text; flows rarely change theirs.
const compiled = new Map<string, ExternalIdExpression>();
const MAX_COMPILED = 1000;

/** The call's headers as expressions and connectors see them: lower-case names, text values, never the flow token. */
export function headersWithoutFlowToken(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || CREDENTIAL_HEADERS.has(name.toLowerCase())) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/**
 * The External ID of one webhook call: the trigger's expression over `{ body, headers, query }`
 * (or of one item of a connector webhook call, over a `WebhookItem`). Nothing, null or empty text
 * = null (not de-duplicated); text, a number or a boolean = the ID. An expression that fails or
 * gives a list/object refuses the call (422): running it without de-duplication would break the
 * flow's exactly-once promise silently.
 */
export async function webhookExternalId(expression: string, call: WebhookCall | WebhookItem, subject: ExternalIdSubject = CALL): Promise<string | null> {
  let external = compiled.get(expression);
  if (!external) {
    // Compiles: the flows service checked the expression when the definition was saved.
    external = new ExternalIdExpression(expression);
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    compiled.set(expression, external);
  }
  let value: unknown;
  try {
    value = await external.valueOver(call);
  } catch (error) {
    throw refused(`External ID expression "${expression}" failed for ${subject.name}: ${(error as Error).message ?? String(error)}`, subject);
  }
  if (value === undefined || value === null || value === '') return null;
  let id: string;
  if (typeof value === 'string') id = value;
  else if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean') id = String(value);
  else throw refused(`External ID expression "${expression}" gave ${describe(value)} for ${subject.name}; it must give text or a number`, subject);
  return checkedExternalId(id, subject);
}

/** `id` when it fits the unique index, else the 422 refusal naming `subject`. */
export function checkedExternalId(id: string, subject: ExternalIdSubject = CALL): string {
  const bytes = Buffer.byteLength(id, 'utf8');
  if (bytes > MAX_EXTERNAL_ID_BYTES) throw refused(`External ID of ${subject.name} is ${bytes} bytes; it may be at most ${MAX_EXTERNAL_ID_BYTES}`, subject);
  return id;
}

function refused(problem: string, subject: ExternalIdSubject): ApiError {
  const message = `${problem}. Send the field the flow's External ID reads (trigger.externalId), or change the expression so it picks one value per delivery, e.g. ${subject.example}`;
  return ApiError.unprocessable(message, [{ path: 'trigger.externalId', message: problem }], 'EXTERNAL_ID_INVALID');
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'object' && value !== null) return 'an object';
  if (typeof value === 'function') return 'a function';
  return JSON.stringify(value) ?? String(value);
}

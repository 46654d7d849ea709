import { ApiError } from '@flowport/core';
import { ExternalIdExpression } from '../delivery/external-id';
import type { JsonValue } from '../stream-message';

/** What a webhook trigger's External ID expression reads. */
export type WebhookCall = { body: JsonValue; headers: Record<string, string>; query: Record<string, JsonValue> };

/** Longer External IDs would not fit the unique index (PostgreSQL b-tree entries stop near 2.7 KB). */
export const MAX_EXTERNAL_ID_BYTES = 1024;

// The flow's own credentials never become an External ID (it is stored and shown in the runs API).
const CREDENTIAL_HEADERS = new Set(['authorization', 'x-flowport-token']);

// Compiled once per expression text; flows rarely change theirs.
const compiled = new Map<string, ExternalIdExpression>();
const MAX_COMPILED = 1000;

/** The call's headers as the expression sees them: lower-case names, text values, no flow token. */
export function externalIdHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || CREDENTIAL_HEADERS.has(name.toLowerCase())) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/**
 * The External ID of one webhook call: the trigger's expression over `{ body, headers, query }`.
 * Nothing, null or empty text = null (the call is not de-duplicated); text, a number or a boolean
 * = the ID. An expression that fails or gives a list/object refuses the call (422): running it
 * without de-duplication would break the flow's exactly-once promise silently.
 */
export async function webhookExternalId(expression: string, call: WebhookCall): Promise<string | null> {
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
    throw refused(`External ID expression "${expression}" failed for this call: ${(error as Error).message ?? String(error)}`);
  }
  if (value === undefined || value === null || value === '') return null;
  let id: string;
  if (typeof value === 'string') id = value;
  else if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean') id = String(value);
  else throw refused(`External ID expression "${expression}" gave ${describe(value)} for this call; it must give text or a number`);
  const bytes = Buffer.byteLength(id, 'utf8');
  if (bytes > MAX_EXTERNAL_ID_BYTES) throw refused(`External ID of this call is ${bytes} bytes; it may be at most ${MAX_EXTERNAL_ID_BYTES}`);
  return id;
}

function refused(problem: string): ApiError {
  const message = `${problem}. Send the field the flow's External ID reads (trigger.externalId), or change the expression so it picks one value per delivery, e.g. body.id`;
  return ApiError.unprocessable(message, [{ path: 'trigger.externalId', message: problem }], 'EXTERNAL_ID_INVALID');
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'object' && value !== null) return 'an object';
  if (typeof value === 'function') return 'a function';
  return JSON.stringify(value) ?? String(value);
}

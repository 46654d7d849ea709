import jsonata from 'jsonata';
import type { JsonValue } from '../stream-message';

const WHOLE = /^\s*\{\{([\s\S]+?)\}\}\s*$/;
const PART = /\{\{([\s\S]+?)\}\}/g;

/** A JSONata expression the flow author wrote that does not compile or fails on the run's data. */
export class ExpressionError extends Error {
  constructor(
    readonly expression: string,
    detail: string,
  ) {
    super(`Expression "${expression.trim()}" ${detail}`);
    this.name = 'ExpressionError';
  }
}

const compiled = new Map<string, jsonata.Expression>();

function compile(source: string): jsonata.Expression {
  let expression = compiled.get(source);
  if (!expression) {
    try {
      expression = jsonata(source);
    } catch (error) {
      const e = error as { message?: string; position?: number };
      throw new ExpressionError(source, `is not valid JSONata: ${e.message ?? String(error)}${e.position !== undefined ? ` (at character ${e.position})` : ''}`);
    }
    if (compiled.size > 5000) compiled.clear();
    compiled.set(source, expression);
  }
  return expression;
}

/** Evaluates one JSONata expression over the run context; `undefined` (no match) becomes null. */
export async function evaluate(source: string, context: unknown): Promise<JsonValue> {
  const expression = compile(source);
  let value: unknown;
  try {
    value = await expression.evaluate(context);
  } catch (error) {
    throw new ExpressionError(source, `failed: ${(error as Error).message ?? String(error)}`);
  }
  return toPlainJson(value);
}

/**
 * Resolves `{{ expr }}` in step inputs (docs/contracts.md section 4): a string that is exactly one
 * `{{ expr }}` yields the raw value, otherwise results are interpolated as text; other JSON
 * values pass through, objects and arrays are resolved recursively.
 */
export async function resolveTemplates(value: JsonValue | undefined, context: unknown): Promise<JsonValue> {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') {
    const whole = WHOLE.exec(value);
    if (whole && !whole[1].includes('}}')) return evaluate(whole[1], context);
    if (!value.includes('{{')) return value;
    const parts: string[] = [];
    let last = 0;
    for (const match of value.matchAll(PART)) {
      parts.push(value.slice(last, match.index));
      const result = await evaluate(match[1], context);
      parts.push(result === null ? '' : typeof result === 'string' ? result : JSON.stringify(result));
      last = match.index + match[0].length;
    }
    parts.push(value.slice(last));
    return parts.join('');
  }
  if (Array.isArray(value)) return Promise.all(value.map((item) => resolveTemplates(item, context)));
  if (typeof value === 'object') {
    const out: Record<string, JsonValue> = {};
    for (const [key, item] of Object.entries(value)) out[key] = await resolveTemplates(item, context);
    return out;
  }
  return value;
}

/** JSONata results can carry its internal sequence flags and functions; keep plain JSON only. */
export function toPlainJson(value: unknown): JsonValue {
  if (value === undefined) return null;
  if (typeof value === 'function') return null;
  return JSON.parse(JSON.stringify(value)) as JsonValue;
}

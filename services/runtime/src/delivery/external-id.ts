import jsonata from 'jsonata';
import type { JsonValue, StreamMessage } from '../stream-message';

/**
 * Evaluates a flow's External ID expression (JSONata) over `{ payload, headers, attributes, id }`.
 * An empty expression means the broker message id.
 */
export class ExternalIdExpression {
  private readonly compiled: jsonata.Expression | undefined;
  /** Field names when the expression is a plain path such as payload.orderId (see evaluate). */
  private readonly plainPath: string[] | undefined;

  constructor(readonly source: string = '') {
    const trimmed = source.trim();
    if (!trimmed) return;
    try {
      this.compiled = jsonata(trimmed);
      this.plainPath = plainPathOf(this.compiled.ast());
    } catch (error) {
      const detail = error as { message?: string; position?: number };
      throw new Error(
        `External ID expression "${trimmed}" is invalid: ${detail.message ?? String(error)}${detail.position !== undefined ? ` (at character ${detail.position})` : ''}. Write a JSONata expression such as payload.orderId.`,
        { cause: error },
      );
    }
  }

  async evaluate(message: StreamMessage, payload: JsonValue): Promise<string> {
    if (!this.compiled) return message.id;
    let value: unknown;
    try {
      value = await this.valueOver({ payload, headers: message.headers, attributes: message.attributes, id: message.id });
    } catch (error) {
      throw new Error(`External ID expression "${this.source}" failed for message ${message.id}: ${(error as Error).message ?? String(error)}`, {
        cause: error,
      });
    }
    if (typeof value === 'string' && value.length > 0) return value;
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    if (typeof value === 'boolean') return String(value);
    throw new Error(
      `External ID expression "${this.source}" gave ${value === undefined ? 'nothing' : JSON.stringify(value)} for message ${message.id}; it must give a non-empty string or a number.`,
    );
  }

  /**
   * The expression's raw value over `input` (undefined for an empty expression); throws what
   * JSONata throws. Webhook intake evaluates over `{ body, headers, query }` with it.
   */
  async valueOver(input: Record<string, unknown>): Promise<unknown> {
    if (!this.compiled) return undefined;
    // JSONata's evaluator costs ~50-100 us a call; a plain path over plain objects reaching a string
    // or number gives the same answer read directly. Anything else (arrays, misses) goes to JSONata.
    if (this.plainPath) {
      const direct = readPlainPath(input, this.plainPath);
      if ((typeof direct === 'string' && direct.length > 0) || (typeof direct === 'number' && Number.isFinite(direct))) return direct;
    }
    return this.compiled.evaluate(input);
  }
}

function plainPathOf(ast: jsonata.ExprNode): string[] | undefined {
  // jsonata's typings omit the 'path' node type its parser produces for a.b.c.
  if ((ast.type as string) !== 'path' || !ast.steps) return undefined;
  const names: string[] = [];
  for (const step of ast.steps) {
    const extra = Object.keys(step).filter((key) => key !== 'type' && key !== 'value' && key !== 'position');
    if (step.type !== 'name' || extra.length > 0 || typeof step.value !== 'string') return undefined;
    names.push(step.value);
  }
  return names;
}

function readPlainPath(input: unknown, names: string[]): unknown {
  let current = input;
  for (const name of names) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[name];
  }
  return current;
}

/**
 * An item's own id at a dotted path (a pooling trigger's or a connector webhook trigger's
 * `itemIdPath`): text, or a finite number as text; null when the item has none there.
 */
export function itemIdAt(item: JsonValue, path: string): string | null {
  let node: unknown = item;
  for (const part of path.split('.')) {
    if (node === null || typeof node !== 'object') return null;
    node = (node as Record<string, unknown>)[part];
  }
  if (typeof node === 'string' && node !== '') return node;
  if (typeof node === 'number' && Number.isFinite(node)) return String(node);
  return null;
}

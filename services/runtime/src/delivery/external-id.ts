import jsonata from 'jsonata';
import type { JsonValue, StreamMessage } from '../stream-message';

/**
 * Evaluates a flow's External ID expression (JSONata) over `{ payload, headers, attributes, id }`.
 * An empty expression means the broker message id.
 */
export class ExternalIdExpression {
  private readonly compiled: jsonata.Expression | undefined;

  constructor(readonly source: string = '') {
    const trimmed = source.trim();
    if (!trimmed) return;
    try {
      this.compiled = jsonata(trimmed);
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
      value = await this.compiled.evaluate({ payload, headers: message.headers, attributes: message.attributes, id: message.id });
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
}

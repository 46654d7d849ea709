/**
 * Paths the expression picker offers and how a picked path is written into a field. Expressions
 * are JSONata over the run context `{ trigger: { messages: [{ payload, externalId, meta }], input }, steps }`
 * (docs/contracts.md section 4).
 */

export interface PickerPath {
  /** JSONata path, e.g. `trigger.messages[0].payload.orderId`. */
  path: string;
  /** The sample value at that path, shortened for display; empty for containers. */
  preview: string;
  depth: number;
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const MAX_PATHS = 60;
const MAX_DEPTH = 4;

/** One path segment: plain names as `.name`, anything else in JSONata backticks. */
export function pathSegment(key: string): string {
  return IDENT.test(key) ? `.${key}` : `.\`${key.replace(/`/g, '')}\``;
}

/** Every path into `sample` under `root` (the root first), depth- and count-limited. */
export function samplePaths(root: string, sample: unknown, depth = 0, out: PickerPath[] = []): PickerPath[] {
  if (out.length >= MAX_PATHS) return out;
  out.push({ path: root, preview: preview(sample), depth });
  if (depth >= MAX_DEPTH) return out;
  if (Array.isArray(sample)) {
    if (sample.length > 0) samplePaths(`${root}[0]`, sample[0], depth + 1, out);
  } else if (sample !== null && typeof sample === 'object') {
    for (const [key, value] of Object.entries(sample)) {
      if (out.length >= MAX_PATHS) break;
      samplePaths(`${root}${pathSegment(key)}`, value, depth + 1, out);
    }
  }
  return out;
}

function preview(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `[${value.length}]`;
  if (typeof value === 'object') return '';
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

/** The trigger's sample message payload: the first item when the manifest gives a list. */
export function firstSample(sampleData: unknown): unknown {
  return Array.isArray(sampleData) ? sampleData[0] : sampleData;
}

/** `{{ path }}`, the form the API evaluates inside step inputs. */
export function wrapExpression(path: string): string {
  return `{{ ${path} }}`;
}

/** True for a string that holds at least one `{{ expr }}`. */
export function isExpression(value: unknown): value is string {
  return typeof value === 'string' && /\{\{[\s\S]*\}\}/.test(value);
}

/**
 * Writes `text` into an input or textarea at its caret (replacing the selection) and fires an
 * `input` event so Angular bindings and reactive controls see the new value.
 */
export function insertAtCaret(el: HTMLInputElement | HTMLTextAreaElement, text: string): void {
  const start = el.selectionStart ?? el.value.length;
  const end = el.selectionEnd ?? start;
  el.value = el.value.slice(0, start) + text + el.value.slice(end);
  const caret = start + text.length;
  el.focus();
  el.setSelectionRange?.(caret, caret);
  el.dispatchEvent(new Event('input', { bubbles: true }));
}

export const STEP_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A free step name like `map_1`, `map_2` for a new step of `type`. */
export function nextStepName(type: string, taken: readonly string[]): string {
  const base = type.replace(/[^a-zA-Z0-9_]/g, '_');
  for (let n = 1; ; n++) if (!taken.includes(`${base}_${n}`)) return `${base}_${n}`;
}

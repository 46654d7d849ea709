import type { JsonValue } from '@flowport/connector-sdk';

/**
 * A dotted-path subset of JSONPath: `$`, `items`, `$.data.items[*]`, `data.pages[0].rows`,
 * `meta["next-page"]`. No filters, recursion or unions: full JSONPath libraries either evaluate
 * expressions with `eval`/`vm` or pick a Node build under esbuild's neutral platform, and neither
 * belongs in the sandbox.
 */
export function parsePath(path: string): (string | number)[] {
  let rest = path.trim().replace(/^\$/, '').replace(/(\[\*\]|\.\*)$/, '');
  const steps: (string | number)[] = [];
  while (rest.length > 0) {
    let m: RegExpExecArray | null;
    if ((m = /^\.?([A-Za-z_$][\w$-]*)/.exec(rest))) steps.push(m[1]);
    else if ((m = /^\[(\d+)\]/.exec(rest))) steps.push(Number(m[1]));
    else if ((m = /^\[(?:"([^"]*)"|'([^']*)')\]/.exec(rest))) steps.push(m[1] ?? m[2]);
    else throw new Error(`Items Path ${JSON.stringify(path)} is not supported at ${JSON.stringify(rest)}: use a dotted path like $.data.items, items[0].rows or meta["next-page"]`);
    rest = rest.slice(m[0].length);
  }
  return steps;
}

export function readPath(value: JsonValue, steps: (string | number)[]): JsonValue | undefined {
  let current: JsonValue | undefined = value;
  for (const step of steps) {
    if (current === null || typeof current !== 'object') return undefined;
    current = Array.isArray(current) ? (typeof step === 'number' ? current[step] : undefined) : (current as Record<string, JsonValue>)[String(step)];
  }
  return current;
}

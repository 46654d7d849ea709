import { parse as parseJavaScript } from 'acorn';
import jsonata from 'jsonata';
import type { JsonValue } from '@flowport/connector-sdk';

/** Why a JSONata expression does not compile, with the character position jsonata reports; null when it compiles. */
export function jsonataProblem(expression: string): string | null {
  try {
    jsonata(expression);
    return null;
  } catch (err) {
    const e = err as { message?: string; position?: number; token?: string };
    const at = typeof e.position === 'number' ? ` (at character ${e.position})` : '';
    return `is not a valid JSONata expression: ${e.message ?? String(err)}${at}`;
  }
}

const TEMPLATE = /\{\{([\s\S]*?)\}\}/g;

/** The `{{ expr }}` parts of a step input string. */
export function templateExpressions(text: string): string[] {
  return [...text.matchAll(TEMPLATE)].map((m) => m[1].trim());
}

export function hasTemplate(value: JsonValue | undefined): boolean {
  return typeof value === 'string' && templateExpressions(value).length > 0;
}

/**
 * Every `{{ expr }}` inside a JSON value (recursively), as `{ path, problem }` for those that do
 * not compile. `path` is relative to the value, e.g. `.headers.authorization` or `[2]`.
 */
export function templateProblems(value: JsonValue | undefined, path = ''): Array<{ path: string; message: string }> {
  if (typeof value === 'string') {
    const problems: Array<{ path: string; message: string }> = [];
    if (value.includes('{{') && !value.includes('}}')) {
      problems.push({ path, message: 'has "{{" without a closing "}}": write an expression as {{ steps.previous.id }}' });
    }
    for (const expr of templateExpressions(value)) {
      if (expr === '') {
        problems.push({ path, message: 'has an empty {{ }} expression' });
        continue;
      }
      const problem = jsonataProblem(expr);
      if (problem) problems.push({ path, message: `{{ ${expr} }} ${problem}` });
    }
    return problems;
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => templateProblems(v, `${path}[${i}]`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => templateProblems(v, `${path}.${k}`));
  return [];
}

/**
 * Syntax check of a code step without running it: acorn parses the body the way the sandbox
 * runs it (a function body, so top-level `return` and `await` are allowed). Never `new Function`
 * on the host: compiling untrusted code there is already too much.
 */
export function codeProblem(code: string): string | null {
  try {
    parseJavaScript(code, { ecmaVersion: 'latest', sourceType: 'script', allowReturnOutsideFunction: true, allowAwaitOutsideFunction: true, locations: true });
    return null;
  } catch (err) {
    const e = err as { message?: string; loc?: { line: number; column: number } };
    const message = (e.message ?? String(err)).replace(/\s*\(\d+:\d+\)$/, '');
    const at = e.loc ? ` at line ${e.loc.line}, column ${e.loc.column + 1}` : '';
    return `is not valid JavaScript: ${message}${at}`;
  }
}

import type { ErrorDetail } from '@flowport/core';

/** Paths where two JSON values differ, for telling a publisher what their bundle exports instead. */
export function diffJson(expected: unknown, actual: unknown, path = '', out: ErrorDetail[] = [], max = 20): ErrorDetail[] {
  if (out.length >= max) return out;
  if (Array.isArray(expected) && Array.isArray(actual)) {
    const n = Math.max(expected.length, actual.length);
    for (let i = 0; i < n; i++) diffJson(expected[i], actual[i], `${path}[${i}]`, out, max);
    return out;
  }
  if (isObject(expected) && isObject(actual)) {
    for (const key of new Set([...Object.keys(expected), ...Object.keys(actual)])) {
      diffJson(expected[key], actual[key], path ? `${path}.${key}` : key, out, max);
    }
    return out;
  }
  if (JSON.stringify(expected) !== JSON.stringify(actual)) {
    out.push({ path, message: `manifest has ${describe(expected)}, the bundle exports ${describe(actual)}` });
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  const text = JSON.stringify(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

import { ApiError } from '@flowport/core';
import type { ErrorObject, ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import type { JsonValue } from '../stream-message';

// The manual trigger's inputSchema is JSON Schema draft 2020-12, as services/flows validates it.
const ajv = new Ajv2020({ allErrors: true, strict: false });
const compiled = new Map<string, ValidateFunction>();

/** 422 listing every way `input` misses the flow's manual inputSchema. */
export function assertManualInput(flowName: string, schema: Record<string, JsonValue> | undefined, input: JsonValue): void {
  if (!schema) return;
  const key = JSON.stringify(schema);
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile(schema);
    if (compiled.size > 500) compiled.clear();
    compiled.set(key, validate);
  }
  if (validate(input)) return;
  const details = (validate.errors ?? []).map((e: ErrorObject) => ({
    path: `input${e.instancePath.replace(/\/(\d+)(?=\/|$)/g, '[$1]').replace(/\//g, '.')}${e.keyword === 'required' ? `.${(e.params as { missingProperty: string }).missingProperty}` : ''}`,
    message: e.keyword === 'required' ? 'is required' : (e.message ?? 'is invalid'),
  }));
  throw ApiError.unprocessable(`The input does not fit flow "${flowName}"'s input schema: ${details.map((d) => `${d.path} ${d.message}`).join('; ')}`, details, 'INVALID_INPUT');
}

import type { AccountManifest, ConnectorManifest } from '@flowport/connector-sdk';
import type { ErrorDetail } from '@flowport/core';
import Ajv2020 from 'ajv/dist/2020';
import type { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

export const MASK = '********';

const ajv = new Ajv2020({ allErrors: true, strict: false, useDefaults: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
// Manifests are immutable per version, so compiled validators can be kept per schema text.
const cache = new Map<string, ValidateFunction>();

export function findAccount(manifest: ConnectorManifest, accountName?: string): AccountManifest | null {
  if (!accountName) return manifest.accounts[0] ?? null;
  return manifest.accounts.find((a) => a.name === accountName) ?? null;
}

/** Validates (and fills defaults into) account values against the account's props schema. */
export function validateAccountValues(account: AccountManifest, values: Record<string, unknown>): ErrorDetail[] {
  const key = JSON.stringify(account.props);
  let validate = cache.get(key);
  if (!validate) {
    validate = ajv.compile(account.props);
    cache.set(key, validate);
  }
  if (validate(values)) return [];
  return (validate.errors ?? []).map((e) => ({ path: errorPath(e), message: errorMessage(e) }));
}

function errorPath(e: ErrorObject): string {
  const segments = e.instancePath.split('/').filter(Boolean).map((s) => (/^\d+$/.test(s) ? `[${s}]` : `.${s}`));
  if (e.keyword === 'required') segments.push(`.${(e.params as { missingProperty: string }).missingProperty}`);
  if (e.keyword === 'additionalProperties') segments.push(`.${(e.params as { additionalProperty: string }).additionalProperty}`);
  return `values${segments.join('')}`;
}

function errorMessage(e: ErrorObject): string {
  if (e.keyword === 'required') return 'is required';
  if (e.keyword === 'additionalProperties') return 'is not a field of this account';
  if (e.keyword === 'enum') return `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  return e.message ?? 'is invalid';
}

/** Splits values into what is stored in the clear and what is encrypted. */
export function splitSecrets(values: Record<string, unknown>, secretFields: string[]): { plain: Record<string, unknown>; secret: Record<string, unknown> } {
  const plain: Record<string, unknown> = {};
  const secret: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) (secretFields.includes(k) ? secret : plain)[k] = v;
  return { plain, secret };
}

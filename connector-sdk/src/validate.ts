/**
 * Manifest validation: the published JSON Schema (schema/manifest.schema.json, checked with ajv
 * in draft 2020-12 mode) plus the rules a schema cannot say (unique names, references, the
 * standard trigger props left intact, defaults that fit their own prop schema).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { HOST_GRANT_KEYWORD } from './props';
import { standardTriggerProps } from './trigger';
import type { JsonSchema } from './types';

export interface ManifestProblem {
  /** Where, e.g. `triggers[0].props.properties.batchSize.maximum`; empty for the whole manifest. */
  path: string;
  message: string;
}
export interface ManifestValidation {
  ok: boolean;
  errors: ManifestProblem[];
}

/** Works from src/ (tests) and dist/ (published) alike: both sit one level below the package. */
export const MANIFEST_SCHEMA_PATH = resolve(__dirname, '..', 'schema', 'manifest.schema.json');
export const manifestSchema = JSON.parse(readFileSync(MANIFEST_SCHEMA_PATH, 'utf8')) as JsonSchema;

function newAjv(options: { meta?: boolean } = {}): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: false, verbose: true, meta: options.meta ?? true, validateSchema: options.meta ?? true });
  (addFormats as unknown as (a: Ajv2020) => void)(ajv);
  return ajv;
}

/** Checks prop schemas against the 2020-12 meta-schema; compiled once, holds no prop schema. */
let metaAjv: Ajv2020 | undefined;

let manifestValidator: ValidateFunction | undefined;

function pointerToPath(pointer: string): string {
  if (pointer === '') return '';
  return pointer
    .split('/')
    .slice(1)
    .map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc === '' ? seg : `${acc}.${seg}`), '');
}

const join = (base: string, key: string) => (base === '' ? key : `${base}.${key}`);

function fromAjv(error: ErrorObject): ManifestProblem {
  const path = pointerToPath(error.instancePath);
  const params = error.params as Record<string, unknown>;
  const got = (v: unknown) => JSON.stringify(v);
  switch (error.keyword) {
    case 'required':
      return { path: join(path, String(params.missingProperty)), message: 'is required' };
    case 'additionalProperties':
      return { path: join(path, String(params.additionalProperty)), message: 'is not allowed here' };
    case 'const':
      return { path, message: `must be ${got(params.allowedValue)} (got ${got(error.data)})` };
    case 'enum':
      return { path, message: `must be one of ${(params.allowedValues as unknown[]).map(got).join(', ')} (got ${got(error.data)})` };
    case 'pattern':
      if (error.schemaPath.includes('/semver/')) return { path, message: `must be a semantic version like 1.0.0 (got ${got(error.data)})` };
      if (error.schemaPath.includes('/name/')) return { path, message: `must be a lowercase slug like "amazon-sqs" (got ${got(error.data)})` };
      return { path, message: `${error.message} (got ${got(error.data)})` };
    default:
      return { path, message: error.message ?? `fails ${error.keyword}` };
  }
}

type Loose = Record<string, unknown>;
const isObj = (v: unknown): v is Loose => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function semanticChecks(m: Loose): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  let propAjv: Ajv2020 | undefined;
  const push = (path: string, message: string) => problems.push({ path, message });

  for (const list of ['accounts', 'actions', 'triggers'] as const) {
    const seen = new Map<string, number>();
    arr(m[list]).forEach((item, i) => {
      if (!isObj(item) || typeof item.name !== 'string') return;
      const first = seen.get(item.name);
      if (first !== undefined) push(`${list}[${i}].name`, `duplicate name "${item.name}" (also ${list}[${first}]); names must be unique`);
      else seen.set(item.name, i);
    });
  }

  const accountNames = arr(m.accounts).filter(isObj).map((a) => a.name);
  const checkProps = (base: string, props: unknown) => {
    if (!isObj(props) || !isObj(props.properties)) return;
    const properties = props.properties;
    arr(props.required).forEach((name, i) => {
      if (typeof name === 'string' && !(name in properties)) push(`${base}.props.required[${i}]`, `"${name}" is not one of the props`);
    });
    metaAjv ??= newAjv();
    for (const [name, schema] of Object.entries(properties)) {
      if (!isObj(schema)) continue;
      if (HOST_GRANT_KEYWORD in schema && schema.type !== 'string') {
        push(`${base}.props.properties.${name}.${HOST_GRANT_KEYWORD}`, `only a text prop (type "string") holding a URL can grant a host (got type ${JSON.stringify(schema.type ?? null)})`);
      }
      if (!metaAjv.validateSchema(schema)) {
        push(`${base}.props.properties.${name}`, `is not a valid JSON Schema: ${metaAjv.errorsText(metaAjv.errors, { dataVar: 'schema' })}`);
        continue;
      }
      if (!('default' in schema)) continue;
      // A fresh, meta-less ajv per manifest: ajv keeps every schema it ever compiled (even after
      // removeSchema), and a long-running registry validates an endless stream of new ones.
      propAjv ??= newAjv({ meta: false });
      let validate: ValidateFunction;
      try {
        validate = propAjv.compile(schema);
      } catch (err) {
        push(`${base}.props.properties.${name}`, `is not a valid JSON Schema: ${(err as Error).message}`);
        continue;
      }
      if (!validate(schema.default)) {
        push(`${base}.props.properties.${name}.default`, `does not fit the prop's own schema: ${propAjv.errorsText(validate.errors, { dataVar: 'default' })}`);
      }
    }
  };

  arr(m.accounts).forEach((a, i) => {
    if (!isObj(a)) return;
    checkProps(`accounts[${i}]`, a.props);
    const properties = isObj(a.props) && isObj(a.props.properties) ? a.props.properties : {};
    arr(a.secretFields).forEach((field, j) => {
      if (typeof field !== 'string') return;
      const schema = properties[field];
      if (!isObj(schema)) push(`accounts[${i}].secretFields[${j}]`, `"${field}" is not one of the account's props`);
      else if (schema.writeOnly !== true) push(`accounts[${i}].secretFields[${j}]`, `prop "${field}" must be a secret (format "password", writeOnly true)`);
    });
    for (const [name, schema] of Object.entries(properties)) {
      if (isObj(schema) && schema.writeOnly === true && !arr(a.secretFields).includes(name)) {
        push(`accounts[${i}].secretFields`, `must list the secret prop "${name}"`);
      }
    }
  });

  const checkAccountRef = (path: string, ref: unknown) => {
    if (typeof ref === 'string' && !accountNames.includes(ref)) {
      push(path, `unknown account "${ref}"; accounts: ${accountNames.length ? accountNames.join(', ') : '(none)'}`);
    }
  };
  arr(m.actions).forEach((a, i) => {
    if (!isObj(a)) return;
    checkAccountRef(`actions[${i}].account`, a.account);
    checkProps(`actions[${i}]`, a.props);
  });

  arr(m.triggers).forEach((t, i) => {
    if (!isObj(t)) return;
    const base = `triggers[${i}]`;
    checkAccountRef(`${base}.account`, t.account);
    checkProps(base, t.props);
    const properties = isObj(t.props) && isObj(t.props.properties) ? t.props.properties : undefined;
    if (properties) {
      for (const [name, prop] of Object.entries(standardTriggerProps)) {
        const actual = properties[name];
        if (!isObj(actual)) continue; // reported by the schema as required
        const expected = prop.schema();
        for (const key of ['type', 'minimum', 'maximum', 'default', 'title'] as const) {
          if (key in expected && JSON.stringify(actual[key]) !== JSON.stringify(expected[key])) {
            push(
              `${base}.props.${name}`,
              `${key} is ${JSON.stringify(expected[key])} (got ${JSON.stringify(actual[key])}); ${prop.displayName} is a standard prop and cannot be changed`,
            );
          }
        }
        if (isObj(t.props) && arr(t.props.required).includes(name)) {
          push(`${base}.props.${name}`, `must stay optional; ${prop.displayName} is a standard prop and cannot be changed`);
        }
      }
    }
    if (t.kind === 'stream') {
      if (!isObj(t.stream)) push(`${base}.stream`, 'a stream trigger must name its driver: { "driver": "amqp" | "sqs" | "kafka" }');
      else if (!['amqp', 'sqs', 'kafka'].includes(t.stream.driver as string)) {
        push(`${base}.stream.driver`, `a stream trigger must name its driver: amqp, sqs or kafka (got ${JSON.stringify(t.stream.driver)})`);
      }
    }
    if (t.kind === 'pooling' && isObj(t.pooling) && isObj(t.pooling.intervalSeconds)) {
      const { default: dflt, min } = t.pooling.intervalSeconds;
      if (typeof dflt === 'number' && typeof min === 'number' && dflt < min) {
        push(`${base}.pooling.intervalSeconds.default`, `must be at least intervalSeconds.min (${min}) (got ${dflt})`);
      }
    }
    if (t.kind === 'webhook' && isObj(t.webhook) && isObj(t.webhook.signature) && properties) {
      const secretProp = t.webhook.signature.secretProp;
      const prop = typeof secretProp === 'string' ? properties[secretProp] : undefined;
      if (!isObj(prop) || prop.writeOnly !== true) {
        push(`${base}.webhook.signature.secretProp`, `must name one of the trigger's secret props (got ${JSON.stringify(secretProp)})`);
      }
    }
  });
  return problems;
}

/** Checks a manifest (parsed JSON) and returns every problem with its path. */
export function validateManifest(json: unknown): ManifestValidation {
  manifestValidator ??= newAjv().compile(manifestSchema);
  const structuralOk = manifestValidator(json);
  const semantic = isObj(json) ? semanticChecks(json) : [];
  const semanticPaths = new Set(semantic.map((p) => p.path));
  const structural = structuralOk
    ? []
    : (manifestValidator.errors ?? [])
        // if/then failures are restated by the "then" branch's own errors.
        .filter((e) => e.keyword !== 'if')
        .map(fromAjv)
        .filter((p) => !semanticPaths.has(p.path));
  const seen = new Set<string>();
  const errors = [...structural, ...semantic].filter((p) => {
    const key = `${p.path}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return { ok: errors.length === 0, errors };
}

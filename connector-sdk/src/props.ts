/**
 * Typed prop builders. Each prop carries its value type (phantom) so `run(ctx)` sees
 * `ctx.props.queueUrl: string` without casts, knows its JSON Schema (draft 2020-12) for the
 * manifest, and checks a value at run time (the guest has no ajv, so checks are hand-rolled
 * and small).
 */
import type { GuestContext, JsonPrimitive, JsonSchema, JsonValue, PropsSchema } from './types';

export type PropKind =
  | 'shortText'
  | 'longText'
  | 'number'
  | 'boolean'
  | 'staticSelect'
  | 'dynamicSelect'
  | 'json'
  | 'secret'
  | 'dateTime';

export interface SelectOption<V extends JsonPrimitive = JsonPrimitive> {
  label: string;
  value: V;
}

/** Context of a dynamic options loader (op `props.options`): the props filled in so far. */
export interface OptionsContext<Account> extends GuestContext {
  props: Record<string, JsonValue | undefined>;
  account: Account;
}

declare const valueType: unique symbol;
declare const definedType: unique symbol;

export interface Prop<T, Defined extends boolean> {
  readonly kind: PropKind;
  readonly displayName: string;
  readonly description: string | undefined;
  readonly required: boolean;
  readonly defaultValue: T | undefined;
  readonly secret: boolean;
  /** Present on dynamic selects only. */
  readonly loadOptions?: (ctx: OptionsContext<never>) => Promise<readonly SelectOption[]> | readonly SelectOption[];
  /** JSON Schema of one value, for the manifest. */
  schema(): JsonSchema;
  /** Returns a user-facing problem with `value`, or undefined when it is acceptable. */
  check(value: unknown): string | undefined;
  /** Phantom members: never set at run time, they carry the types. */
  readonly [valueType]?: T;
  readonly [definedType]?: Defined;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyProp = Prop<any, boolean>;
export type PropsMap = Record<string, AnyProp>;

/** The value `run(ctx)` sees for one prop: required or defaulted props are always set. */
export type PropValue<P> = P extends Prop<infer T, infer D> ? (D extends true ? T : T | undefined) : never;
export type PropsValue<P extends PropsMap> = { [K in keyof P]: PropValue<P[K]> };

type IsDefined<R, D> = R extends true ? true : [D] extends [undefined] ? false : true;

interface BaseOptions<R extends boolean, D> {
  displayName: string;
  description?: string;
  required?: R;
  defaultValue?: D;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (typeof value === 'object') return 'an object';
  return String(value);
}

function makeProp<T, Defined extends boolean>(
  kind: PropKind,
  options: BaseOptions<boolean, unknown>,
  schema: JsonSchema,
  check: (value: unknown) => string | undefined,
  extra: { secret?: boolean; loadOptions?: Prop<T, Defined>['loadOptions'] } = {},
): Prop<T, Defined> {
  if (!options || typeof options.displayName !== 'string' || options.displayName.trim() === '') {
    throw new Error(`A ${kind} prop needs a displayName (the label users see)`);
  }
  const prop: Prop<T, Defined> = {
    kind,
    displayName: options.displayName,
    description: options.description,
    required: options.required === true,
    defaultValue: options.defaultValue as T | undefined,
    secret: extra.secret === true,
    loadOptions: extra.loadOptions,
    schema() {
      const out: JsonSchema = { title: prop.displayName };
      if (prop.description !== undefined) out.description = prop.description;
      Object.assign(out, schema);
      if (prop.defaultValue !== undefined) out.default = prop.defaultValue as JsonValue;
      out['x-flowport-kind'] = kind;
      return out;
    },
    check,
  };
  if (prop.defaultValue !== undefined) {
    const problem = check(prop.defaultValue);
    if (problem) throw new Error(`Prop "${prop.displayName}": default value ${problem}`);
  }
  return prop;
}

/**
 * The manifest keyword of a prop whose URL value grants its host to the call (see
 * `grantsHost` and docs/contracts.md). Only on string props.
 */
export const HOST_GRANT_KEYWORD = 'x-flowport-host';

const mustBeText = (value: unknown) => (typeof value === 'string' ? undefined : `must be text (got ${describe(value)})`);

export interface TextOptions<R extends boolean, D> extends BaseOptions<R, D> {
  minLength?: number;
  maxLength?: number;
  /** A regular expression (JSON Schema `pattern`). */
  pattern?: string;
  placeholder?: string;
  /**
   * The value is a URL whose host this connector's calls may reach through `ctx.http`, on top
   * of the manifest's allowedHosts (e.g. an account's custom endpoint, a request URL the user
   * types). Written into the manifest as `"x-flowport-host": true`; the platform grants the
   * host of the call's own value, and its SSRF guard still applies.
   */
  grantsHost?: boolean;
}

function text<R extends boolean, D extends string | undefined>(kind: 'shortText' | 'longText', o: TextOptions<R, D>) {
  const schema: JsonSchema = { type: 'string' };
  if (o.minLength !== undefined) schema.minLength = o.minLength;
  if (o.maxLength !== undefined) schema.maxLength = o.maxLength;
  if (o.pattern !== undefined) schema.pattern = o.pattern;
  if (o.placeholder !== undefined) schema['x-flowport-placeholder'] = o.placeholder;
  if (o.grantsHost === true) schema[HOST_GRANT_KEYWORD] = true;
  const pattern = o.pattern !== undefined ? new RegExp(o.pattern, 'u') : undefined;
  return makeProp<string, IsDefined<R, D>>(kind, o, schema, (value) => {
    const bad = mustBeText(value);
    if (bad) return bad;
    const s = value as string;
    if (o.minLength !== undefined && s.length < o.minLength) return `must be at least ${o.minLength} characters (got ${s.length})`;
    if (o.maxLength !== undefined && s.length > o.maxLength) return `must be at most ${o.maxLength} characters (got ${s.length})`;
    if (pattern && !pattern.test(s)) return `must match ${o.pattern} (got ${describe(s)})`;
    return undefined;
  });
}

export interface NumberOptions<R extends boolean, D> extends BaseOptions<R, D> {
  min?: number;
  max?: number;
  integer?: boolean;
}

export interface SelectOptions<R extends boolean, D, V extends JsonPrimitive> extends BaseOptions<R, D> {
  options: readonly SelectOption<V>[];
}

export interface DynamicSelectOptions<R extends boolean, D, V extends JsonPrimitive, Account> extends BaseOptions<R, D> {
  /** The account definition whose values the loader receives as `ctx.account`. */
  account?: { readonly kind: string; readonly name: string };
  /** Props whose values the loader reads; the Studio reloads the options when they change. */
  refreshers?: readonly string[];
  options: (ctx: OptionsContext<Account>) => Promise<readonly SelectOption<V>[]> | readonly SelectOption<V>[];
}

export interface JsonOptions<R extends boolean, D> extends BaseOptions<R, D> {
  /** A JSON Schema for the value, shown to users and kept in the manifest. */
  schema?: JsonSchema;
}

/** Value type of an account definition, as the account builders declare it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AccountValueOf<A> = [A] extends [{ readonly __value?: infer V }] ? Exclude<V, undefined> : Record<string, any>;

export const Property = {
  /** One line of text. */
  ShortText<R extends boolean = false, D extends string | undefined = undefined>(o: TextOptions<R, D>) {
    return text('shortText', o);
  },
  /** Multi-line text (message bodies, templates). */
  LongText<R extends boolean = false, D extends string | undefined = undefined>(o: TextOptions<R, D>) {
    return text('longText', o);
  },
  Number<R extends boolean = false, D extends number | undefined = undefined>(o: NumberOptions<R, D>) {
    if (o.min !== undefined && o.max !== undefined && o.min > o.max) {
      throw new Error(`Prop "${o.displayName}": min (${o.min}) is greater than max (${o.max})`);
    }
    const schema: JsonSchema = { type: o.integer ? 'integer' : 'number' };
    if (o.min !== undefined) schema.minimum = o.min;
    if (o.max !== undefined) schema.maximum = o.max;
    return makeProp<number, IsDefined<R, D>>('number', o, schema, (value) => {
      if (typeof value !== 'number' || !Number.isFinite(value)) return `must be a number (got ${describe(value)})`;
      if (o.integer && !Number.isInteger(value)) return `must be a whole number (got ${value})`;
      if ((o.min !== undefined && value < o.min) || (o.max !== undefined && value > o.max)) {
        if (o.min !== undefined && o.max !== undefined) return `must be between ${o.min} and ${o.max} (got ${value})`;
        return o.min !== undefined ? `must be at least ${o.min} (got ${value})` : `must be at most ${o.max} (got ${value})`;
      }
      return undefined;
    });
  },
  Boolean<R extends boolean = false, D extends boolean | undefined = undefined>(o: BaseOptions<R, D>) {
    return makeProp<boolean, IsDefined<R, D>>('boolean', o, { type: 'boolean' }, (value) =>
      typeof value === 'boolean' ? undefined : `must be true or false (got ${describe(value)})`,
    );
  },
  /** A choice among options fixed in the connector. The value type is the union of option values. */
  StaticSelect<const V extends JsonPrimitive, R extends boolean = false, D extends V | undefined = undefined>(
    o: SelectOptions<R, D, V>,
  ) {
    if (!Array.isArray(o.options) || o.options.length === 0) {
      throw new Error(`Prop "${o.displayName}": a static select needs at least one option`);
    }
    const values = o.options.map((opt) => opt.value);
    const schema: JsonSchema = {
      oneOf: o.options.map((opt) => ({ const: opt.value, title: opt.label })),
    };
    const types = new Set(values.map((v) => (v === null ? 'null' : typeof v)));
    if (types.size === 1) schema.type = [...types][0] as string;
    return makeProp<V, IsDefined<R, D>>('staticSelect', o, schema, (value) =>
      values.some((v) => v === value)
        ? undefined
        : `must be one of ${values.map((v) => JSON.stringify(v)).join(', ')} (got ${describe(value)})`,
    );
  },
  /**
   * A choice whose options load at run time (op `props.options`), e.g. the queues an account
   * can see. Pass `account` to get `ctx.account` typed inside the loader.
   */
  DynamicSelect<
    V extends JsonPrimitive = string,
    A extends { readonly kind: string; readonly name: string } | undefined = undefined,
    R extends boolean = false,
    D extends V | undefined = undefined,
  >(o: DynamicSelectOptions<R, D, V, AccountValueOf<A>> & { account?: A }) {
    const schema: JsonSchema = {
      'x-flowport-options': { dynamic: true, refreshers: [...(o.refreshers ?? [])] },
    };
    return makeProp<V, IsDefined<R, D>>(
      'dynamicSelect',
      o,
      schema,
      (value) =>
        value === null || ['string', 'number', 'boolean'].includes(typeof value)
          ? undefined
          : `must be a single option value (got ${describe(value)})`,
      { loadOptions: o.options as unknown as Prop<V, boolean>['loadOptions'] },
    );
  },
  /** Any JSON value (objects, lists); optionally described by a JSON Schema. */
  Json<R extends boolean = false, D extends JsonValue | undefined = undefined>(o: JsonOptions<R, D>) {
    return makeProp<JsonValue, IsDefined<R, D>>('json', o, { ...(o.schema ?? {}) }, (value) => {
      if (value === undefined) return 'must be a JSON value';
      return undefined;
    });
  },
  /** A secret (password, token): stored encrypted and never shown again. */
  Secret<R extends boolean = false>(o: Omit<BaseOptions<R, never>, 'defaultValue'> & { grantsHost?: boolean }) {
    return makeProp<string, IsDefined<R, undefined>>(
      'secret',
      o,
      { type: 'string', format: 'password', writeOnly: true, ...(o.grantsHost === true ? { [HOST_GRANT_KEYWORD]: true } : {}) },
      mustBeText,
      { secret: true },
    );
  },
  /** A point in time as an ISO 8601 string. */
  DateTime<R extends boolean = false, D extends string | undefined = undefined>(o: BaseOptions<R, D>) {
    return makeProp<string, IsDefined<R, D>>('dateTime', o, { type: 'string', format: 'date-time' }, (value) => {
      if (typeof value !== 'string') return `must be a date-time text like 2026-01-31T12:00:00Z (got ${describe(value)})`;
      if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value) || Number.isNaN(Date.parse(value))) {
        return `must be an ISO 8601 date-time like 2026-01-31T12:00:00Z (got ${describe(value)})`;
      }
      return undefined;
    });
  },
};

/** The object schema for a set of props, as it appears in the manifest. */
export function propsSchema(props: PropsMap): PropsSchema {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const [name, prop] of Object.entries(props)) {
    properties[name] = prop.schema();
    if (prop.required) required.push(name);
  }
  return { type: 'object', properties, required, additionalProperties: false };
}

/**
 * Applies defaults and checks every value; throws one error naming every problem so a user
 * fixes them in one go.
 */
export function resolveProps(props: PropsMap, input: unknown, owner: string): Record<string, unknown> {
  if (input !== undefined && input !== null && (typeof input !== 'object' || Array.isArray(input))) {
    throw new TypeError(`${owner}: props must be an object of prop values (got ${describe(input)})`);
  }
  const given = (input ?? {}) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, prop] of Object.entries(props)) {
    let value = given[name];
    if (value === undefined || value === null || value === '') {
      if (prop.defaultValue !== undefined) value = prop.defaultValue;
      else if (prop.required) {
        problems.push(`${prop.displayName} (${name}) is required`);
        continue;
      } else {
        out[name] = undefined;
        continue;
      }
    }
    const problem = prop.check(value);
    if (problem) problems.push(`${prop.displayName} (${name}) ${problem}`);
    else out[name] = value;
  }
  if (problems.length > 0) throw new PropsError(`${owner}: ${problems.join('; ')}`);
  return out;
}

export class PropsError extends Error {
  override name = 'PropsError';
}

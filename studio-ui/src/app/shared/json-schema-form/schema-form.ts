import { AbstractControl, FormControl, FormGroup, ValidationErrors, ValidatorFn, Validators } from '@angular/forms';
import { JsonSchema } from '../../core/api/models';

/**
 * Builds Angular reactive-form controls from a JSON Schema (the subset connector manifests use),
 * so account credentials and trigger props share one renderer and one set of validation messages.
 * The API validates again with the full JSON Schema; its per-field details are shown next to the fields.
 */

export type FieldKind = 'string' | 'text' | 'secret' | 'number' | 'integer' | 'boolean' | 'enum' | 'json' | 'date-time' | 'object';

export interface SchemaField {
  key: string;
  /** Dotted path from the form's root, e.g. `auth.region`; matches API error detail paths. */
  path: string;
  kind: FieldKind;
  title: string;
  description: string;
  required: boolean;
  schema: JsonSchema;
  control: AbstractControl;
  options: Array<{ value: unknown; label: string }>;
  inputType: 'text' | 'email' | 'url' | 'password' | 'number' | 'datetime-local';
  placeholder: string;
  children: SchemaField[];
}

export interface SchemaForm {
  group: FormGroup;
  fields: SchemaField[];
}

export interface SchemaFormOptions {
  /** Property names to treat as secrets even when the schema does not say `format: password`. */
  secretFields?: readonly string[];
  /** Property names to leave out, e.g. batchSize / externalId that the wizard renders itself. */
  omit?: readonly string[];
  initial?: Record<string, unknown>;
}

export const MASKED_SECRET = '********';

export function buildSchemaForm(schema: JsonSchema, options: SchemaFormOptions = {}): SchemaForm {
  const group = new FormGroup<Record<string, AbstractControl>>({});
  const fields = buildFields(schema, group, '', options, options.initial ?? {});
  return { group, fields };
}

function buildFields(
  schema: JsonSchema,
  group: FormGroup,
  prefix: string,
  options: SchemaFormOptions,
  initial: Record<string, unknown>,
): SchemaField[] {
  const required = new Set(schema.required ?? []);
  const fields: SchemaField[] = [];
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    if (!prefix && options.omit?.includes(key)) continue;
    if (prop.readOnly) continue;
    const path = prefix ? `${prefix}.${key}` : key;
    const kind = fieldKind(prop, key, options.secretFields ?? []);
    const title = prop.title ?? humanize(key);
    const isRequired = required.has(key);
    let control: AbstractControl;
    let children: SchemaField[] = [];
    if (kind === 'object') {
      const sub = new FormGroup<Record<string, AbstractControl>>({});
      const subInitial = isRecord(initial[key]) ? initial[key] : {};
      children = buildFields(prop, sub, path, options, subInitial);
      control = sub;
    } else {
      control = new FormControl(initialValue(kind, prop, initial[key]), validatorsFor(kind, prop, isRequired));
    }
    group.addControl(key, control);
    fields.push({
      key,
      path,
      kind,
      title,
      description: prop.description ?? '',
      required: isRequired,
      schema: prop,
      control,
      options: (prop.enum ?? []).map((value) => ({ value, label: enumLabel(prop, value) })),
      inputType: inputType(kind, prop),
      placeholder: placeholder(prop),
      children,
    });
  }
  return fields;
}

export function fieldKind(prop: JsonSchema, key: string, secretFields: readonly string[]): FieldKind {
  const type = Array.isArray(prop.type) ? prop.type.find((t) => t !== 'null') : prop.type;
  if (prop.enum && prop.enum.length > 0) return 'enum';
  if (type === 'boolean') return 'boolean';
  if (type === 'integer') return 'integer';
  if (type === 'number') return 'number';
  if (type === 'object') return prop.properties && Object.keys(prop.properties).length > 0 ? 'object' : 'json';
  if (type === 'array') return 'json';
  if (prop.format === 'json') return 'json';
  if (prop.format === 'password' || prop.writeOnly || secretFields.includes(key)) return 'secret';
  if (prop.format === 'date-time') return 'date-time';
  if (prop.format === 'textarea' || prop.format === 'multiline') return 'text';
  if (type === 'string' || type === undefined) return 'string';
  return 'json';
}

function inputType(kind: FieldKind, prop: JsonSchema): SchemaField['inputType'] {
  if (kind === 'secret') return 'password';
  if (kind === 'number' || kind === 'integer') return 'number';
  if (kind === 'date-time') return 'datetime-local';
  if (prop.format === 'email') return 'email';
  if (prop.format === 'uri' || prop.format === 'url') return 'url';
  return 'text';
}

function placeholder(prop: JsonSchema): string {
  const example = prop.examples?.[0];
  if (example === undefined || example === null || typeof example === 'object') return '';
  return String(example);
}

function initialValue(kind: FieldKind, prop: JsonSchema, given: unknown): unknown {
  const value = given !== undefined ? given : prop.default;
  switch (kind) {
    case 'boolean':
      return value === true;
    case 'secret':
      // Write-only: a stored secret comes back masked and is never shown or resent.
      return typeof value === 'string' && value !== MASKED_SECRET ? value : '';
    case 'number':
    case 'integer':
      return typeof value === 'number' ? value : null;
    case 'json':
      return value === undefined ? '' : JSON.stringify(value, null, 2);
    case 'date-time':
      return typeof value === 'string' ? toLocalInput(value) : '';
    case 'enum':
      return value ?? null;
    default:
      return value === undefined || value === null ? '' : String(value);
  }
}

function validatorsFor(kind: FieldKind, prop: JsonSchema, required: boolean): ValidatorFn[] {
  const v: ValidatorFn[] = [];
  // A required boolean always has a value (false when unticked), so it needs no validator.
  if (required && kind !== 'boolean') v.push(Validators.required);
  if (kind === 'number' || kind === 'integer') {
    if (prop.minimum !== undefined) v.push(Validators.min(prop.minimum));
    if (prop.maximum !== undefined) v.push(Validators.max(prop.maximum));
    if (prop.exclusiveMinimum !== undefined) v.push(exclusiveBound('exclusiveMinimum', prop.exclusiveMinimum));
    if (prop.exclusiveMaximum !== undefined) v.push(exclusiveBound('exclusiveMaximum', prop.exclusiveMaximum));
    if (kind === 'integer') v.push(integerValidator);
  }
  if (kind === 'string' || kind === 'text' || kind === 'secret') {
    if (prop.minLength !== undefined) v.push(Validators.minLength(prop.minLength));
    if (prop.maxLength !== undefined) v.push(Validators.maxLength(prop.maxLength));
    if (prop.pattern) v.push(Validators.pattern(new RegExp(prop.pattern, 'u')));
    if (prop.format === 'email') v.push(Validators.email);
    if (prop.format === 'uri' || prop.format === 'url') v.push(urlValidator);
  }
  if (kind === 'json') v.push(jsonValidator(prop));
  return v;
}

const integerValidator: ValidatorFn = (c) =>
  typeof c.value === 'number' && !Number.isInteger(c.value) ? { integer: { actual: c.value } } : null;

function exclusiveBound(name: 'exclusiveMinimum' | 'exclusiveMaximum', bound: number): ValidatorFn {
  return (c) => {
    if (typeof c.value !== 'number') return null;
    const bad = name === 'exclusiveMinimum' ? c.value <= bound : c.value >= bound;
    return bad ? { [name]: { bound, actual: c.value } } : null;
  };
}

const urlValidator: ValidatorFn = (c) => {
  if (typeof c.value !== 'string' || c.value === '') return null;
  try {
    new URL(c.value);
    return null;
  } catch {
    return { url: { actual: c.value } };
  }
};

function jsonValidator(prop: JsonSchema): ValidatorFn {
  const type = Array.isArray(prop.type) ? prop.type.find((t) => t !== 'null') : prop.type;
  return (c) => {
    if (typeof c.value !== 'string' || c.value.trim() === '') return null;
    let parsed: unknown;
    try {
      parsed = JSON.parse(c.value);
    } catch (err) {
      return { json: { reason: err instanceof Error ? err.message : String(err) } };
    }
    if (type === 'array' && !Array.isArray(parsed)) return { jsonType: { expected: 'an array' } };
    if (type === 'object' && !isRecord(parsed)) return { jsonType: { expected: 'an object' } };
    return null;
  };
}

/** The message a user sees under a field, naming the field and what to change. */
export function fieldErrorMessage(field: Pick<SchemaField, 'title' | 'schema' | 'kind'>, errors: ValidationErrors | null): string | null {
  if (!errors) return null;
  const { title, schema } = field;
  const hasRange = schema.minimum !== undefined && schema.maximum !== undefined;
  if (errors['server']) return String(errors['server']);
  if (errors['required']) return `${title} is required.`;
  if (errors['integer']) return `${title} must be a whole number (got ${errors['integer'].actual}).`;
  if (errors['min'] || errors['max']) {
    const actual = (errors['min'] ?? errors['max']).actual;
    if (hasRange) return `${title} must be between ${schema.minimum} and ${schema.maximum} (got ${actual}).`;
    return errors['min'] ? `${title} must be at least ${schema.minimum} (got ${actual}).` : `${title} must be at most ${schema.maximum} (got ${actual}).`;
  }
  if (errors['exclusiveMinimum']) return `${title} must be greater than ${errors['exclusiveMinimum'].bound} (got ${errors['exclusiveMinimum'].actual}).`;
  if (errors['exclusiveMaximum']) return `${title} must be less than ${errors['exclusiveMaximum'].bound} (got ${errors['exclusiveMaximum'].actual}).`;
  if (errors['minlength']) return `${title} must be at least ${errors['minlength'].requiredLength} characters (got ${errors['minlength'].actualLength}).`;
  if (errors['maxlength']) return `${title} must be at most ${errors['maxlength'].requiredLength} characters (got ${errors['maxlength'].actualLength}).`;
  if (errors['pattern']) {
    // A raw regular expression helps nobody when the schema explains the format in words.
    return schema.description ? `${title} has the wrong format. ${schema.description}` : `${title} must match the pattern ${schema.pattern}.`;
  }
  if (errors['email']) return `${title} must be an email address, e.g. name@example.com.`;
  if (errors['url']) return `${title} must be a full URL, e.g. https://example.com/path.`;
  if (errors['json']) return `${title} must be valid JSON: ${errors['json'].reason}`;
  if (errors['jsonType']) return `${title} must be ${errors['jsonType'].expected} in JSON.`;
  return `${title} is not valid.`;
}

/** The form's value in the schema's types: numbers as numbers, JSON parsed, empty optionals left out. */
export function schemaFormValue(fields: SchemaField[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    const value = fieldValue(field);
    if (value !== undefined) out[field.key] = value;
  }
  return out;
}

function fieldValue(field: SchemaField): unknown {
  const raw = field.control.value as unknown;
  switch (field.kind) {
    case 'object': {
      const nested = schemaFormValue(field.children);
      return Object.keys(nested).length > 0 || field.required ? nested : undefined;
    }
    case 'boolean':
      return raw === true;
    case 'number':
    case 'integer':
      return typeof raw === 'number' && !Number.isNaN(raw) ? raw : undefined;
    case 'json':
      return typeof raw === 'string' && raw.trim() !== '' ? JSON.parse(raw) : undefined;
    case 'date-time':
      return typeof raw === 'string' && raw !== '' ? new Date(raw).toISOString() : undefined;
    case 'enum':
      return raw === null || raw === undefined || raw === '' ? undefined : raw;
    default:
      return typeof raw === 'string' && raw !== '' ? raw : undefined;
  }
}

/** Puts API error details (paths relative to this form) onto the matching controls. */
export function applyServerErrors(fields: SchemaField[], errors: Record<string, string>): string[] {
  const unmatched = new Set(Object.keys(errors));
  const visit = (list: SchemaField[], prefix: string) => {
    for (const f of list) {
      const message = errors[f.path.slice(prefix.length)];
      if (message !== undefined) {
        f.control.setErrors({ ...(f.control.errors ?? {}), server: message });
        f.control.markAsTouched();
        unmatched.delete(f.path.slice(prefix.length));
      }
      visit(f.children, prefix);
    }
  };
  visit(fields, '');
  return [...unmatched];
}

export function humanize(key: string): string {
  const spaced = key.replace(/[_-]+/g, ' ').replace(/([a-z0-9])([A-Z])/g, '$1 $2').trim();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

function enumLabel(prop: JsonSchema, value: unknown): string {
  const labels = prop['x-enumLabels'];
  if (isRecord(labels) && typeof labels[String(value)] === 'string') return labels[String(value)] as string;
  return value === null ? '(none)' : String(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toLocalInput(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

import { Component, signal } from '@angular/core';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { JsonSchema } from '../../core/api/models';
import { JsonSchemaForm } from './json-schema-form';
import { MASKED_SECRET, SchemaForm, applyServerErrors, buildSchemaForm, schemaFormValue } from './schema-form';

const schema: JsonSchema = {
  type: 'object',
  required: ['queueUrl', 'batchSize', 'password'],
  properties: {
    queueUrl: { type: 'string', title: 'Queue URL', format: 'uri', description: 'The queue to listen to.' },
    batchSize: { type: 'integer', title: 'Batch Size', minimum: 1, maximum: 1000, default: 1 },
    ratio: { type: 'number', title: 'Ratio', minimum: 0.5 },
    password: { type: 'string', title: 'Password', format: 'password' },
    region: { type: 'string', title: 'Region', enum: ['eu-west-1', 'us-east-1'] },
    fifo: { type: 'boolean', title: 'FIFO queue' },
    attributes: { type: 'object', title: 'Attributes' },
    startAt: { type: 'string', title: 'Start at', format: 'date-time' },
    auth: { type: 'object', title: 'Auth', required: ['user'], properties: { user: { type: 'string', title: 'User', minLength: 3 } } },
  },
};

@Component({
  imports: [JsonSchemaForm],
  template: `<fp-json-schema-form [form]="form()" idPrefix="t" />`,
})
class Host {
  readonly form = signal<SchemaForm>(buildSchemaForm(schema, { initial: { password: MASKED_SECRET } }));
}

describe('JsonSchemaForm', () => {
  let fixture: ComponentFixture<Host>;
  let el: HTMLElement;

  beforeEach(async () => {
    fixture = TestBed.createComponent(Host);
    el = fixture.nativeElement;
    await fixture.whenStable();
  });

  const input = (id: string) => el.querySelector<HTMLInputElement>(`#t-${id}`)!;
  const errorOf = (id: string) => el.querySelector(`#t-${id}-error`)?.textContent?.trim() ?? null;
  async function type(id: string, value: string) {
    const i = input(id);
    i.value = value;
    i.dispatchEvent(new Event('input'));
    i.dispatchEvent(new Event('blur'));
    await fixture.whenStable();
  }

  it('renders one labelled control per property type, with required markers and help', () => {
    expect(el.querySelector('label[for="t-queueUrl"]')?.textContent).toContain('Queue URL');
    expect(el.querySelector('label[for="t-queueUrl"] .required-marker')).not.toBeNull();
    expect(el.querySelector('label[for="t-ratio"] .required-marker')).toBeNull();
    expect(input('queueUrl').type).toBe('url');
    expect(input('batchSize').type).toBe('number');
    expect(input('batchSize').value).toBe('1');
    expect(input('password').type).toBe('password');
    expect(el.querySelector('#t-region')?.tagName).toBe('SELECT');
    expect(el.querySelectorAll('#t-region option')).toHaveLength(3);
    expect(input('fifo').type).toBe('checkbox');
    expect(el.querySelector('#t-attributes')?.tagName).toBe('TEXTAREA');
    expect(input('startAt').type).toBe('datetime-local');
    expect(input('auth-user')).not.toBeNull();
    expect(el.querySelector('#t-queueUrl-help')?.textContent).toContain('The queue to listen to.');
    expect(input('queueUrl').getAttribute('aria-describedby')).toBe('t-queueUrl-help');
  });

  it('never shows a masked stored secret', () => {
    expect(input('password').value).toBe('');
    expect(input('password').getAttribute('autocomplete')).toBe('new-password');
  });

  it('shows no errors before a field is touched', () => {
    expect(el.querySelectorAll('.field-error')).toHaveLength(0);
  });

  it('names the field and the allowed range when a number is out of bounds', async () => {
    await type('batchSize', '0');
    expect(errorOf('batchSize')).toBe('Batch Size must be between 1 and 1000 (got 0).');
    expect(input('batchSize').getAttribute('aria-invalid')).toBe('true');
    await type('batchSize', '1001');
    expect(errorOf('batchSize')).toBe('Batch Size must be between 1 and 1000 (got 1001).');
    await type('batchSize', '2.5');
    expect(errorOf('batchSize')).toBe('Batch Size must be a whole number (got 2.5).');
    await type('batchSize', '10');
    expect(errorOf('batchSize')).toBeNull();
    expect(fixture.componentInstance.form().group.get('batchSize')!.value).toBe(10);
    await type('ratio', '0.1');
    expect(errorOf('ratio')).toBe('Ratio must be at least 0.5 (got 0.1).');
  });

  it('reports required, URL, length and JSON problems', async () => {
    await type('queueUrl', '');
    expect(errorOf('queueUrl')).toBe('Queue URL is required.');
    await type('queueUrl', 'not a url');
    expect(errorOf('queueUrl')).toMatch(/must be a full URL/);
    await type('auth-user', 'ab');
    expect(errorOf('auth-user')).toBe('User must be at least 3 characters (got 2).');
    const attrs = el.querySelector<HTMLTextAreaElement>('#t-attributes')!;
    attrs.value = '{ nope';
    attrs.dispatchEvent(new Event('input'));
    attrs.dispatchEvent(new Event('blur'));
    await fixture.whenStable();
    expect(errorOf('attributes')).toMatch(/^Attributes must be valid JSON/);
    attrs.value = '[1]';
    attrs.dispatchEvent(new Event('input'));
    await fixture.whenStable();
    expect(errorOf('attributes')).toBe('Attributes must be an object in JSON.');
  });

  it('shows every error at once after markAllAsTouched (a submit)', async () => {
    fixture.componentInstance.form().group.markAllAsTouched();
    await fixture.whenStable();
    expect(errorOf('queueUrl')).toBe('Queue URL is required.');
    expect(errorOf('password')).toBe('Password is required.');
    // Required properties of a nested object are enforced even when the object itself is optional (see README).
    expect(errorOf('auth-user')).toBe('User is required.');
  });

  it('shows API error details next to the matching fields', async () => {
    const form = fixture.componentInstance.form();
    const unmatched = applyServerErrors(form.fields, { queueUrl: 'Queue does not exist', 'auth.user': 'Unknown user', other: 'x' });
    await fixture.whenStable();
    expect(errorOf('queueUrl')).toBe('Queue does not exist');
    expect(errorOf('auth-user')).toBe('Unknown user');
    expect(unmatched).toEqual(['other']);
  });
});

describe('schemaFormValue', () => {
  it('returns values in the schema types and leaves out empty optional fields', () => {
    const form = buildSchemaForm(schema);
    form.group.patchValue({
      queueUrl: 'https://sqs.eu-west-1.amazonaws.com/1/orders',
      batchSize: 10,
      password: 's3cret',
      region: 'eu-west-1',
      fifo: true,
      attributes: '{"a":1}',
      startAt: '2026-11-26T08:30',
      auth: { user: 'bob' },
    });
    const value = schemaFormValue(form.fields);
    expect(value).toEqual({
      queueUrl: 'https://sqs.eu-west-1.amazonaws.com/1/orders',
      batchSize: 10,
      password: 's3cret',
      region: 'eu-west-1',
      fifo: true,
      attributes: { a: 1 },
      startAt: new Date('2026-11-26T08:30').toISOString(),
      auth: { user: 'bob' },
    });
    expect(form.group.valid).toBe(true);
  });

  it('treats names in secretFields as write-only secrets and can omit props', () => {
    const form = buildSchemaForm(
      { type: 'object', properties: { token: { type: 'string' }, batchSize: { type: 'integer' }, note: { type: 'string' } } },
      { secretFields: ['token'], omit: ['batchSize'] },
    );
    expect(form.fields.map((f) => [f.key, f.kind])).toEqual([
      ['token', 'secret'],
      ['note', 'string'],
    ]);
    expect(schemaFormValue(form.fields)).toEqual({});
  });
});

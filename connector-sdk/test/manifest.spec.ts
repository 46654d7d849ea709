import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { manifestSchema, SDK_VERSION, validateManifest, type ConnectorManifest } from '../src';
import connector from './fixtures/example-connector';

const clone = (): ConnectorManifest => JSON.parse(JSON.stringify(connector.manifest));

describe('validateManifest', () => {
  it('accepts what defineConnector produces', () => {
    expect(validateManifest(connector.manifest)).toEqual({ ok: true, errors: [] });
  });

  it('reports a changed standard prop with its path', () => {
    const m = clone();
    m.triggers[0].props.properties.batchSize.maximum = 500;
    m.triggers[1].props.required.push('externalId');
    const result = validateManifest(m);
    expect(result.ok).toBe(false);
    expect(result.errors).toEqual([
      { path: 'triggers[0].props.batchSize', message: 'maximum is 1000 (got 500); Batch Size is a standard prop and cannot be changed' },
      { path: 'triggers[1].props.externalId', message: 'must stay optional; External ID is a standard prop and cannot be changed' },
    ]);
  });

  it('reports structural problems as path: message', () => {
    const m = clone() as unknown as Record<string, unknown> & ConnectorManifest;
    m.version = '1.0';
    m.name = 'Example Shop';
    delete (m.triggers[1].props.properties as Record<string, unknown>).batchSize;
    (m.actions[0] as unknown as Record<string, unknown>).color = 'red';
    m.capabilities = ['http', 'net' as never];
    const { errors } = validateManifest(m);
    expect(errors).toEqual(
      expect.arrayContaining([
        { path: 'version', message: 'must be a semantic version like 1.0.0 (got "1.0")' },
        { path: 'name', message: 'must be a lowercase slug like "amazon-sqs" (got "Example Shop")' },
        { path: 'triggers[1].props.properties.batchSize', message: 'is required' },
        { path: 'actions[0].color', message: 'is not allowed here' },
        { path: 'capabilities[1]', message: 'must be one of "http", "store", "log", "sql", "amqp", "kafka" (got "net")' },
      ]),
    );
    expect(errors).toHaveLength(5);
  });

  it('checks names, references, drivers and defaults semantically', () => {
    const m = clone();
    m.actions.push(JSON.parse(JSON.stringify(m.actions[0])));
    m.actions[0].account = 'github';
    delete (m.triggers[0] as Partial<typeof m.triggers[0]>).stream;
    m.actions[0].props.properties.priority.default = 42;
    m.actions[0].props.required.push('ghost');
    m.accounts[1].secretFields = [];
    const { errors } = validateManifest(m);
    expect(errors).toEqual([
      { path: 'actions[1].name', message: 'duplicate name "send-message" (also actions[0]); names must be unique' },
      { path: 'accounts[1].secretFields', message: 'must list the secret prop "secretAccessKey"' },
      { path: 'actions[0].account', message: 'unknown account "github"; accounts: apiKey, aws' },
      { path: 'actions[0].props.required[2]', message: '"ghost" is not one of the props' },
      { path: 'actions[0].props.properties.priority.default', message: "does not fit the prop's own schema: default must be <= 9" },
      { path: 'triggers[0].stream', message: 'a stream trigger must name its driver: { "driver": "amqp" | "sqs" | "kafka" }' },
    ]);
  });

  it('reports a prop schema that is not valid JSON Schema', () => {
    const m = clone();
    m.actions[0].props.properties.priority.minimum = 'zero';
    expect(validateManifest(m).errors).toEqual([
      { path: 'actions[0].props.properties.priority', message: 'is not a valid JSON Schema: schema/minimum must be number' },
    ]);
  });

  it('reports a non-object', () => {
    expect(validateManifest('hello')).toEqual({ ok: false, errors: [{ path: '', message: 'must be object' }] });
  });
});

describe('published manifest schema', () => {
  it('is a valid draft 2020-12 schema and the file the package ships', () => {
    const ajv = new Ajv2020({ strict: true, allowUnionTypes: true });
    expect(ajv.validateSchema(manifestSchema)).toBe(true);
    const file = JSON.parse(readFileSync(join(__dirname, '..', 'schema', 'manifest.schema.json'), 'utf8'));
    expect(manifestSchema).toEqual(file);
    expect(file.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  });

  it('SDK_VERSION follows package.json', () => {
    expect(SDK_VERSION).toBe(JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')).version);
  });
});

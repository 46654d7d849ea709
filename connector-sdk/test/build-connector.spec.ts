import { buildConnector, ConnectorBuildError, connectorTemplateFiles, integrityOf, validateManifest } from '../src';

async function template(): Promise<Record<string, string>> {
  return connectorTemplateFiles({ name: 'acme-crm', displayName: 'Acme CRM' });
}

async function buildError(files: Record<string, string>): Promise<ConnectorBuildError> {
  const err = await buildConnector({ files }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConnectorBuildError);
  return err as ConnectorBuildError;
}

describe('buildConnector from files', () => {
  it('builds the template: valid manifest, SRI integrity, source map of the sources, no SDK warning', async () => {
    const files = await template();
    expect(Object.keys(files)).toEqual(expect.arrayContaining(['src/index.ts', 'src/lib/account.ts', 'src/lib/actions/get-item.ts']));
    expect(files['src/index.ts']).toContain("name: 'acme-crm'");
    const built = await buildConnector({ files, sourceMap: true });
    expect(built.manifest.name).toBe('acme-crm');
    expect(built.manifest.actions.map((a) => a.name)).toEqual(['get-item']);
    expect(validateManifest(built.manifest).ok).toBe(true);
    expect(built.integrity).toBe(integrityOf(built.bundle));
    expect(built.warnings).toEqual([]);
    const map = JSON.parse(built.sourceMap ?? '{}') as { sources: string[] };
    expect(map.sources).toContain('../src/lib/actions/get-item.ts');
    expect(built.bundle).not.toContain('sourceMappingURL');
  });

  it('reads the manifest with the given loader instead of node:vm', async () => {
    const seen: string[] = [];
    const files = await template();
    const built = await buildConnector({
      files,
      loadManifest: async (code) => {
        seen.push(code);
        throw new Error('the sandbox refused it');
      },
    }).catch((e: ConnectorBuildError) => e);
    expect(seen).toHaveLength(1);
    expect(built).toBeInstanceOf(ConnectorBuildError);
    expect((built as ConnectorBuildError).message).toBe('the bundle fails when evaluated: the sandbox refused it');
  });

  it('names the file, line and 1-based column of a syntax error', async () => {
    const files = await template();
    files['src/lib/actions/get-item.ts'] = files['src/lib/actions/get-item.ts'].replace("name: 'get-item',", "name: 'get-item',,");
    const line = files['src/lib/actions/get-item.ts'].split('\n').findIndex((l) => l.includes(',,')) + 1;
    const err = await buildError(files);
    expect(err.problems).toEqual([{ path: `src/lib/actions/get-item.ts:${line}:20`, message: 'Expected identifier but found ","' }]);
  });

  it('names the importing file of a Node built-in', async () => {
    const files = await template();
    files['src/lib/common/client.ts'] = `import { readFileSync } from 'fs';\nexport const x = readFileSync;\n${files['src/lib/common/client.ts']}`;
    const err = await buildError(files);
    expect(err.problems[0].path).toBe('src/lib/common/client.ts:1:30');
    expect(err.problems[0].message).toContain("imports 'fs': connector code runs in a sandbox without Node APIs");
  });

  it('reports a connector that throws while being defined, with the builder\'s message', async () => {
    const files = await template();
    files['src/index.ts'] = files['src/index.ts'].replace("version: '0.1.0'", "version: 'one'");
    const err = await buildError(files);
    expect(err.problems).toEqual([{ path: '', message: 'the bundle fails when evaluated: Connector "acme-crm": version "one" is not a semantic version like 1.0.0' }]);
  });

  it('refuses paths outside the connector folder and a missing src/index.ts', async () => {
    const traversal = await buildError({ 'src/index.ts': 'export default 1;', '../escape.ts': 'x' });
    expect(traversal.problems).toEqual([{ path: '../escape.ts', message: expect.stringContaining('inside the connector folder') }]);
    const absolute = await buildError({ 'src/index.ts': 'export default 1;', '/tmp/x.ts': 'x' });
    expect(absolute.problems[0].path).toBe('/tmp/x.ts');
    const missing = await buildError({ 'src/lib/a.ts': 'export const a = 1;' });
    expect(missing.problems).toEqual([{ path: 'src/index.ts', message: expect.stringContaining('is missing') }]);
  });
});

// DEV FIXTURE ONLY: the Connector Studio routes of the dev fake API (see dev-fake-api.mjs).
// Template and build are real (the SDK's template and its buildConnector from connector-sdk/dist,
// evaluated with node:vm on this machine like the CLI does); test runs are canned, because the
// sandbox needs Node started with --no-node-snapshot. Not the API.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const sdkDir = fileURLToPath(new URL('../../connector-sdk/', import.meta.url));

const published = [
  { name: 'acme-crm', displayName: 'Acme CRM', description: 'Reads items from the Acme CRM API.', icon: '', latestVersion: '1.1.0', highestVersion: '1.2.0', updatedAt: '2026-11-25T10:00:00Z',
    versions: [
      { version: '1.2.0', deprecated: false, yanked: true, signed: false, publishedAt: '2026-11-25T10:00:00Z' },
      { version: '1.1.0', deprecated: false, yanked: false, signed: true, publishedAt: '2026-11-22T10:00:00Z' },
      { version: '1.0.0', deprecated: true, yanked: false, signed: false, publishedAt: '2026-11-18T10:00:00Z' },
    ] },
];

function templateFiles(name) {
  const displayName = name.split('-').map((w) => w[0].toUpperCase() + w.slice(1)).join(' ');
  const files = {};
  const walk = (dir, prefix) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name), `${prefix}${e.name}/`);
      else files[`${prefix}${e.name}`] = readFileSync(join(dir, e.name), 'utf8').replace(/\{\{(name|displayName)\}\}/g, (_m, k) => (k === 'name' ? name : displayName));
    }
  };
  walk(join(sdkDir, 'template', 'src'), 'src/');
  return files;
}

const error = (status, code, message, details = []) => ({ status, body: { error: { code, message, details } } });

/** Answers a studio route, or undefined when the path is not one. */
export async function studioApi(method, path, query, body) {
  if (path === '/api/v1/studio/template') return { body: { files: templateFiles(query.get('name') || 'my-connector') } };
  if (path === '/api/v1/studio/connectors') return { body: { items: published, nextCursor: null } };
  if (path === '/api/v1/studio/build' && method === 'POST') {
    const { buildConnector, ConnectorBuildError } = require(join(sdkDir, 'dist', 'index.js'));
    try {
      const built = await buildConnector({ files: body.files, sourceMap: true });
      return { body: { manifest: built.manifest, bundle: built.bundle, integrity: built.integrity, sourceMap: built.sourceMap ?? null, warnings: built.warnings } };
    } catch (err) {
      if (err instanceof ConnectorBuildError) return error(422, 'BUILD_FAILED', `The connector does not build: ${err.message}`, err.problems);
      throw err;
    }
  }
  if (path === '/api/v1/studio/test' && method === 'POST') {
    const at = new Date().toISOString();
    const logs = [{ level: 'info', message: `GET https://api.example.com/items/${body.props?.itemId ?? ''}`, at }];
    return { body: { ok: false, op: body.op === 'action' ? 'action.run' : 'trigger.poll', output: null, durationMs: 38, logs: [...logs, { level: 'error', message: 'The API key was refused (HTTP 401): check the account', at }],
      error: { name: 'Error', message: 'The API key was refused (HTTP 401): check the account', file: 'src/lib/common/client.ts', line: 12, column: 49,
        stack: 'Error: The API key was refused (HTTP 401): check the account\n    at apiGet (src/lib/common/client.ts:12:49)\n    at async run (src/lib/actions/get-item.ts:15:12)' } } };
  }
  if (path === '/api/v1/registry/connectors' && method === 'POST') {
    const { name, version, displayName, description } = body.manifest ?? {};
    let c = published.find((x) => x.name === name);
    if (c?.versions.some((v) => v.version === version)) return error(409, 'VERSION_EXISTS', `${name}@${version} is already published; versions are immutable: raise the version`);
    if (!c) published.push((c = { name, displayName, description, icon: '', latestVersion: version, highestVersion: version, updatedAt: new Date().toISOString(), versions: [] }));
    c.versions.unshift({ version, deprecated: false, yanked: false, signed: false, publishedAt: new Date().toISOString() });
    c.latestVersion = version;
    return { status: 201, body: { name, version, integrity: body.integrity, publishedAt: new Date().toISOString() } };
  }
  return undefined;
}

import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONFIG_VARIABLES } from '@flowport/core';

const ROOT = path.resolve(__dirname, '..', '..', '..');

describe('docs/operations.md', () => {
  const doc = fs.readFileSync(path.join(ROOT, 'docs', 'operations.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## Configuration'), doc.indexOf('## docker-compose.yml'));
  const rows = section
    .split('\n')
    .filter((l) => l.startsWith('| `'))
    .map((l) => l.split('|').map((c) => c.trim()))
    .map((cells) => ({ name: cells[1].replace(/`/g, ''), default: cells[2].replace(/`/g, '') }));

  it('lists exactly the variables core reads, with their defaults', () => {
    expect(rows.map((r) => r.name).sort()).toEqual(CONFIG_VARIABLES.map((v) => v.name).sort());
    for (const v of CONFIG_VARIABLES) expect({ name: v.name, default: rows.find((r) => r.name === v.name)?.default }).toEqual({ name: v.name, default: v.default });
  });
});

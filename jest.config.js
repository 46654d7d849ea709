// One Jest run for the whole repository: every workspace package with a jest.config.js is a project.
const fs = require('node:fs');
const path = require('node:path');
const { workspaces } = require('./package.json');

const projects = [];
for (const pattern of workspaces) {
  const base = pattern.endsWith('/*') ? pattern.slice(0, -2) : null;
  const dirs = base
    ? fs.readdirSync(path.join(__dirname, base), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => path.join(base, d.name))
    : [pattern];
  for (const dir of dirs) if (fs.existsSync(path.join(__dirname, dir, 'jest.config.js'))) projects.push(`<rootDir>/${dir}`);
}

// Browser tests (playwright-core + Debian's chromium against the real platform) live inside
// studio-ui but are a Node project of their own.
projects.push('<rootDir>/studio-ui/browser-tests');

module.exports = {
  projects,
  // Integration tests start real servers (PostgreSQL databases, brokers, isolates); per-project
  // values do not apply in a multi-project run, so the default lives here.
  testTimeout: 30_000,
  reporters: ['default', '<rootDir>/.ci/summary-reporter.js'],
};

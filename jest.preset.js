// Shared Jest settings for every Node package: SWC transforms TypeScript (decorators included),
// and @flowport/* imports resolve to the packages' sources so tests never need a prior build.
const fs = require('node:fs');
const path = require('node:path');

const root = __dirname;
const swc = JSON.parse(fs.readFileSync(path.join(root, '.swcrc'), 'utf8'));

function workspaceSources() {
  const { workspaces } = require('./package.json');
  const map = {};
  for (const pattern of workspaces) {
    const dirs = pattern.endsWith('/*')
      ? fs.readdirSync(path.join(root, pattern.slice(0, -2)), { withFileTypes: true })
          .filter((d) => d.isDirectory())
          .map((d) => path.join(root, pattern.slice(0, -2), d.name))
      : [path.join(root, pattern)];
    for (const dir of dirs) {
      const pkgFile = path.join(dir, 'package.json');
      if (!fs.existsSync(pkgFile)) continue;
      const { name } = JSON.parse(fs.readFileSync(pkgFile, 'utf8'));
      const entry = path.join(dir, 'src', 'index.ts');
      if (fs.existsSync(entry)) map[`^${name.replace('/', '\\/')}$`] = entry;
    }
  }
  return map;
}

module.exports = (projectDir, overrides = {}) => ({
  displayName: require(path.join(projectDir, 'package.json')).name,
  rootDir: projectDir,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
  transform: { '^.+\\.(t|j)s$': ['@swc/jest', { ...swc, swcrc: false }] },
  moduleNameMapper: workspaceSources(),
  testTimeout: 30_000,
  ...overrides,
});

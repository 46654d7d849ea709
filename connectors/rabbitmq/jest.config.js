// @flowport/runtime's root pulls in NestJS 12 (ESM only): use core's config that compiles it with SWC.
module.exports = require('../../services/core/jest.esm.js')(__dirname);

// The produce test runs the runtime's kafka capability from @flowport/runtime, whose root pulls in
// NestJS 12 (ESM only): use core's config that compiles it with SWC.
module.exports = require('../../services/core/jest.esm.js')(__dirname);

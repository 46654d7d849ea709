// Test support shared by several packages' tests. Never imported by shipped code.
export { buildConnectorPackage, type BuiltConnector } from './build-connector';
export { createTestDatabase, type TestDatabase } from './database';
export { startFauxqs, type FauxqsServer } from './fauxqs';
export { freePort, waitFor } from './net';

// Test-only Kafka broker for the Kafka connector's tests; see testing/README.md for its limits.
export { startTestBroker } from './broker';
export type { TestBroker, TestBrokerOptions } from './broker';
export type { GroupMemberSnapshot, GroupSnapshot, GroupState } from './groups';
export type { HeaderValue, TestRecord } from './records';
export { ErrorCode } from './errors';

// The Kafka connector itself is built in a later issue; this package currently only hosts the
// wire-protocol test broker under testing/, which is deliberately not exported from here.
export {};

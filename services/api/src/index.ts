export * from './platform';
export * from './roles';
export * from './gateway';
export * from './seed/seed-connectors';

export * from './platform';
export * from './roles';

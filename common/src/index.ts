export * from './access-token';
export * from './dev-secret';
export * from './ledger-events';
export * from './logger';
export * from './repo-root';
export * from './service-token';

export * from './access-token';
export * from './dev-secret';
export * from './logger';
export * from './repo-root';

import './express-request';

export * from './access-token';
export * from './app-error';
export * from './dev-secret';
export * from './display-text';
export * from './error-responder';
export * from './event-link';
export * from './ledger-events';
export * from './logger';
export * from './nats-connect';
export * from './repo-root';
export * from './request-id';
export * from './run-service';
export * from './service-config';
export * from './service-token';
export * from './redis';
export * from './session-ends';
export * from './tracing-config';

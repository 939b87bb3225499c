export * from './errors';
export * from './api-settings';
export * from './auth/api-keys';
export { RedisApiKeyStore } from './auth/redis-api-key-store';
export { buildApp, type BuildAppOptions, type RouteAccess } from './build-app';
export { apiCommand, API_USAGE } from './api-command';
export { keysCommand, KEYS_USAGE } from './auth/keys-command';

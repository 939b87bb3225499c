export * from './config-error';
export * from './settings';

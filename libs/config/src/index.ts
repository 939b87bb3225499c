export * from './config-error';
export * from './settings';
export * from './kafka-settings';
export * from './pid-file';

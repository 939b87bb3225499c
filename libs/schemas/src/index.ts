export * from './types';
export { EVENT_NAMES, RAW_EVENT_NAMES, isEventName } from './event-names';
export type { EventName, EventTypeMap, RawEventName } from './event-names';
export { encode, decode, decodeRaw } from './codec';
export type { DecodeFailure, DecodeResult, DecodeSuccess } from './codec';
export { SCHEMA_ERROR_CODES, SCHEMA_ERROR_CODE_LIST, SchemaError, isSchemaError } from './errors';
export type { SchemaErrorCode, SchemaErrorOptions, SchemaErrorType } from './errors';
export { fingerprintOf } from './registry';

/**
 * @tickflow/stream — the event-time stream runtime: watermarks, keyed tumbling windows with allowed
 * lateness, event-time TTL state and deterministic snapshots. Pure: no I/O.
 */
export { SNAPSHOT_ERROR_CODES, SnapshotError } from './errors';
export type { SnapshotErrorCode } from './errors';
export { MAX_WATERMARK, MIN_WATERMARK, Watermark } from './watermark';
export type { WatermarkOptions, WatermarkState } from './watermark';
export { TumblingWindowOperator, alignWindowStart } from './tumbling-window-operator';
export type { AddOutcome, TumblingWindowEndGroup, TumblingWindowOptions, TumblingWindowState, WindowAggregator } from './tumbling-window-operator';
export { TtlMap } from './ttl-map';
export type { TtlMapOptions, TtlMapState } from './ttl-map';
export { SweptTtlMap } from './swept-ttl-map';
export type { SweptTtlMapOptions, SweptTtlMapState } from './swept-ttl-map';
export { TtlSet } from './ttl-set';
export type { TtlSetOptions, TtlSetState } from './ttl-set';
export { SNAPSHOT_FORMAT_VERSION, SNAPSHOT_MAGIC, decodeSnapshot, encodeSnapshot } from './snapshot-codec';

// Public entry of @tickflow/indicators: incremental, O(1)-per-update technical indicators following
// TA-Lib's conventions, with JSON-able state snapshots for checkpoints. Pure: no I/O, no imports of
// other tickflow packages.
export { Ema } from './ema';
export type { EmaState } from './ema';
export { Macd } from './macd';
export type { MacdState } from './macd';
export { Rsi } from './rsi';
export type { RsiState } from './rsi';
export { Bollinger } from './bollinger';
export type { BollingerState } from './bollinger';
export { SessionVwap } from './session-vwap';
export type { SessionVwapState } from './session-vwap';
export { RollingVwap } from './rolling-vwap';
export type { RollingVwapState } from './rolling-vwap';
export { RealizedVol } from './realized-vol';
export type { RealizedVolState } from './realized-vol';
export { spread } from './spread';
export { imbalance } from './imbalance';
export { IndicatorErrorCode, IndicatorRangeError } from './errors';

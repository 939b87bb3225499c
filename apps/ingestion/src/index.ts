export { MarketSimulator } from './simulator/market-simulator';
export {
  DEFAULT_SIMULATOR_OPTIONS,
  DEFAULT_STATUS_MIX,
  DEFAULT_SYMBOLS,
  SIM_TRADE_STATUSES,
  resolveSimulatorOptions,
  type ResolvedSimulatorOptions,
  type SimSymbol,
  type SimulatorOptions,
  type StatusMix,
  type SymbolSpec,
} from './simulator/simulator-options';
export { simEventTopic, type RawTopic, type SimEvent } from './simulator/sim-event';
export { MALFORMED_DEFECTS, malformedEvent, type MalformedEvent } from './simulator/malformed-event';
export { SeededRandom } from './simulator/seeded-random';

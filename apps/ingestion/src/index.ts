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
export {
  MarketDataProducer,
  RAW_TOPICS,
  toKafkaMessage,
  type MarketDataProducerOptions,
  type ProducerEvent,
  type ProducerStats,
  type RawBytesEvent,
  type WireFormat,
} from './kafka/market-data-producer';
export {
  EventTimePacer,
  SYSTEM_CLOCK,
  mergeByTimestamp,
  readRecordedFiles,
  readRecordedLines,
  recordedFileList,
  recordedLineToEvent,
  type EventTimePacerOptions,
  type PacingClock,
  type RecordedFiles,
  type RecordedLine,
} from './kafka/recorded-file-source';
export {
  DEFAULT_BROKERS,
  checkRawTopics,
  createTopicsThenCheck,
  pumpEvents,
  runIngest,
  type IngestCommonOptions,
  type IngestOptions,
  type IngestProgress,
  type IngestSummary,
  type PumpOptions,
  type ReplayIngestOptions,
  type SimulateIngestOptions,
} from './kafka/ingest';
export { parseIngestArgs, type IngestPlan } from './ingest-args';
export { ingestProgressLine } from './ingest-progress-line';
export { INGEST_USAGE, REPLAY_USAGE, SIMULATE_USAGE, ingestCommand, type IngestCommandIo } from './cli';

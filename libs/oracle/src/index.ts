export { oracleTradeAggregates, type OracleAggregate, type OracleWindowSize } from './oracle-trade-aggregates';
export { oracleMicroBars, type OracleBar } from './oracle-micro-bars';
export { OracleError, ORACLE_ERROR_CODES, type OracleErrorCode } from './errors';

import { parseArgs } from 'node:util';
import { ConfigError } from '@tickflow/config';
import { runReplay } from '../replay/run-replay';
import { progressLine } from './progress-line';

const USAGE = `tickflow — real-time market data: ticks in; bars, indicators, aggregates and alerts out.

Usage: tickflow <command> [options]

Commands:
  start     The embedded profile: the whole platform in one process, dashboard on http://localhost:8080
  replay    Run the whole processor topology over recorded NDJSON files, one output file per topic
  ingest    Produce market data to Kafka: the simulator, or recorded files with a speed factor
  process   Run the processor on Kafka (exactly-once, checkpoints in Redis)
  topics    List the topic catalogue; --create makes the missing topics on a cluster
  store     Write the output topics into ClickHouse (chDB or CLICKHOUSE_URL), exactly once
  migrate   Apply the ClickHouse migrations (clickhouse/*.sql) to chDB or the CLICKHOUSE_URL server
  lake      Write enriched trades and aggregates from Kafka to the Parquet lake (date=/hour=)
  sql       Run one read-only SQL query over the Parquet lake (admin; DuckDB, locked down)
  api       Serve REST /v1, GraphQL, the live WebSocket feed and alert webhooks
  keys      Create, list and revoke API keys
  bench     Run the benchmarks (operators, pipeline, storage, api) and summarise bench/results/*.json

Run 'tickflow <command> --help' for a command's options.`;

const REPLAY_USAGE = `Usage: tickflow replay --out DIR [--trades FILE] [--quotes FILE] [--books FILE] [--reference FILE]

Runs the processor topology in-process over recorded files (one JSON event per line, merged by
timestamp_ms) and writes each output topic to DIR/<topic>.ndjson, e.g. ta.bars.1s.v1.ndjson,
ta.signals.v1.ndjson, analytics.trade-aggregates.ndjson. At end of input every window fires.

  --trades FILE      raw trades (seed 000 RawTradeEvent fields: trade_id, order_id, symbol, side,
                     quantity, price, status, exchange, trader_id, account_id, timestamp_ms, event_type)
  --quotes FILE      quotes: symbol, timestamp_ms, bid, bid_size, ask, ask_size, exchange[, last]
  --books FILE       book snapshots: symbol, timestamp_ms, bids/asks [{price, quantity}], exchange
  --reference FILE   reference symbols (.csv or .parquet); default: the built-in list
  --out DIR          output directory (created if missing)
  --quiet            no progress output`;


async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  if (command === 'replay') return replay(rest);
  if (command === 'ingest') {
    const { ingestCommand } = await import('@tickflow/ingestion');
    return ingestCommand(rest);
  }
  if (command === 'topics') {
    const { topicsCommand } = await import('../kafka/topics-command');
    return topicsCommand(rest);
  }
  if (command === 'process') {
    const { processCommand } = await import('../kafka/process-command');
    return processCommand(rest);
  }
  if (command === 'lake') {
    const { lakeCommand } = await import('../lake/lake-command');
    return lakeCommand(rest);
  }
  if (command === 'sql') {
    const { sqlCommand } = await import('../lake/sql-command');
    return sqlCommand(rest);
  }
  if (command === 'store') {
    const { storeCommand } = await import('../storage/store-command');
    return storeCommand(rest);
  }
  if (command === 'migrate') {
    const { migrateCommand } = await import('@tickflow/clickhouse');
    return migrateCommand(rest);
  }
  if (command === 'api') {
    const { apiCommand } = await import('@tickflow/api');
    return apiCommand(rest);
  }
  if (command === 'keys') {
    const { keysCommand } = await import('@tickflow/api');
    return keysCommand(rest);
  }
  if (command === 'bench') {
    const { benchCommand } = await import('./bench-command');
    return benchCommand(rest);
  }
  if (command === 'start') {
    const { startCommand } = await import('../embedded/start-command');
    return startCommand(rest);
  }
  console.error(`tickflow: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
  return 2;
}

async function replay(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      trades: { type: 'string' },
      quotes: { type: 'string' },
      books: { type: 'string' },
      reference: { type: 'string' },
      out: { type: 'string' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(REPLAY_USAGE);
    return 0;
  }
  if (!values.out) throw new ConfigError('--out', 'an output directory', '');
  const showProgress = !values.quiet && process.stderr.isTTY;
  const summary = await runReplay({
    trades: values.trades,
    quotes: values.quotes,
    books: values.books,
    reference: values.reference,
    outDir: values.out,
    onProgress: showProgress ? (p) => process.stderr.write(progressLine(p.records, p.elapsedMs, p.done)) : undefined,
  });
  const rate = Math.round(summary.records / (summary.elapsedMs / 1000));
  console.log(`replayed ${summary.records} records in ${(summary.elapsedMs / 1000).toFixed(2)} s (${rate}/s) → ${values.out}`);
  for (const [topic, n] of Object.entries(summary.outputs).sort()) console.log(`  ${topic.padEnd(30)} ${n}`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof ConfigError || (err instanceof Error && 'code' in err && String((err as { code: unknown }).code).startsWith('ERR_PARSE_ARGS'))) {
      console.error(`tickflow: ${err.message}`);
      process.exitCode = 2;
    } else {
      console.error(`tickflow: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = 1;
    }
  },
);

/**
 * The REST benchmark's load generator, in its own process so it does not share the API's event
 * loop: autocannon at a fixed overall request rate over the history routes, each request a random
 * one of three shapes. Prints autocannon's result as one JSON line on stdout. Benchmark-only.
 *
 * Usage: node bin/run-ts.mjs bench/api-rest-load.ts '<json config>'
 */
import autocannon from 'autocannon';

export interface RestLoadConfig {
  baseUrl: string;
  apiKey: string;
  /** Requests per second over all connections. */
  rate: number;
  connections: number;
  durationS: number;
  /** Paths (with query strings) to pick from at random, per request. */
  paths: string[];
}

const config = JSON.parse(process.argv[2] ?? '{}') as RestLoadConfig;
let i = 0;
const result = await autocannon({
  url: config.baseUrl,
  connections: config.connections,
  duration: config.durationS,
  overallRate: config.rate,
  headers: { 'x-api-key': config.apiKey },
  requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: config.paths[(i = (i + 7919) % config.paths.length)]! }) }],
});
process.stdout.write(JSON.stringify(result) + '\n');

// Runs several queries against one ClickHouse in a process of its own and writes their rows, one
// JSON array per query, to a file: a test process may already hold another chDB directory (one per
// process), and the results can be larger than a pipe buffer. The ClickHouse is the one the
// environment names, as for the apps: CLICKHOUSE_URL (a server) or TICKFLOW_CLICKHOUSE_PATH (chDB),
// and CLICKHOUSE_DATABASE. With `"dropDatabase": true` the database is dropped afterwards.
import { readFileSync, writeFileSync } from 'node:fs';
import { createClickHouse, loadClickHouseSettings } from '@tickflow/clickhouse';

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: ch-query-many.ts <input.json {"queries": [sql…], "dropDatabase"?: bool}> <output.json>');
  process.exit(2);
}
const { queries, dropDatabase } = JSON.parse(readFileSync(input, 'utf8')) as { queries: string[]; dropDatabase?: boolean };
const settings = loadClickHouseSettings({}, process.env);
const ch = await createClickHouse(settings);
try {
  const results: unknown[][] = [];
  for (const sql of queries) results.push(await ch.query(sql));
  writeFileSync(output, JSON.stringify(results));
  if (dropDatabase) await ch.command('DROP DATABASE IF EXISTS {db:Identifier} SYNC', { db: settings.database });
} finally {
  await ch.close();
}

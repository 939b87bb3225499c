// Runs one query against a chDB directory in a process of its own and prints the rows as JSON:
// a test process may already hold another chDB directory (one per process).
import { createClickHouse } from '@tickflow/clickhouse';

const [path, sql] = process.argv.slice(2);
if (!path || !sql) {
  console.error('usage: ch-query.ts <chdb-dir> <sql>');
  process.exit(2);
}
const ch = await createClickHouse({ backend: 'chdb', path, database: 'tickflow' });
try {
  process.stdout.write(JSON.stringify(await ch.query(sql)));
} finally {
  await ch.close();
}

import type { IngestProgress } from './kafka/ingest';

/**
 * A one-line progress indicator for a terminal, rewritten in place with `\r` (the final one ends
 * with a newline): `  ingesting: 120,000 records, 98,500/s, 1.2 s`.
 */
export function ingestProgressLine(p: IngestProgress): string {
  const line = `\r  ${p.done ? 'done' : 'ingesting'}: ${Math.round(p.sent).toLocaleString('en-US')} records, ${Math.round(p.rate).toLocaleString('en-US')}/s, ${(p.elapsedMs / 1000).toFixed(1)} s`;
  // Pad so a shorter line fully covers the previous one.
  return p.done ? `${line.padEnd(64)}\n` : line.padEnd(64);
}

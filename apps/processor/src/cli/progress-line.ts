/** A one-line progress indicator for long work on a terminal (rewritten in place with \r). */
export function progressLine(records: number, elapsedMs: number, done: boolean): string {
  const rate = elapsedMs > 0 ? Math.round(records / (elapsedMs / 1000)) : 0;
  const line = `\r  ${done ? 'done' : 'replaying'}: ${records.toLocaleString('en-US')} records, ${rate.toLocaleString('en-US')}/s, ${(elapsedMs / 1000).toFixed(1)} s`;
  return done ? `${line}\n` : line;
}

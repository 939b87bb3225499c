import { describe, expect, it } from 'vitest';
import { hourBucket, hourPartitionPath, lakeFileName, parseLakeFileName } from './lake-layout';

describe('lake layout', () => {
  it.each([
    ['2024-08-08T00:00:00.000Z', 'date=2024-08-08/hour=00'],
    ['2024-08-08T09:59:59.999Z', 'date=2024-08-08/hour=09'],
    ['2024-08-08T23:30:00.000Z', 'date=2024-08-08/hour=23'],
    ['2024-08-09T00:00:00.000Z', 'date=2024-08-09/hour=00'],
    ['2024-02-29T12:00:00.000Z', 'date=2024-02-29/hour=12'],
  ])('%s lands in %s (UTC)', (iso, path) => {
    expect(hourPartitionPath(hourBucket(Date.parse(iso)))).toBe(path);
  });

  it('names files by partition and zero-padded offset range, and parses them back', () => {
    expect(lakeFileName(3, 1200, 1799)).toBe('p3-000000001200-000000001799.parquet');
    expect(parseLakeFileName('p3-000000001200-000000001799.parquet')).toEqual({ partition: 3, firstOffset: 1200, lastOffset: 1799 });
    expect(parseLakeFileName('p3-000000001200-000000001799.parquet.tmp', true)).toEqual({ partition: 3, firstOffset: 1200, lastOffset: 1799 });
    // Offsets beyond 12 digits still round-trip.
    expect(parseLakeFileName(lakeFileName(0, 1_000_000_000_000, 1_000_000_000_001))).toEqual({ partition: 0, firstOffset: 1_000_000_000_000, lastOffset: 1_000_000_000_001 });
  });

  it.each(['p3-1-2.parquet.tmp', 'x3-1-2.parquet', 'p3-5-2.parquet', 'p3-1-2.csv', 'notes.txt', 'p-1-2.parquet'])('%s is not a published lake file', (name) => {
    expect(parseLakeFileName(name)).toBeNull();
  });
});

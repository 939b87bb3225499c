import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseLakeFileName, type LakeFileName } from '@tickflow/analytics';

/** A file of one source partition in a dataset directory: published (`*.parquet`) or being written (`*.parquet.tmp`). */
export interface PartitionFile extends LakeFileName {
  path: string;
  temp: boolean;
}

/**
 * Every lake file and temp file under a dataset directory, by source partition. Walks the whole
 * tree (`date=*\/hour=*\/`, or deeper): a late record can land in any hour. Other files are ignored.
 */
export function listDatasetFiles(dir: string): Map<number, PartitionFile[]> {
  const out = new Map<number, PartitionFile[]>();
  const walk = (d: string): void => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const e of entries) {
      const path = join(d, e.name);
      if (e.isDirectory()) {
        walk(path);
        continue;
      }
      if (!e.isFile()) continue;
      const published = parseLakeFileName(e.name);
      const temp = published ? null : parseLakeFileName(e.name, true);
      const parsed = published ?? temp;
      if (!parsed) continue;
      let list = out.get(parsed.partition);
      if (!list) out.set(parsed.partition, (list = []));
      list.push({ ...parsed, path, temp: temp !== null });
    }
  };
  walk(dir);
  return out;
}

export interface RecoveryPlan {
  /** Offset to resume consuming from: every record below it is in a kept file, every record from it on is rewritten. */
  startOffset: number;
  /** Files to delete before resuming: all temp files, and published files holding offsets ≥ startOffset. */
  remove: PartitionFile[];
  /** startOffset is below the committed offset: a published file straddled it (an offset reset backwards). */
  rewound: boolean;
}

export class LakeRecoveryError extends Error {
  override readonly name = 'LakeRecoveryError';
  readonly code = 'LAKE_RECOVERY_CONFLICT';
}

/**
 * Where one source partition resumes, and which files go, so that records already in the lake are
 * neither lost nor written twice.
 *
 * Files are published (renamed into place) before the offsets after them are committed. So a
 * published file whose first offset is ≥ the committed offset is a leftover of a run that crashed
 * between the rename and the commit: it is deleted and its records are read again — possibly into
 * files with other boundaries, which is why leftovers are deleted rather than overwritten by name.
 * Files wholly below the committed offset are kept.
 *
 * A file straddling the start (first < start ≤ last) cannot come from this writer's own commits
 * (it commits at file-batch boundaries); it means the group's offset was moved back by hand. Then
 * the start moves back to that file's first offset (and repeats, since one batch's hour files
 * interleave), so the file is rewritten whole instead of partly duplicated — as long as Kafka still
 * holds those records (≥ the low watermark); otherwise the conflict is reported, not guessed at.
 *
 * @param committed the group's committed offset, or −1 when it has none.
 * @param lowWatermark the partition's earliest offset still in Kafka.
 */
export function planRecovery(files: readonly PartitionFile[], committed: number, lowWatermark: number): RecoveryPlan {
  // Kafka can only serve offsets ≥ the low watermark (kafkajs resets a committed offset below it to the earliest).
  const initial = Math.max(committed >= 0 ? committed : lowWatermark, lowWatermark);
  const published = files.filter((f) => !f.temp);
  let start = initial;
  for (let moved = true; moved; ) {
    moved = false;
    for (const f of published) {
      if (f.firstOffset < start && f.lastOffset >= start) {
        if (f.firstOffset < lowWatermark) {
          throw new LakeRecoveryError(
            `${f.path} holds offsets ${f.firstOffset}–${f.lastOffset} across the resume offset ${start}, but Kafka no longer holds offsets below ${lowWatermark}: ` +
              'rewriting it would lose records and keeping it would duplicate some. Move the file aside (or reset the group offset past it) and restart.',
          );
        }
        start = f.firstOffset;
        moved = true;
      }
    }
  }
  const remove = files.filter((f) => f.temp || f.firstOffset >= start);
  return { startOffset: start, remove, rewound: start < initial };
}

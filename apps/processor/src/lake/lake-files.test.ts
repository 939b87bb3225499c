import { describe, expect, it } from 'vitest';
import { LakeRecoveryError, planRecovery, type PartitionFile } from './lake-files';

const file = (first: number, last: number, temp = false): PartitionFile => ({ partition: 0, firstOffset: first, lastOffset: last, path: `f${first}-${last}${temp ? '.tmp' : ''}`, temp });
const paths = (fs: PartitionFile[]): string[] => fs.map((f) => f.path).sort();

describe('planRecovery', () => {
  it('keeps committed files and resumes at the committed offset', () => {
    const plan = planRecovery([file(0, 99), file(100, 199)], 200, 0);
    expect(plan).toEqual({ startOffset: 200, remove: [], rewound: false });
  });

  it('deletes files published after the last commit (a crash between rename and commit), and every temp file', () => {
    // Committed 200; the batch 200–349 was renamed (two hour files) but not committed; 350–400 was being written.
    const files = [file(0, 199), file(200, 340), file(210, 349), file(350, 400, true)];
    const plan = planRecovery(files, 200, 0);
    expect(plan.startOffset).toBe(200);
    expect(paths(plan.remove)).toEqual(['f200-340', 'f210-349', 'f350-400.tmp']);
    expect(plan.rewound).toBe(false);
  });

  it('starts from the low watermark when the group has no commit, deleting what it will rewrite', () => {
    expect(planRecovery([file(0, 9), file(10, 19)], -1, 10)).toEqual({ startOffset: 10, remove: [file(10, 19)], rewound: false });
    expect(paths(planRecovery([file(0, 9), file(10, 19)], -1, 0).remove)).toEqual(['f0-9', 'f10-19']);
  });

  it('rewinds to rewrite a file the committed offset cuts through (an offset reset backwards), following interleaved hour files', () => {
    // One batch 100–199 wrote two hour files whose ranges interleave: 100–180 and 150–199. The group was reset to 160.
    const files = [file(0, 99), file(100, 180), file(150, 199), file(200, 250)];
    const plan = planRecovery(files, 160, 0);
    // 160 cuts 100–180 → start 100; nothing else straddles 100.
    expect(plan.startOffset).toBe(100);
    expect(paths(plan.remove)).toEqual(['f100-180', 'f150-199', 'f200-250']);
    expect(plan.rewound).toBe(true);
  });

  it('refuses to rewind below what Kafka still holds', () => {
    expect(() => planRecovery([file(0, 120)], 100, 50)).toThrow(LakeRecoveryError);
  });

  it('treats a committed offset below the low watermark as the low watermark', () => {
    // Records 100–149 are gone from Kafka: the uncommitted file holding them is kept, not deleted.
    const plan = planRecovery([file(0, 99), file(100, 149), file(150, 199)], 100, 150);
    expect(plan.startOffset).toBe(150);
    expect(paths(plan.remove)).toEqual(['f150-199']);
  });
});

#!/usr/bin/env node
// Applies tickflow's fixes to installed dependencies (run by ensure-deps and npm's postinstall).
// Each fix replaces one file whose upstream content is pinned by hash: when a dependency upgrade
// changes that file, this fails loudly instead of silently dropping or mis-applying the fix.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export const PATCHES = [
  {
    // read_committed consumers see records of aborted transactions (see the replacement's header).
    target: 'node_modules/kafkajs/src/consumer/filterAbortedMessages.js',
    upstreamSha256: '54ce50f2a41ee1686da8b73bf8b502c7dd07c9d7cb0a494cdb36a7fc536ced8e',
    replacement: 'libs/kafka/patches/filter-aborted-messages.cjs',
  },
  {
    // Quadratic grouping of a send's messages by partition (see the replacement's header).
    target: 'node_modules/kafkajs/src/producer/groupMessagesPerPartition.js',
    upstreamSha256: 'ea72357721fbf67770b5e06b9bf4260faa1e60f3affb556bff2cc7892c1881fb',
    replacement: 'libs/kafka/patches/group-messages-per-partition.cjs',
  },
];

const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');

export function applyPatches({ quiet = false } = {}) {
  for (const p of PATCHES) {
    const target = join(root, p.target);
    if (!existsSync(target)) throw new Error(`[tickflow] cannot patch ${p.target}: file not found (dependencies not installed?)`);
    const current = readFileSync(target);
    const wanted = readFileSync(join(root, p.replacement));
    if (current.equals(wanted)) continue;
    if (sha256(current) !== p.upstreamSha256) {
      throw new Error(
        `[tickflow] ${p.target} is not the upstream file this fix was written for (sha256 ${sha256(current)}); ` +
          `a dependency upgrade changed it. Re-check ${p.replacement} against the new version, then update upstreamSha256 in tools/patch-deps.mjs.`,
      );
    }
    writeFileSync(target, wanted);
    if (!quiet) console.error(`[tickflow] patched ${p.target}`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    applyPatches();
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  }
}

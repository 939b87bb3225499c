#!/usr/bin/env node
// Makes `npm start` / `npm test` work on a fresh clone: installs dependencies when node_modules is
// missing or older than package-lock.json. Uses only Node built-ins so it runs before any install.
import { execSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const lock = join(root, 'package-lock.json');
const installed = join(root, 'node_modules', '.package-lock.json');

const stale = !existsSync(installed) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(installed).mtimeMs);
if (stale) {
  console.error('[tickflow] installing dependencies (first run or package-lock.json changed)…');
  // `npm install`, not `npm ci`: npm ci rejects lockfiles whose optional per-platform packages
  // (DuckDB's native bindings for other OSes) were never resolved on this machine; install follows
  // the lock just the same and leaves it unchanged when it is in sync.
  execSync('npm install --no-audit --no-fund', { cwd: root, stdio: 'inherit' });
}
// Our fixes to installed dependencies (idempotent; cheap when already applied).
const { applyPatches } = await import('./patch-deps.mjs');
applyPatches();

#!/usr/bin/env node
// Makes sure the tools that validate the cluster files (ops/cluster-files.test.ts) are installed:
// `docker-compose` (Debian's docker-compose package; `docker-compose config` needs no Docker engine)
// and `promtool` (shipped in Debian's prometheus package). Idempotent: installs only what is
// missing, with `apt-get update && apt-get install -y --no-install-recommends …` (no Docker engine,
// no node exporter; with no init system, Debian does not start the prometheus service).
// Node built-ins only.
//   node tools/ensure-ops-tools.mjs        prints the tools' paths as JSON
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Tool → the Debian package that provides it. */
const TOOLS = { 'docker-compose': 'docker-compose', promtool: 'prometheus' };

/** The absolute path of an executable on PATH, or null. */
export function which(name, path = process.env.PATH ?? '') {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/**
 * Installs the missing tools and returns `{ 'docker-compose': path, promtool: path }`.
 * Throws with what to install by hand when it cannot (not root, no apt-get).
 */
export function ensureOpsTools({ log = (line) => console.error(line) } = {}) {
  const missing = Object.keys(TOOLS).filter((tool) => which(tool) === null);
  if (missing.length > 0) {
    const packages = [...new Set(missing.map((tool) => TOOLS[tool]))];
    const hint = `install them with: apt-get update && apt-get install -y --no-install-recommends ${packages.join(' ')}`;
    if (which('apt-get') === null) throw new Error(`[tickflow] missing ${missing.join(', ')} and no apt-get here; ${hint}`);
    if (typeof process.getuid === 'function' && process.getuid() !== 0) throw new Error(`[tickflow] missing ${missing.join(', ')} and not root; ${hint}`);
    log(`[tickflow] installing ${packages.join(', ')} for ${missing.join(', ')}…`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const run = (args) => execFileSync('apt-get', args, { env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
    try {
      run(['update']);
      run(['install', '-y', '--no-install-recommends', ...packages]);
    } catch (err) {
      const output = `${err.stdout ?? ''}${err.stderr ?? ''}`.split('\n').slice(-20).join('\n');
      throw new Error(`[tickflow] apt-get failed installing ${packages.join(' ')}:\n${output}`);
    }
  }
  const paths = {};
  for (const [tool, pkg] of Object.entries(TOOLS)) {
    const path = which(tool);
    if (path === null) {
      let listed = '';
      try {
        listed = execFileSync('dpkg', ['-L', pkg], { encoding: 'utf8' });
      } catch {
        // not installed at all
      }
      const shipped = listed.split('\n').find((line) => line.endsWith(`/${tool}`));
      if (shipped) paths[tool] = shipped;
      else throw new Error(`[tickflow] ${tool} is still missing after installing the Debian package ${pkg} (dpkg -L ${pkg} lists no ${tool})`);
    } else {
      paths[tool] = path;
    }
  }
  return paths;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(JSON.stringify(ensureOpsTools(), null, 2));
}

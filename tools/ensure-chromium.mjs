#!/usr/bin/env node
// Makes sure a headless-capable Chromium is at /usr/bin/chromium (the dashboard e2e test drives it
// over the DevTools protocol). Installs it with apt-get when missing; idempotent and quick when it is
// already there. Uses only Node built-ins. `node tools/ensure-chromium.mjs` or, from a test:
//   const { ensureChromium } = await import('../tools/ensure-chromium.mjs'); ensureChromium();
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** Where the tests expect Chromium (Debian's `chromium` package puts it here). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Returns the path of an executable Chromium, installing the `chromium` apt package first when it is
 * missing. Throws an Error naming the failed step when apt-get fails (no root, no network, no apt).
 * @param {{ log?: (line: string) => void }} [opts] where progress goes (default: stderr)
 * @returns {string}
 */
export function ensureChromium(opts = {}) {
  const log = opts.log ?? ((line) => process.stderr.write(`[ensure-chromium] ${line}\n`));
  if (isExecutable(CHROMIUM_PATH)) return CHROMIUM_PATH;
  log(`${CHROMIUM_PATH} is missing; installing the 'chromium' package with apt-get (takes a minute or two)…`);
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const sudo = asRoot ? [] : ['sudo', '-n'];
  // Another apt-get may hold the dpkg lock (a parallel install): wait for it rather than fail.
  const lockWait = ['-o', 'DPkg::Lock::Timeout=600'];
  // With recommends: they bring fonts-liberation, without which pages render without text.
  for (const step of [
    [...sudo, 'apt-get', ...lockWait, 'update'],
    [...sudo, 'apt-get', ...lockWait, 'install', '-y', 'chromium'],
  ]) {
    log(`$ ${step.join(' ')}`);
    const r = spawnSync(step[0], step.slice(1), { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (r.error || r.status !== 0) {
      const why = r.error ? r.error.message : `exit code ${r.status ?? r.signal}`;
      throw new Error(`could not install Chromium: '${step.join(' ')}' failed (${why}). Install it yourself (Debian/Ubuntu: apt-get install chromium) so that ${CHROMIUM_PATH} exists.`);
    }
  }
  if (!isExecutable(CHROMIUM_PATH)) throw new Error(`apt-get installed 'chromium' but ${CHROMIUM_PATH} is still missing`);
  log(`installed: ${execFileSync(CHROMIUM_PATH, ['--version'], { encoding: 'utf8' }).trim()}`);
  return CHROMIUM_PATH;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    console.log(ensureChromium());
  } catch (err) {
    console.error(`[ensure-chromium] ${err.message}`);
    process.exit(1);
  }
}

// Typed access to tools/ensure-chromium.mjs (a plain Node script so it runs before anything is installed).
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from '../../apps/processor/test/shared-data';

/** Makes sure /usr/bin/chromium exists (apt-get install when missing); returns its path. */
export async function ensureChromium(): Promise<string> {
  const mod = (await import(pathToFileURL(join(REPO_ROOT, 'tools', 'ensure-chromium.mjs')).href)) as { ensureChromium: () => string };
  return mod.ensureChromium();
}

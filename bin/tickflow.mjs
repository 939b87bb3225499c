#!/usr/bin/env node
// The `tickflow` command. Installs dependencies on a fresh clone, then runs the TypeScript CLI
// through tsx's loader, so no build step is needed.
await import('../tools/ensure-deps.mjs');
const { register } = await import('tsx/esm/api');
register();
await import('../apps/processor/src/cli/main.ts');

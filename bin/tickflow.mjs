#!/usr/bin/env node
// The `tickflow` command. Runs the TypeScript CLI through tsx's loader, so no build step is needed.
import { register } from 'tsx/esm/api';

register();
await import('../apps/processor/src/cli/main.ts');

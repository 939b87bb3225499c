import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root and the shared recorded data beside it (`../shared/data`). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const SHARED_DATA = join(REPO_ROOT, '..', 'shared', 'data');
export const TRADES_FILE = join(SHARED_DATA, 'trades-binance-spot-2024-08-08.ndjson');
export const QUOTES_FILE = join(SHARED_DATA, 'quotes-binance-spot-btcusdt-2024-08-08.ndjson');
export const TICKFLOW_BIN = join(REPO_ROOT, 'bin', 'tickflow.mjs');

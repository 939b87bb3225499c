/** Topics the router sends trades to, by status (seed 000 job 1). */
export const ROUTED_TOPICS = {
  NEW: 'processed.trades.new',
  FILLED: 'processed.trades.filled',
  PARTIALLY_FILLED: 'processed.trades.filled',
  CANCELLED: 'processed.trades.cancelled',
  REJECTED: 'processed.trades.rejected',
} as const;

export type RoutedTopic = (typeof ROUTED_TOPICS)[keyof typeof ROUTED_TOPICS];

/**
 * The topic for a trade status (case-insensitive, as the seed's router upper-cases it), or null when
 * the status is unknown and the trade belongs in `dlq.trades.unroutable`.
 */
export function routeTrade(status: string): RoutedTopic | null {
  return ROUTES.get(status) ?? ROUTES.get(status.toUpperCase()) ?? null;
}

// A Map, not an object lookup: statuses are untrusted input ("__proto__", "toString").
const ROUTES: ReadonlyMap<string, RoutedTopic> = new Map(Object.entries(ROUTED_TOPICS));

/** Filled and partially filled trades are executions: only they move prices, volumes and positions. */
export function isExecution(status: string): boolean {
  return routeTrade(status) === ROUTED_TOPICS.FILLED;
}

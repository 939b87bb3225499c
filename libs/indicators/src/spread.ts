/**
 * Quoted spread = ask − bid, in price units, from the latest best bid/ask. Null when a side is
 * missing (null/undefined) or not positive (an empty side is often sent as 0). A crossed book gives a
 * negative spread, returned as is: callers decide whether that is an alert or noise. Inputs assumed
 * finite when present (validated upstream). Pure, allocation-free.
 */
export function spread(bid: number | null | undefined, ask: number | null | undefined): number | null {
  if (bid == null || ask == null || !(bid > 0) || !(ask > 0)) return null;
  return ask - bid;
}

/**
 * Top-of-book size imbalance = (bidSize − askSize) / (bidSize + askSize), dimensionless in [−1, 1]:
 * +1 all size on the bid, −1 all on the ask. Null when a size is missing (null/undefined) or
 * negative, or when both are 0. Inputs assumed finite when present (validated upstream). Pure,
 * allocation-free.
 */
export function imbalance(bidSize: number | null | undefined, askSize: number | null | undefined): number | null {
  if (bidSize == null || askSize == null || !(bidSize >= 0) || !(askSize >= 0)) return null;
  const total = bidSize + askSize;
  return total > 0 ? (bidSize - askSize) / total : null;
}

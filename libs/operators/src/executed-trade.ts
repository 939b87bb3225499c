/** The part of a filled trade that windows accumulate (kept small: it is built once per trade). */
export interface ExecutedTrade {
  price: number;
  quantity: number;
  isBuy: boolean;
  eventTsMs: number;
  ingestTsMs: number;
}

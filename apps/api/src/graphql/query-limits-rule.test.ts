import { describe, expect, it } from 'vitest';
import { buildSchema, getIntrospectionQuery, parse, validate, type GraphQLSchema } from './graphql-js';
import { queryLimitsRule, type QueryLimits } from './query-limits-rule';
import { SCHEMA_SDL } from './schema';

const schema = buildSchema(`
  type Query { items(limit: Int = 20): [Item!]! all: [Item!]! one: Item capped(limit: Int): [Item!]! page(limit: Int = 50): ItemPage! }
  type Item { id: ID! name: String children(limit: Int = 5): [Item!]! }
  type ItemPage { items: [Item!]! nextCursor: String }
`);
const LIMITS: QueryLimits = { maxDepth: 5, maxCost: 1, assumedListSize: 10, maxLimit: 1000 };

/** The measure the rule reports, read back from its error's extensions (maxCost 1 always reports). */
function measure(query: string, limits: Partial<QueryLimits> = {}, against: GraphQLSchema = schema): { cost?: number; depth?: number; messages: string[] } {
  const errors = validate(against, parse(query), [queryLimitsRule({ ...LIMITS, ...limits })]);
  const out: { cost?: number; depth?: number; messages: string[] } = { messages: errors.map((e) => e.message) };
  for (const e of errors) {
    if (typeof e.extensions['cost'] === 'number') out.cost = e.extensions['cost'];
    if (typeof e.extensions['depth'] === 'number') out.depth = e.extensions['depth'];
  }
  return out;
}

describe('queryLimitsRule: cost', () => {
  it.each([
    ['a scalar field costs 1', '{ one { id } }', 2],
    ['__typename costs nothing', '{ one { id __typename } }', 2],
    ['a literal limit multiplies the list and its selection', '{ items(limit: 3) { id name } }', 3 * (1 + 2)],
    ['an omitted limit takes the argument default', '{ items { id } }', 20 * 2],
    ['a limit passed as a variable counts as the maximum', 'query ($n: Int) { items(limit: $n) { id } }', 1000 * 2],
    ['a limit without default, omitted, counts as the maximum', '{ capped { id } }', 1000 * 2],
    ['a list without a limit argument uses assumedListSize', '{ all { id } }', 10 * 2],
    ['nested lists multiply', '{ items(limit: 2) { children(limit: 3) { id } } }', 2 * (1 + 3 * 2)],
    ['aliases count separately', '{ a: items(limit: 2) { id } b: items(limit: 2) { id } }', 2 * 2 * 2],
    ['fragments count where spread', 'query { items(limit: 2) { ...F } one { ...F } } fragment F on Item { id name }', 2 * 3 + 3],
    ['inline fragments count their fields', '{ one { ... on Item { id name } } }', 3],
    ["a page's limit counts the list inside it", '{ page(limit: 7) { items { id name } nextCursor } }', 1 + 7 * 3 + 1],
    ["a page's omitted limit takes its default", '{ page { items { id } } }', 1 + 50 * 2],
    ["a page's limit passed as a variable counts as the maximum", 'query ($n: Int) { page(limit: $n) { items { id } } }', 1 + 1000 * 2],
    ['a page hands its limit through fragments on the page', '{ a: page(limit: 2) { ...P } b: page(limit: 3) { ...P } } fragment P on ItemPage { items { id } }', 1 + 2 * 2 + 1 + 3 * 2],
    ['a page hands its limit only one level down', '{ page(limit: 2) { items { children { id } } } }', 1 + 2 * (1 + 5 * 2)],
  ])('%s', (_what, query, cost) => {
    expect(measure(query).cost).toBe(cost);
  });

  it('nested fragment spreads are measured once each: no blow-up', () => {
    const frags = Array.from({ length: 30 }, (_, i) => `fragment F${i} on Item { ${i === 29 ? 'id' : `a: children(limit: 1) { ...F${i + 1} } b: children(limit: 1) { ...F${i + 1} }`} }`).join('\n');
    // Walking every spread would take 2^30 steps (the test would time out); measured once, it is instant.
    const m = measure(`{ one { ...F0 } } ${frags}`, { maxDepth: 1000 });
    expect(m.cost).toBeGreaterThan(1e8); // the cost still doubles per level: refused, as it should be
  });

  it('refuses above maxCost with a message that says what to change', () => {
    const { messages } = measure('{ items(limit: 100) { id name } }', { maxCost: 250, maxDepth: 10 });
    expect(messages).toEqual([expect.stringMatching(/estimated cost of 300; the maximum is 250\. .*limit/)]);
    expect(measure('{ items(limit: 100) { id name } }', { maxCost: 300, maxDepth: 10 }).messages).toEqual([]);
  });
});

describe('queryLimitsRule: depth (as mercurius queryDepth counts)', () => {
  it.each([
    ['{ one { id } }', 2],
    ['{ one { children { children { id } } } }', 4],
    ['{ one { ...F } } fragment F on Item { children { id } }', 3], // a spread adds no level
    ['{ one { ... on Item { id } } }', 3], // an inline fragment does
  ])('%s is %i deep', (query, depth) => {
    expect(measure(query, { maxDepth: 0, maxCost: 1e12 }).depth).toBe(depth);
  });

  it('refuses deeper than maxDepth', () => {
    const { messages } = measure('query Deep { one { children { children { children { children { id } } } } } }', { maxCost: 1e12 });
    expect(messages).toEqual(['operation Deep is 6 levels deep; the maximum is 5. Select less deeply nested fields.']);
  });
});

describe('tickflow schema under the default limits', () => {
  const defaults: QueryLimits = { maxDepth: 15, maxCost: 25_000, assumedListSize: 10, maxLimit: 1000 };
  const tickflow = buildSchema(SCHEMA_SDL);
  const errorsOf = (q: string) => validate(tickflow, parse(q), [queryLimitsRule(defaults)]).map((e) => e.message);

  it('admits the standard introspection query (GraphiQL, codegen)', () => {
    expect(errorsOf(getIntrospectionQuery())).toEqual([]);
  });

  it('refuses introspection nested five lists deep', () => {
    expect(errorsOf('{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }')).toEqual([expect.stringMatching(/estimated cost/)]);
  });

  it.each([
    ['bars', 'symbol interval windowStart windowEnd open high low close volume vwap tradeCount isFinal version'],
    ['aggregates', 'symbol scope window windowStart windowEnd totalVolume totalValue vwap tradeCount buyCount sellCount buySellRatio openPrice highPrice lowPrice closePrice volatilityAnomaly computedAt'],
    ['signals', 'symbol windowStart windowEnd isFinal ema12 ema26 macd macdSignal macdHist rsi14 bbUpper bbMiddle bbLower vwapSession vwapRolling realizedVol spread imbalance version'],
    ['orderbook', 'symbol timestamp bestBid bestAsk midPrice spread spreadBps crossed bidDepth5 askDepth5 imbalance5 bidDepth10 askDepth10 imbalance10 bidDepth20 askDepth20 imbalance20 prevTimestamp midChange spreadChange imbalance5Change imbalance10Change imbalance20Change'],
    ['alerts', 'alertId alertType symbol direction baselinePrice currentPrice pctChange windowStart detectedAt severity trigger'],
  ])('admits one full %s page of 1000 rows, every field selected; counts it by its limit', (field, fields) => {
    const args = field === 'alerts' ? '' : 'symbol: "AAPL", ';
    const query = (limit: number) => `{ ${field}(${args}limit: ${limit}) { items { ${fields} } nextCursor } }`;
    expect(errorsOf(query(1000))).toEqual([]);
    const m = measure(query(10), { maxDepth: 15 }, tickflow);
    expect(m.cost).toBe(1 + 10 * (1 + fields.split(' ').length) + 1);
  });

  it('admits two full symbol pages of 1000, not three', () => {
    const page = (alias: string) => `${alias}: symbols(limit: 1000) { symbol companyName sector industry marketCapTier listedExchange lastPrice lastTradeAt }`;
    expect(errorsOf(`{ ${page('a')} ${page('b')} }`)).toEqual([]);
    expect(errorsOf(`{ ${page('a')} ${page('b')} ${page('c')} }`)).toEqual([expect.stringMatching(/estimated cost of 27000; the maximum is 25000/)]);
  });
});

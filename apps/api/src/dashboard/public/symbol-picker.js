// The symbol picker: a <select> filled from GET /v1/symbols and from the symbols seen on the feed.

export class SymbolPicker {
  /**
   * @param {HTMLSelectElement} select
   * @param {(symbol: string) => void} onPick
   */
  constructor(select, onPick) {
    this.select = select;
    /** @type {Set<string>} */
    this.known = new Set();
    select.addEventListener('change', () => onPick(select.value));
  }

  get value() {
    return this.select.value;
  }

  /** Adds symbols not seen before, keeping the options sorted; returns whether any was new. */
  add(symbols) {
    let added = false;
    for (const s of symbols) {
      if (typeof s !== 'string' || s === '' || this.known.has(s)) continue;
      this.known.add(s);
      added = true;
    }
    if (!added) return false;
    const current = this.select.value;
    this.select.replaceChildren(...[...this.known].sort().map((s) => new Option(s, s, false, s === current)));
    this.select.dataset.symbolCount = String(this.known.size);
    return true;
  }

  /** Shows `symbol` as picked without firing the change callback. */
  show(symbol) {
    this.add([symbol]);
    this.select.value = symbol;
  }
}

/**
 * Symbols with stored history, from same-origin GET /v1/symbols (first page). Resolves to [] when
 * the route is absent (a profile without history) or refuses the key: the feed fills the list too.
 * @param {string} key
 * @returns {Promise<string[]>}
 */
export async function fetchSymbols(key) {
  try {
    const res = await fetch('/v1/symbols?limit=500', { headers: { authorization: `Bearer ${key}` } });
    if (!res.ok) return [];
    const body = await res.json();
    return Array.isArray(body.data) ? body.data.map((r) => r.symbol) : [];
  } catch {
    return [];
  }
}

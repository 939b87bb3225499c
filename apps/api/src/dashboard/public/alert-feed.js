// The alert feed: newest first, one row per alert_id (a redelivered alert replaces its row),
// coloured by severity (MEDIUM ≥ 2 %, HIGH ≥ 5 %, CRITICAL ≥ 10 %).

const MAX_ROWS = 100;

export class AlertFeed {
  /** @param {HTMLOListElement} list */
  constructor(list) {
    this.list = list;
    /** @type {Map<string, HTMLLIElement>} */
    this.rows = new Map();
  }

  get count() {
    return this.rows.size;
  }

  /** @param {{ alert_id: string, symbol: string, direction: 'UP'|'DOWN', pct_change: number, baseline_price: number, current_price: number, severity: string, detected_at_ms: number, trigger: string }} alert */
  add(alert) {
    const existing = this.rows.get(alert.alert_id);
    const row = renderRow(alert);
    if (existing) existing.replaceWith(row);
    else this.list.prepend(row);
    this.rows.set(alert.alert_id, row);
    while (this.rows.size > MAX_ROWS) {
      const oldest = this.list.lastElementChild;
      if (!oldest) break;
      this.rows.delete(oldest.dataset.alertId);
      oldest.remove();
    }
    this.list.dataset.alertCount = String(this.rows.size);
  }
}

/**
 * Alerts from history, oldest first: each one the feed does not hold yet goes below the rows it
 * has (they arrived live, so they are newer), newest history row on top of the history part.
 * @param {AlertFeed} feed
 * @param {Array<Parameters<AlertFeed['add']>[0]>} alerts
 */
export function addAlertHistory(feed, alerts) {
  for (let i = alerts.length - 1; i >= 0 && feed.rows.size < MAX_ROWS; i--) {
    const a = alerts[i];
    if (feed.rows.has(a.alert_id)) continue;
    const row = renderRow(a);
    feed.list.append(row);
    feed.rows.set(a.alert_id, row);
  }
  feed.list.dataset.alertCount = String(feed.rows.size);
}

function renderRow(a) {
  const li = document.createElement('li');
  li.className = `alert severity-${String(a.severity).toLowerCase()}`;
  li.dataset.alertId = a.alert_id;
  li.dataset.severity = a.severity;
  li.dataset.symbol = a.symbol;
  const up = a.direction === 'UP';
  const sign = up ? '+' : '';
  li.append(
    span('alert-time', new Date(a.detected_at_ms).toTimeString().slice(0, 8)),
    span('alert-severity', a.severity),
    span('alert-symbol', a.symbol),
    span(`alert-move ${up ? 'up' : 'down'}`, `${up ? '▲' : '▼'} ${sign}${a.pct_change.toFixed(2)} %`),
    span('alert-prices', `${fmt(a.baseline_price)} → ${fmt(a.current_price)} (${String(a.trigger).toLowerCase()})`),
  );
  return li;
}

function span(className, text) {
  const s = document.createElement('span');
  s.className = className;
  s.textContent = text;
  return s;
}

function fmt(v) {
  return Number.isFinite(v) ? v.toFixed(Math.abs(v) >= 10 ? 2 : 4) : '–';
}

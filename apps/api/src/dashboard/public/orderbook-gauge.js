// The order-book imbalance gauge: imbalance over the best 5 levels, (bid − ask) / (bid + ask) in
// [−1, 1]; the needle leans to the bid (green, right) or the ask (red, left).

export class OrderBookGauge {
  /** @param {HTMLElement} root holds .gauge-needle, .gauge-value and .gauge-detail */
  constructor(root) {
    this.root = root;
    this.needle = root.querySelector('.gauge-needle');
    this.value = root.querySelector('.gauge-value');
    this.detail = root.querySelector('.gauge-detail');
    this.updates = 0;
  }

  reset() {
    this.updates = 0;
    this.root.dataset.imbalance = '';
    this.root.dataset.updates = '0';
    this.needle.style.left = '50%';
    this.value.textContent = '–';
    this.detail.textContent = 'waiting for order-book snapshots…';
  }

  /** @param {{ imbalance_5: number|null, bid_depth_5: number, ask_depth_5: number, spread_bps: number|null, mid_price: number|null }} m */
  update(m) {
    this.updates += 1;
    this.root.dataset.updates = String(this.updates);
    const imb = m.imbalance_5;
    if (imb === null || imb === undefined || !Number.isFinite(imb)) {
      this.value.textContent = 'n/a';
      return;
    }
    const clamped = Math.max(-1, Math.min(1, imb));
    this.root.dataset.imbalance = String(imb);
    this.needle.style.left = `${((clamped + 1) / 2) * 100}%`;
    this.needle.classList.toggle('bid', clamped >= 0);
    this.value.textContent = `${clamped >= 0 ? '+' : ''}${clamped.toFixed(2)}`;
    const spread = m.spread_bps === null || m.spread_bps === undefined ? '–' : `${m.spread_bps.toFixed(1)} bps`;
    this.detail.textContent = `bid ${m.bid_depth_5.toFixed(0)} / ask ${m.ask_depth_5.toFixed(0)} (top 5) · spread ${spread}`;
  }
}

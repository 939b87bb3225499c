import { describe, expect, it } from 'vitest';
import { SeededRandom } from './seeded-random';

function draw(rng: SeededRandom, n: number): number[] {
  return Array.from({ length: n }, () => rng.nextUint32());
}

describe('SeededRandom', () => {
  it('repeats the same sequence for the same seed and stream', () => {
    expect(draw(new SeededRandom(42), 1000)).toEqual(draw(new SeededRandom(42), 1000));
    expect(draw(new SeededRandom(2 ** 40 + 3, 5), 100)).toEqual(draw(new SeededRandom(2 ** 40 + 3, 5), 100));
  });

  it('gives unrelated sequences for nearby seeds, for other streams and for high seed bits', () => {
    const base = draw(new SeededRandom(1), 100);
    expect(draw(new SeededRandom(2), 100)).not.toEqual(base);
    expect(draw(new SeededRandom(1, 1), 100)).not.toEqual(base);
    expect(draw(new SeededRandom(1 + 2 ** 32), 100)).not.toEqual(base);
  });

  it('draws uniform numbers in [0, 1) with the right mean and variance', () => {
    const rng = new SeededRandom(7);
    const n = 200_000;
    let sum = 0;
    let sumSq = 0;
    let outside = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.next();
      if (!(u >= 0 && u < 1)) outside++;
      sum += u;
      sumSq += u * u;
    }
    const mean = sum / n;
    expect(outside).toBe(0);
    expect(mean).toBeCloseTo(0.5, 2);
    expect(sumSq / n - mean * mean).toBeCloseTo(1 / 12, 2);
  });

  it('draws standard normals (Box–Muller) and exponentials with the right moments', () => {
    const rng = new SeededRandom(11);
    const n = 200_000;
    let g = 0;
    let g2 = 0;
    let e = 0;
    for (let i = 0; i < n; i++) {
      const x = rng.gaussian();
      g += x;
      g2 += x * x;
      e += rng.exponential(3);
    }
    expect(g / n).toBeCloseTo(0, 2);
    expect(Math.sqrt(g2 / n)).toBeCloseTo(1, 2);
    expect(e / n).toBeCloseTo(3, 1);
  });

  it('draws integers in [0, n)', () => {
    const rng = new SeededRandom(3);
    const counts = [0, 0, 0];
    for (let i = 0; i < 30_000; i++) counts[rng.int(3)]! += 1;
    for (const c of counts) expect(c).toBeGreaterThan(9_500);
  });

  it.each([-1, 1.5, Number.NaN, 2 ** 60])('rejects seed %s', (seed) => {
    expect(() => new SeededRandom(seed)).toThrow(RangeError);
  });
});

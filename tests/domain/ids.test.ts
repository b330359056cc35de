import { decodeTime } from 'ulid';
import { pooledRandom, ulidFactory } from '../../src/domain/ids.js';

describe('ids', () => {
  it('draws fractions of 1/256 in [0, 1), spread over every value, across several pool refills', () => {
    const random = pooledRandom(64);
    const seen = new Map<number, number>();
    for (let i = 0; i < 256 * 200; i += 1) {
      const v = random();
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(1);
      expect(Number.isInteger(v * 256)).toBe(true);
      seen.set(v, (seen.get(v) ?? 0) + 1);
    }
    // 51,200 draws over 256 values: each expected 200 times; a stuck pool (never refilled) would repeat 64 values.
    expect(seen.size).toBe(256);
    for (const n of seen.values()) expect(n).toBeGreaterThan(100);
  });

  it('makes ULIDs carrying the given time, ordered within a millisecond and unique', () => {
    const ulid = ulidFactory();
    const at = Date.UTC(2026, 11, 6, 3, 0, 0);
    const ids = Array.from({ length: 1000 }, () => ulid(at));
    expect(new Set(ids).size).toBe(1000);
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids) {
      expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
      expect(decodeTime(id)).toBe(at);
    }
    const later = ulid(at + 1);
    expect(later > ids[999]!).toBe(true);
    // Two generators do not share their random part.
    expect(ulidFactory()(at).slice(10)).not.toBe(ulidFactory()(at).slice(10));
  });
});

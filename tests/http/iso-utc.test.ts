/** isoUtc must be toISOString exactly: a thread page's dates are written with it. */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { isoUtc } from '../../src/http/readers/iso-utc.js';

const RUNS = Number(process.env.FAST_CHECK_RUNS ?? 2000);
const SEED = Number(process.env.FAST_CHECK_SEED ?? 20261205);
const iso = (ms: number) => new Date(ms).toISOString();

describe('isoUtc', () => {
  it('writes the same string as toISOString for any time from 1970 to 9999', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 253402300799999 }), (ms) => expect(isoUtc(ms)).toBe(iso(ms))),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it('stays right when consecutive times fall on the same day and on other days', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1_767_225_600_000, max: 1_767_225_600_000 + 3 * 86_400_000 }), { minLength: 2, maxLength: 30 }), (times) => {
        expect(times.map(isoUtc)).toEqual(times.map(iso));
      }),
      { numRuns: 200, seed: SEED },
    );
  });

  it('matches at the edges: epoch, day and leap-day boundaries, the last millisecond of 9999', () => {
    for (const ms of [0, 1, 999, 86_399_999, 86_400_000, 951_782_400_000, 951_868_799_999, 951_868_800_000, 4_107_542_400_000, 253402300799999]) {
      expect(isoUtc(ms)).toBe(iso(ms));
    }
  });

  it('gives toISOString its way outside that range, errors included', () => {
    for (const ms of [-1, -62_198_755_200_000, 253402300800000, 8.64e15, 1.5]) expect(isoUtc(ms)).toBe(iso(ms));
    expect(() => isoUtc(Number.NaN)).toThrow(RangeError);
    expect(() => isoUtc(8.64e15 + 1)).toThrow(RangeError);
  });
});

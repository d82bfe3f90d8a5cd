/**
 * Test support for the bitmap property tests: a bitmap and its boolean-array
 * oracle built from the same random bits, and random bits with a range inside.
 */
import fc from 'fast-check';
import { bitmapNew } from '../bitmap.js';

/** A bitmap holding exactly the set entries of `bools`. */
export function fromBools(bools: boolean[]): Uint32Array {
  const map = bitmapNew(bools.length);
  bools.forEach((b, i) => {
    if (b) map[i >>> 5] = (map[i >>> 5] as number) | (1 << (i & 31));
  });
  return map;
}

/** The first `nbits` bits of `map` as booleans. */
export function toBools(map: Uint32Array, nbits: number): boolean[] {
  const out: boolean[] = [];
  for (let i = 0; i < nbits; i++) out.push(((map[i >>> 5] as number) >>> (i & 31)) % 2 === 1);
  return out;
}

/** Random bits of up to `maxLength` (sizes straddle word boundaries) plus a range [start, start + nr) inside them. */
export function bitsAndRange(maxLength: number): fc.Arbitrary<{ bools: boolean[]; start: number; nr: number }> {
  return fc
    .array(fc.boolean(), { minLength: 1, maxLength })
    .chain((bools) =>
      fc
        .tuple(fc.nat({ max: bools.length }), fc.nat({ max: bools.length }))
        .map(([a, b]) => ({ bools, start: Math.min(a, b), nr: Math.abs(a - b) })),
    );
}

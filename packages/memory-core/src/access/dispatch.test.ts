import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildDispatch, UNASSIGNED_SECTION } from './dispatch.js';
import { flatRange, flatView } from './internal/handTopology.js';
import { RegionHandle } from './region.js';

describe('dispatch lookup', () => {
  it('binary search with the MRU hint finds the same range as a linear scan, for any disjoint layout', () => {
    const layout = fc.array(fc.record({ gap: fc.integer({ min: 0, max: 50 }), size: fc.integer({ min: 1, max: 50 }) }), {
      maxLength: 100,
    });
    fc.assert(
      fc.property(layout, fc.array(fc.integer({ min: 0, max: 10_000 }), { maxLength: 200 }), (ranges, probes) => {
        let at = 0;
        const frs = ranges.map((r, i) => {
          at += r.gap;
          const fr = flatRange(`r${i}`, at, r.size);
          at += r.size;
          return fr;
        });
        const handles = new Map<string, RegionHandle>();
        // shuffled input: buildDispatch sorts
        const d = buildDispatch(flatView([...frs].reverse()), (id) => {
          const h = handles.get(id) ?? new RegionHandle(id);
          handles.set(id, h);
          return h;
        });
        for (const p of probes) {
          const want = frs.find((fr) => p >= Number(fr.start) && p < Number(fr.start + fr.size));
          const got = d.lookup(p);
          if (want === undefined) expect(got).toBe(UNASSIGNED_SECTION);
          else expect(got.region.id).toBe(want.region);
        }
      }),
      { numRuns: 200 },
    );
  });
});

import { inspect } from 'node:util';
import { produce } from 'immer';
import { describe, expect, it } from 'vitest';
import { emptyRegionTable, forEachRegion, regionCount, regionLookup, regionTableWith, regionTableWithout } from './regionTable.js';
import type { RegionState } from './types.js';

function region(id: string, size = 1n): RegionState {
  return Object.freeze({
    id, name: id, kind: 'io', size, addr: 0n, priority: 0, mayOverlap: false, container: null, subregions: [],
    enabled: true, readonly: false, romdMode: true, nonvolatile: false, ram: false, ramDevice: false,
    terminates: true, alias: null, aliasOffset: 0n, vgaLogCount: 0, owner: null,
  });
}

describe('region table', () => {
  it('reads like a frozen record: index, in, hasOwnProperty, keys in creation order', () => {
    let t = emptyRegionTable();
    for (const id of ['zeta', 'alpha', 'mid.dle', '42x', 'constructor']) t = regionTableWith(t, id, region(id));
    expect(t['alpha']?.id).toBe('alpha');
    expect('mid.dle' in t).toBe(true);
    expect('nope' in t).toBe(false);
    expect(Object.prototype.hasOwnProperty.call(t, 'zeta')).toBe(true);
    expect(Object.prototype.hasOwnProperty.call(t, 'toString')).toBe(false);
    expect(Object.keys(t)).toEqual(['zeta', 'alpha', 'mid.dle', '42x', 'constructor']);
    expect(Object.values(t).map((r) => r.id)).toEqual(Object.keys(t));
    expect({ ...t }['42x']?.id).toBe('42x');
    expect(regionCount(t)).toBe(5);
  });

  it('updates keep the position; a deleted then re-added id goes last', () => {
    let t = emptyRegionTable();
    for (const id of ['a', 'b', 'c']) t = regionTableWith(t, id, region(id));
    t = regionTableWith(t, 'a', region('a', 5n));
    expect(Object.keys(t)).toEqual(['a', 'b', 'c']);
    expect(t['a']?.size).toBe(5n);
    t = regionTableWith(regionTableWithout(t, 'a'), 'a', region('a'));
    expect(Object.keys(t)).toEqual(['b', 'c', 'a']);
  });

  it('is persistent: older tables are unchanged', () => {
    const t1 = regionTableWith(emptyRegionTable(), 'a', region('a'));
    const t2 = regionTableWith(t1, 'b', region('b'));
    const t3 = regionTableWithout(t2, 'a');
    expect(Object.keys(t1)).toEqual(['a']);
    expect(Object.keys(t2)).toEqual(['a', 'b']);
    expect(Object.keys(t3)).toEqual(['b']);
    expect(regionTableWithout(t3, 'missing')).toBe(t3);
  });

  it('cannot be mutated directly', () => {
    const t = regionTableWith(emptyRegionTable(), 'a', region('a')) as Record<string, RegionState>;
    expect(() => {
      t['b'] = region('b');
    }).toThrow(TypeError);
    expect(() => {
      delete t['a'];
    }).toThrow(TypeError);
  });

  it('is opaque to Immer: a produce over a state holding it neither copies nor drafts it', () => {
    const t = regionTableWith(emptyRegionTable(), 'a', region('a'));
    const s = produce({ regions: t, n: 0 }, (d) => {
      d.n = 1;
    });
    expect(s.regions).toBe(t);
  });

  it('lookup and iteration work on plain records too', () => {
    const plain = { a: region('a') };
    expect(regionLookup(plain)('a')?.id).toBe('a');
    expect(regionLookup(plain)('toString')).toBeUndefined();
    const seen: string[] = [];
    forEachRegion(plain, (r) => seen.push(r.id));
    expect(seen).toEqual(['a']);
    expect(Object.keys(regionTableWith(plain, 'b', region('b')))).toEqual(['a', 'b']);
  });

  it('prints its regions in Node (console.log / util.inspect), not the empty proxy target', () => {
    const t = regionTableWith(emptyRegionTable(), 'pc.ram', region('pc.ram'));
    expect(inspect(t)).toContain("'pc.ram'");
    expect(inspect(t)).toContain("kind: 'io'");
  });
});

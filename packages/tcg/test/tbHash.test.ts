import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TbHashTable, TranslationBlock, tbHashFunc } from '../src/index.js';

// upstream 41da4bd642, e1b89321ba: blocks are found by a hash of (phys pc, pc, flags).
const tbOf = (physPc: number, pc: number, flags: number): TranslationBlock =>
  new TranslationBlock(pc, physPc, flags, 1, new Int32Array([pc, pc + 4]), 0, '', 0);

describe('TB hash table', () => {
  it('keeps blocks that share a physical pc apart by virtual pc and by flags', () => {
    const t = new TbHashTable(2);
    const a = tbOf(0x80001000, 0x40001000, 3);
    const b = tbOf(0x80001000, 0x50001000, 3);
    const c = tbOf(0x80001000, 0x40001000, 15);
    [a, b, c].forEach((tb) => t.insert(tb));
    expect(t.lookup(0x80001000, 0x40001000, 3)).toBe(a);
    expect(t.lookup(0x80001000, 0x50001000, 3)).toBe(b);
    expect(t.lookup(0x80001000, 0x40001000, 15)).toBe(c);
    t.remove(b);
    expect(t.lookup(0x80001000, 0x50001000, 3)).toBeNull();
    expect(t.lookup(0x80001000, 0x40001000, 15)).toBe(c);
  });

  it('behaves like a Map keyed by (physPc, pc, flags) under random inserts and removes', () => {
    const key = fc.tuple(
      fc.integer({ min: 0, max: 63 }).map((i) => 0x80000000 + i * 2),
      fc.integer({ min: 0, max: 63 }).map((i) => (i & 1 ? 0x40000000 : 0x80000000) + (i >> 1) * 2),
      fc.constantFrom(0, 3, 15),
    );
    const op = fc.tuple(fc.boolean(), key);
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const t = new TbHashTable(1);
        const oracle = new Map<string, TranslationBlock>();
        for (const [insert, [p, v, f]] of ops) {
          const k = `${p},${v},${f}`;
          if (insert) {
            const tb = tbOf(p, v | 0, f);
            t.insert(tb);
            oracle.set(k, tb);
          } else {
            const tb = oracle.get(k);
            if (tb) t.remove(tb);
            oracle.delete(k);
          }
          expect(t.size).toBe(oracle.size);
        }
        for (const [k, tb] of oracle) {
          const [p, v, f] = k.split(',').map(Number) as [number, number, number];
          expect(t.lookup(p, v | 0, f)).toBe(tb);
        }
        expect(new Set(t.values())).toEqual(new Set(oracle.values()));
      }),
    );
  });

  it('spreads consecutive code addresses over the buckets', () => {
    const buckets = new Uint32Array(1024);
    for (let i = 0; i < 65536; i++) buckets[tbHashFunc(0x80000000 + i * 2, (0x80000000 + i * 2) | 0, 3) & 1023]!++;
    expect(Math.max(...buckets)).toBeLessThan(64 * 2);
    expect(Math.min(...buckets)).toBeGreaterThan(64 / 2);
  });
});

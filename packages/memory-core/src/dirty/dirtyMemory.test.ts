import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DIRTY_MEMORY_CODE, DIRTY_MEMORY_MIGRATION, DIRTY_MEMORY_VGA } from '../topology/types.js';
import { DIRTY_CLIENTS_ALL, DIRTY_CLIENTS_NOCODE, DirtyMemory, SYNC_KERNEL_MIN_BLOCK_PAGES } from './dirtyMemory.js';
import { DirtyBitmapSizeError, DirtyClientError, DirtyMemoryAttachedError, DirtyRangeError } from './errors.js';
import { bitmapFromLe, clearBit, testBit } from './bitmap.js';

const PS = 4096;
/** Small bitmap blocks so that ranges straddle block boundaries. */
const BLOCK_PAGES = 64;

function make(pages: number, tcg: boolean): DirtyMemory {
  const dm = new DirtyMemory({ tcg, blockPages: BLOCK_PAGES });
  dm.extend(pages);
  return dm;
}

/** The oracle: one boolean per page per client. */
type Oracle = boolean[][];

function readAll(dm: DirtyMemory, pages: number): Oracle {
  const out: Oracle = [[], [], []];
  for (let c = 0; c < 3; c++) {
    if ((dm.clientMask & (1 << c)) === 0) continue;
    for (let p = 0; p < pages; p++) out[c]!.push(dm.getDirty(p * PS, PS, c));
  }
  return out;
}

function pageRange(start: number, length: number): [number, number] {
  return [Math.floor(start / PS), Math.ceil((start + length) / PS)];
}

/** A byte range inside `pages` pages, often unaligned. */
function byteRange(pages: number) {
  return fc
    .tuple(fc.nat({ max: pages * PS }), fc.nat({ max: pages * PS }))
    .map(([a, b]) => ({ start: Math.min(a, b), length: Math.abs(a - b) }));
}

const op = (pages: number) =>
  fc.oneof(
    fc.record({ kind: fc.constant('set' as const), r: byteRange(pages), mask: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ kind: fc.constant('testAndClear' as const), r: byteRange(pages), client: fc.constantFrom(0, 1, 2) }),
    fc.record({ kind: fc.constant('snapshot' as const), r: byteRange(pages), client: fc.constantFrom(0, 1, 2), q: byteRange(pages) }),
    fc.record({ kind: fc.constant('get' as const), r: byteRange(pages), client: fc.constantFrom(0, 1, 2) }),
    fc.record({ kind: fc.constant('flag' as const), addr: fc.nat({ max: pages * PS - 1 }), client: fc.constantFrom(0, 1, 2) }),
  );

describe('DirtyMemory against a per-page boolean oracle', () => {
  for (const tcg of [false, true]) {
    it(`random operations agree with the oracle across bitmap blocks (tcg=${tcg})`, () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 4 * BLOCK_PAGES + 7 }).chain((pages) => fc.tuple(fc.constant(pages), fc.array(op(pages), { maxLength: 30 }))),
          ([pages, ops]) => {
            const dm = make(pages, tcg);
            const oracle: Oracle = [new Array<boolean>(pages).fill(false), new Array<boolean>(pages).fill(false), new Array<boolean>(pages).fill(false)];
            const exists = (c: number) => (dm.clientMask & (1 << c)) !== 0;
            for (const o of ops) {
              if (o.kind === 'set') {
                dm.setDirtyRange(o.r.start, o.r.length, o.mask);
                const [p, e] = pageRange(o.r.start, o.r.length);
                for (let c = 0; c < 3; c++) if (o.mask & (1 << c) && exists(c)) for (let k = p; k < e; k++) oracle[c]![k] = true;
              } else if (o.kind === 'flag') {
                if (!exists(o.client)) continue;
                dm.setDirtyFlag(o.addr, o.client);
                oracle[o.client]![Math.floor(o.addr / PS)] = true;
              } else if (!exists(o.client)) {
                expect(() => dm.getDirty(o.r.start, o.r.length, o.client)).toThrow(DirtyClientError);
              } else if (o.kind === 'get') {
                const [p, e] = pageRange(o.r.start, o.r.length);
                const seg = oracle[o.client]!.slice(p, e);
                expect(dm.getDirty(o.r.start, o.r.length, o.client)).toBe(seg.some(Boolean));
                expect(dm.allDirty(o.r.start, o.r.length, o.client)).toBe(seg.every(Boolean));
                const clean = [0, 1, 2].filter((c) => exists(c) && !oracle[c]!.slice(p, e).every(Boolean)).reduce((m, c) => m | (1 << c), 0);
                expect(dm.rangeIncludesClean(o.r.start, o.r.length, DIRTY_CLIENTS_ALL)).toBe(clean);
              } else if (o.kind === 'testAndClear') {
                const [p, e] = pageRange(o.r.start, o.r.length);
                const expected = o.r.length > 0 && oracle[o.client]!.slice(p, e).some(Boolean);
                expect(dm.testAndClearDirty(o.r.start, o.r.length, o.client)).toBe(expected);
                if (o.r.length > 0) for (let k = p; k < e; k++) oracle[o.client]![k] = false;
              } else {
                const [p, e] = pageRange(o.r.start, o.r.length);
                const before = oracle[o.client]!.slice();
                const snap = dm.snapshotAndClearDirty(o.r.start, o.r.length, o.client);
                for (let k = p; k < e; k++) oracle[o.client]![k] = false;
                // Query a sub-range of the snapshot: only pages of the snapshotted range can be dirty in it.
                const qs = Math.max(o.q.start, o.r.start);
                const qe = Math.min(o.q.start + o.q.length, o.r.start + o.r.length);
                if (qe >= qs) {
                  const [qp, qend] = pageRange(qs, qe - qs);
                  expect(dm.snapshotGetDirty(snap, qs, qe - qs)).toBe(before.slice(qp, qend).some(Boolean));
                }
              }
            }
            expect(readAll(dm, pages)).toEqual(oracle.map((o, c) => (exists(c) ? o : [])));
          },
        ),
        { numRuns: 150 },
      );
    });
  }
});

describe('DirtyMemory semantics', () => {
  // upstream e87f7778b6: no work at all when nobody logs; only clients with a clean page need setting
  it('setDirtyRange with mask 0 does nothing, even for a range it would reject', () => {
    const dm = make(100, true);
    dm.setDirtyRange(0, 100 * PS, 0);
    dm.setDirtyRange(1e12, 5, 0);
    expect(dm.getDirty(0, 100 * PS, DIRTY_MEMORY_VGA)).toBe(false);
    expect(dm.getDirty(0, 100 * PS, DIRTY_MEMORY_MIGRATION)).toBe(false);
  });

  // upstream e87f7778b6
  it('rangeIncludesClean names exactly the clients with a clean page in the range', () => {
    const dm = make(100, true);
    dm.setDirtyRange(10 * PS, 10 * PS, 1 << DIRTY_MEMORY_VGA);
    dm.setDirtyRange(10 * PS, 5 * PS, 1 << DIRTY_MEMORY_MIGRATION);
    expect(dm.rangeIncludesClean(10 * PS, 10 * PS, DIRTY_CLIENTS_ALL)).toBe((1 << DIRTY_MEMORY_CODE) | (1 << DIRTY_MEMORY_MIGRATION));
    expect(dm.rangeIncludesClean(10 * PS, 5 * PS, DIRTY_CLIENTS_NOCODE)).toBe(0);
    // Setting over an already-dirty client leaves it exactly as it was.
    dm.setDirtyRange(10 * PS, 10 * PS, DIRTY_CLIENTS_ALL);
    expect(dm.allDirty(10 * PS, 10 * PS, DIRTY_MEMORY_MIGRATION)).toBe(true);
    expect(dm.getDirty(9 * PS, PS, DIRTY_MEMORY_VGA)).toBe(false);
    expect(dm.getDirty(20 * PS, PS, DIRTY_MEMORY_VGA)).toBe(false);
  });

  // upstream 72b47e79ce: all_dirty means all pages are dirty, not "some page is clean"
  it('allDirty is true only when every page of the range is dirty', () => {
    const dm = make(200, false);
    dm.setDirtyRange(60 * PS, 10 * PS, 1 << DIRTY_MEMORY_VGA); // straddles the block boundary at page 64
    expect(dm.allDirty(60 * PS, 10 * PS, DIRTY_MEMORY_VGA)).toBe(true);
    expect(dm.allDirty(60 * PS, 11 * PS, DIRTY_MEMORY_VGA)).toBe(false);
    expect(dm.allDirty(59 * PS, 2 * PS, DIRTY_MEMORY_VGA)).toBe(false);
    expect(dm.getDirty(59 * PS, 2 * PS, DIRTY_MEMORY_VGA)).toBe(true);
    expect(dm.allDirty(60 * PS + 100, 1, DIRTY_MEMORY_VGA)).toBe(true);
  });

  // upstream 03eebc9e32: test and clear in one atomic step, no get/reset pair
  it('testAndClearDirty reports and clears in one call; a second call sees nothing', () => {
    const dm = make(200, false);
    dm.setDirtyRange(63 * PS, 3 * PS, 1 << DIRTY_MEMORY_MIGRATION);
    expect(dm.testAndClearDirty(0, 200 * PS, DIRTY_MEMORY_MIGRATION)).toBe(true);
    expect(dm.testAndClearDirty(0, 200 * PS, DIRTY_MEMORY_MIGRATION)).toBe(false);
    expect(dm.testAndClearDirty(0, 0, DIRTY_MEMORY_MIGRATION)).toBe(false);
  });

  // upstream 677e7805cf: the CODE client exists only when TCG is the accelerator
  it('without TCG there is no CODE client: asking for it is an error, masks drop it', () => {
    const dm = make(100, false);
    expect(dm.clientMask).toBe(DIRTY_CLIENTS_NOCODE);
    dm.setDirtyRange(0, 100 * PS, DIRTY_CLIENTS_ALL);
    expect(dm.allDirty(0, 100 * PS, DIRTY_MEMORY_VGA)).toBe(true);
    expect(dm.allDirty(0, 100 * PS, DIRTY_MEMORY_MIGRATION)).toBe(true);
    expect(() => dm.getDirty(0, PS, DIRTY_MEMORY_CODE)).toThrow(DirtyClientError);
    expect(() => dm.blocksOf(DIRTY_MEMORY_CODE)).toThrow(DirtyClientError);
    expect(dm.rangeIncludesClean(0, PS, 1 << DIRTY_MEMORY_CODE)).toBe(0);
  });

  // upstream 677e7805cf
  it('with TCG the CODE client exists and is set by DIRTY_CLIENTS_ALL', () => {
    const dm = make(100, true);
    expect(dm.clientMask).toBe(DIRTY_CLIENTS_ALL);
    dm.setDirtyRange(0, PS, DIRTY_CLIENTS_ALL);
    expect(dm.getDirty(0, PS, DIRTY_MEMORY_CODE)).toBe(true);
  });

  // upstream 9460dee4b2: set_dirty_lebitmap syncs DIRTY_MEMORY_CODE only when TCG is on
  for (const tcg of [false, true]) {
    it(`setDirtyLebitmap merges a KVM bitmap into VGA and MIGRATION, CODE only with TCG (tcg=${tcg})`, () => {
      fc.assert(
        fc.property(
          fc.array(fc.boolean(), { minLength: 1, maxLength: 150 }),
          fc.nat({ max: 100 }),
          fc.boolean(),
          fc.constantFrom(4096, 8192),
          (bools, startPage, global, realHost) => {
            const ratio = realHost / PS;
            const pages = startPage + bools.length * ratio + 3;
            const dm = new DirtyMemory({ tcg, blockPages: BLOCK_PAGES, realHostPageSize: realHost });
            dm.extend(pages);
            const bytes = new Uint8Array(Math.ceil(bools.length / 64) * 8);
            bools.forEach((b, i) => {
              if (b) bytes[i >>> 3] = (bytes[i >>> 3] as number) | (1 << (i & 7));
            });
            const n = dm.setDirtyLebitmap(bitmapFromLe(bytes, bools.length), startPage * PS, bools.length, global);
            expect(n).toBe(bools.filter(Boolean).length);
            for (let p = 0; p < pages; p++) {
              const i = Math.floor((p - startPage) / ratio);
              const want = p >= startPage && i < bools.length && bools[i] === true;
              expect(dm.getDirty(p * PS, PS, DIRTY_MEMORY_VGA)).toBe(want);
              expect(dm.getDirty(p * PS, PS, DIRTY_MEMORY_MIGRATION)).toBe(want && global);
              if (tcg) expect(dm.getDirty(p * PS, PS, DIRTY_MEMORY_CODE)).toBe(want);
            }
          },
        ),
        { numRuns: 60 },
      );
    });
  }

  it('syncDirtyBitmap moves a block\'s MIGRATION bits into the migration bitmap and counts the new ones', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3 }).map((k) => k * 32 + 0), // block offsets on bitmap words
        fc.integer({ min: 1, max: 200 }),
        fc.nat({ max: 40 }),
        fc.array(fc.nat({ max: 199 }), { maxLength: 80 }),
        fc.array(fc.nat({ max: 199 }), { maxLength: 40 }),
        (offPages, blockPages, startPageRaw, dirtyPages, alreadyInDest) => {
          const startPage = Math.min(startPageRaw, blockPages - 1);
          const total = offPages + blockPages + 40;
          const dm = make(total, false);
          const block = { idstr: 'b', offset: offPages * PS, usedLength: blockPages * PS };
          const src = new Array<boolean>(total).fill(false);
          for (const p of dirtyPages) {
            const abs = Math.min(p, total - 1);
            dm.setDirtyFlag(abs * PS, DIRTY_MEMORY_MIGRATION);
            src[abs] = true;
          }
          const dest = new Uint32Array(Math.ceil(blockPages / 32) + 1);
          const destBools = new Array<boolean>(dest.length * 32).fill(false);
          for (const p of alreadyInDest) {
            const k = p % blockPages;
            dest[k >>> 5] = (dest[k >>> 5] as number) | (1 << (k & 31));
            destBools[k] = true;
          }
          const start = startPage * PS;
          const length = (blockPages - startPage) * PS;
          let expectedNew = 0;
          for (let k = startPage; k < blockPages; k++) {
            if (src[offPages + k]) {
              if (!destBools[k]) expectedNew++;
              destBools[k] = true;
              src[offPages + k] = false;
            }
          }
          expect(dm.syncDirtyBitmap(block, dest, start, length)).toBe(expectedNew);
          for (let k = 0; k < destBools.length; k++) expect(((dest[k >>> 5] as number) >>> (k & 31)) & 1).toBe(destBools[k] ? 1 : 0);
          for (let p = 0; p < total; p++) expect(dm.getDirty(p * PS, PS, DIRTY_MEMORY_MIGRATION)).toBe(src[p]);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('the WebAssembly sync kernel and the JS loop move the same bits across big blocks', () => {
    const BP = SYNC_KERNEL_MIN_BLOCK_PAGES;
    const total = 3 * BP;
    const kernel = new DirtyMemory({ blockPages: BP, syncKernel: true });
    const plain = new DirtyMemory({ blockPages: BP, syncKernel: false });
    kernel.extend(total);
    plain.extend(total);
    // The kernel memory is a wasm memory: its buffer is longer than the bitmap.
    expect(kernel.blocksOf(DIRTY_MEMORY_MIGRATION)[0]!.length).toBe(BP / 32);
    expect(kernel.blocksOf(DIRTY_MEMORY_MIGRATION)[0]!.buffer.byteLength).toBeGreaterThan(BP / 8);
    expect(plain.blocksOf(DIRTY_MEMORY_MIGRATION)[0]!.buffer.byteLength).toBe(BP / 8);
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: total - 1 }), { maxLength: 300 }),
        fc.nat({ max: 2 * BP }).map((p) => p - (p % 32)),
        fc.integer({ min: 1, max: BP + 100 }),
        // Pages already dirty in the migration bitmap (half of the dirty ones among them): not counted again.
        fc.array(fc.nat({ max: BP + 99 }), { maxLength: 100 }),
        (dirty, off, len, already) => {
          const block = { idstr: 'b', offset: off * PS, usedLength: Math.min(len, total - off) * PS };
          const pages = block.usedLength / PS;
          const before = [
            ...already.filter((p) => p < pages),
            ...dirty.filter((p, i) => i % 2 === 0 && p >= off && p < off + pages).map((p) => p - off),
          ];
          const results = [kernel, plain].map((dm) => {
            dm.testAndClearDirty(0, total * PS, DIRTY_MEMORY_MIGRATION);
            for (const p of dirty) dm.setDirtyFlag(p * PS, DIRTY_MEMORY_MIGRATION);
            const dest = new Uint32Array(Math.ceil(pages / 32));
            for (const p of before) dest[p >>> 5] = (dest[p >>> 5] as number) | (1 << (p & 31));
            const n = dm.syncDirtyBitmap(block, dest);
            const left = [...new Set(dirty)].filter((p) => dm.getDirty(p * PS, PS, DIRTY_MEMORY_MIGRATION)).sort((a, b) => a - b);
            return { n, dest: [...dest], left };
          });
          const inBlock = [...new Set(dirty)].filter((p) => p >= off && p < off + pages);
          const beforeSet = new Set(before);
          expect(results[0]!.n).toBe(inBlock.filter((p) => !beforeSet.has(p - off)).length);
          for (const p of [...inBlock.map((q) => q - off), ...before]) {
            expect(((results[0]!.dest[p >>> 5] as number) >>> (p & 31)) & 1).toBe(1);
          }
          expect(results[0]).toEqual(results[1]);
          expect(results[0]!.left).toEqual([...new Set(dirty)].filter((p) => p < off || p >= off + pages).sort((a, b) => a - b));
        },
      ),
      { numRuns: 40 },
    );
    // A clean range, and a range whose bits are all in the destination already:
    // nothing new, the destination unchanged, the bitmap clear.
    const whole = { idstr: 'b', offset: 0, usedLength: total * PS };
    const dest = new Uint32Array(total / 32).fill(0x80000001);
    kernel.testAndClearDirty(0, total * PS, DIRTY_MEMORY_MIGRATION);
    expect(kernel.syncDirtyBitmap(whole, dest)).toBe(0);
    for (const p of [0, 31, BP + 32, total - 1]) kernel.setDirtyFlag(p * PS, DIRTY_MEMORY_MIGRATION);
    expect(kernel.syncDirtyBitmap(whole, dest)).toBe(0);
    expect(dest.every((v) => v === 0x80000001)).toBe(true);
    expect(kernel.getDirty(0, total * PS, DIRTY_MEMORY_MIGRATION)).toBe(false);
    // Workers attached to a kernel-backed owner share its bits.
    const view = DirtyMemory.attach(kernel.handle());
    view.setDirtyFlag((BP + 5) * PS, DIRTY_MEMORY_MIGRATION);
    expect(kernel.syncDirtyBitmap({ idstr: 'b', offset: BP * PS, usedLength: 64 * PS }, new Uint32Array(2))).toBe(1);
  });

  describe('syncMigrationRound (double-buffered MIGRATION bitmap)', () => {
    /** Bit p of a per-block bitmap list, as migrationBitmap lays it out. */
    const bitOf = (blocks: readonly Uint32Array[], bp: number, p: number): number =>
      testBit(blocks[Math.floor(p / bp)] as Uint32Array, p % bp) ? 1 : 0;

    for (const syncKernel of [true, false]) {
      it(`moves every MIGRATION bit into the migration bitmap and counts the new ones, round after round (${syncKernel ? 'wasm' : 'JS'})`, () => {
        const BP = SYNC_KERNEL_MIN_BLOCK_PAGES;
        const total = 2 * BP + 100;
        const dm = new DirtyMemory({ blockPages: BP, syncKernel });
        dm.extend(total);
        const hooks: [number, number, number, boolean][] = [];
        dm.addClearHook((start, length, client, dirty) => hooks.push([start, length, client, dirty]));
        const migrated = new Set<number>(); // the oracle of the migration bitmap
        fc.assert(
          fc.property(
            fc.array(fc.nat({ max: total - 1 }), { maxLength: 200 }),
            fc.array(fc.nat({ max: total - 1 }), { maxLength: 50 }),
            (dirty, sent) => {
              // The migration sends some pages: their bits leave the migration bitmap.
              const bmap = dm.migrationBitmap();
              for (const p of sent) {
                clearBit(bmap[Math.floor(p / BP)] as Uint32Array, p % BP);
                migrated.delete(p);
              }
              const half = dm.blocksOf(DIRTY_MEMORY_MIGRATION);
              for (const p of dirty) dm.setDirtyFlag(p * PS, DIRTY_MEMORY_MIGRATION);
              const fresh = new Set(dirty.filter((p) => !migrated.has(p)));
              hooks.length = 0;
              expect(dm.syncMigrationRound()).toBe(fresh.size);
              for (const p of dirty) migrated.add(p);
              // Writers now target the other half; nothing is left dirty.
              expect(dm.blocksOf(DIRTY_MEMORY_MIGRATION)).not.toBe(half);
              expect(dm.getDirty(0, total * PS, DIRTY_MEMORY_MIGRATION)).toBe(false);
              for (const b of half) expect(b.every((w) => w === 0)).toBe(true);
              for (let p = 0; p < total; p += 97) expect(bitOf(dm.migrationBitmap(), BP, p)).toBe(migrated.has(p) ? 1 : 0);
              for (const p of migrated) expect(bitOf(dm.migrationBitmap(), BP, p)).toBe(1);
              // upstream 077874e01f: the sync into the migration bitmap is a clearing path.
              expect(hooks).toEqual([[0, total * PS, DIRTY_MEMORY_MIGRATION, fresh.size > 0]]);
            },
          ),
          { numRuns: 30 },
        );
      });
    }

    it('per-block sync, test-and-clear and readers work on the half writers target, across rounds', () => {
      const dm = make(3 * BLOCK_PAGES, false);
      const view = DirtyMemory.attach(dm.handle());
      for (let round = 0; round < 4; round++) {
        view.setDirtyFlag(5 * PS, DIRTY_MEMORY_MIGRATION);
        view.setDirtyRange((BLOCK_PAGES - 1) * PS, 3 * PS, DIRTY_CLIENTS_NOCODE);
        expect(dm.getDirty(5 * PS, PS, DIRTY_MEMORY_MIGRATION)).toBe(true);
        expect(dm.allDirty((BLOCK_PAGES - 1) * PS, 3 * PS, DIRTY_MEMORY_MIGRATION)).toBe(true);
        expect(dm.rangeIncludesClean(5 * PS, PS, DIRTY_CLIENTS_NOCODE)).toBe(1 << DIRTY_MEMORY_VGA);
        expect(dm.testAndClearDirty(5 * PS, PS, DIRTY_MEMORY_MIGRATION)).toBe(true);
        const dest = new Uint32Array(3 * BLOCK_PAGES / 32);
        expect(dm.syncDirtyBitmap({ idstr: 'b', offset: 0, usedLength: 2 * BLOCK_PAGES * PS }, dest)).toBe(3); // pages 63, 64, 65
        view.setDirtyFlag(7 * PS, DIRTY_MEMORY_MIGRATION);
        // Page 7, new to the migration bitmap in the first round only.
        expect(dm.syncMigrationRound()).toBe(round === 0 ? 1 : 0);
        expect(view.getDirty(0, 3 * BLOCK_PAGES * PS, DIRTY_MEMORY_MIGRATION)).toBe(false);
        dm.testAndClearDirty(0, 3 * BLOCK_PAGES * PS, DIRTY_MEMORY_VGA);
      }
    });

    it('the migration bitmap belongs to the owner: a view cannot run a round', () => {
      const dm = make(BLOCK_PAGES, false);
      const view = DirtyMemory.attach(dm.handle());
      expect(() => view.syncMigrationRound()).toThrow(DirtyMemoryAttachedError);
      expect(() => view.migrationBitmap()).toThrow(DirtyMemoryAttachedError);
    });

    it('a KVM bitmap merged after a round lands in the half writers target', () => {
      const dm = make(BLOCK_PAGES, false);
      dm.syncMigrationRound();
      dm.setDirtyLebitmap(Uint32Array.of(0b101), 0, 3);
      expect(dm.getDirty(0, PS, DIRTY_MEMORY_MIGRATION)).toBe(true);
      expect(dm.getDirty(2 * PS, PS, DIRTY_MEMORY_MIGRATION)).toBe(true);
      expect(dm.syncMigrationRound()).toBe(2);
    });
  });

  it('extend publishes a new block list and leaves the old one intact for its readers', () => {
    const dm = make(BLOCK_PAGES, false);
    const old = dm.blocksOf(DIRTY_MEMORY_VGA);
    dm.setDirtyFlag(5 * PS, DIRTY_MEMORY_VGA);
    dm.extend(3 * BLOCK_PAGES);
    const now = dm.blocksOf(DIRTY_MEMORY_VGA);
    expect(now).not.toBe(old);
    expect(old.length).toBe(1);
    expect(Object.isFrozen(old)).toBe(true);
    expect(now.length).toBe(3);
    expect(now[0]).toBe(old[0]); // same bits, seen by old and new readers
    expect(dm.getDirty(5 * PS, PS, DIRTY_MEMORY_VGA)).toBe(true);
    expect(dm.numPages).toBe(3 * BLOCK_PAGES);
    dm.setDirtyFlag((3 * BLOCK_PAGES - 1) * PS, DIRTY_MEMORY_VGA);
    expect(dm.getDirty((3 * BLOCK_PAGES - 1) * PS, PS, DIRTY_MEMORY_VGA)).toBe(true);
  });

  it('a reader attached before RAM grew keeps working on the pages it knew', () => {
    const dm = make(BLOCK_PAGES, false);
    const early = DirtyMemory.attach(dm.handle());
    dm.extend(4 * BLOCK_PAGES);
    early.setDirtyRange(10 * PS, 54 * PS, 1 << DIRTY_MEMORY_MIGRATION); // up to the end of the first block
    expect(dm.allDirty(10 * PS, 54 * PS, DIRTY_MEMORY_MIGRATION)).toBe(true);
    expect(() => early.setDirtyRange(BLOCK_PAGES * PS, PS, 1 << DIRTY_MEMORY_MIGRATION)).toThrow(DirtyRangeError);
    const late = DirtyMemory.attach(dm.handle());
    late.setDirtyFlag((4 * BLOCK_PAGES - 1) * PS, DIRTY_MEMORY_MIGRATION);
    expect(dm.getDirty((4 * BLOCK_PAGES - 1) * PS, PS, DIRTY_MEMORY_MIGRATION)).toBe(true);
  });

  it('an attached view shares the bits of its owner', () => {
    const dm = make(100, true);
    const view = DirtyMemory.attach(dm.handle());
    view.setDirtyRange(3 * PS, PS, DIRTY_CLIENTS_ALL);
    expect(dm.getDirty(3 * PS, PS, DIRTY_MEMORY_CODE)).toBe(true);
    expect(dm.testAndClearDirty(3 * PS, PS, DIRTY_MEMORY_VGA)).toBe(true);
    expect(view.getDirty(3 * PS, PS, DIRTY_MEMORY_VGA)).toBe(false);
    expect(() => view.extend(1000)).toThrow(DirtyMemoryAttachedError);
  });

  it('clear hooks see every clear with its page-aligned range and whether it found bits', () => {
    const dm = make(200, false);
    const seen: [number, number, number, boolean][] = [];
    const other: number[] = [];
    dm.addClearHook((s, l, c, d) => seen.push([s, l, c, d]));
    const remove = dm.addClearHook((s) => other.push(s));
    dm.setDirtyRange(0, 200 * PS, DIRTY_CLIENTS_ALL);
    dm.testAndClearDirty(PS + 1, PS, DIRTY_MEMORY_VGA);
    dm.snapshotAndClearDirty(10 * PS, 3 * PS, DIRTY_MEMORY_VGA);
    dm.syncDirtyBitmap({ idstr: 'b', offset: 64 * PS, usedLength: 64 * PS }, new Uint32Array(2));
    remove();
    dm.testAndClearDirty(PS, PS, DIRTY_MEMORY_VGA);
    dm.snapshotAndClearDirty(10 * PS, 3 * PS, DIRTY_MEMORY_VGA);
    dm.syncDirtyBitmap({ idstr: 'b', offset: 64 * PS, usedLength: 64 * PS }, new Uint32Array(2));
    expect(seen).toEqual([
      [PS, 2 * PS, DIRTY_MEMORY_VGA, true],
      [10 * PS, 3 * PS, DIRTY_MEMORY_VGA, true],
      [64 * PS, 64 * PS, DIRTY_MEMORY_MIGRATION, true],
      [PS, PS, DIRTY_MEMORY_VGA, false],
      [10 * PS, 3 * PS, DIRTY_MEMORY_VGA, false],
      [64 * PS, 64 * PS, DIRTY_MEMORY_MIGRATION, false],
    ]);
    expect(other).toEqual([PS, 10 * PS, 64 * PS]);
  });
});

describe('DirtyMemory bad input: typed errors, state unchanged', () => {
  function state(dm: DirtyMemory): Oracle {
    return readAll(dm, dm.numPages);
  }

  it('client index out of range', () => {
    const dm = make(100, true);
    dm.setDirtyRange(0, 7 * PS, DIRTY_CLIENTS_ALL);
    const before = state(dm);
    for (const c of [-1, 3, 1.5, Number.NaN]) {
      expect(() => dm.getDirty(0, PS, c)).toThrow(DirtyClientError);
      expect(() => dm.testAndClearDirty(0, PS, c)).toThrow(DirtyClientError);
      expect(() => dm.snapshotAndClearDirty(0, PS, c)).toThrow(DirtyClientError);
      expect(() => dm.setDirtyFlag(0, c)).toThrow(DirtyClientError);
    }
    expect(() => dm.setDirtyRange(0, 100 * PS, 1 << 3)).toThrow(DirtyClientError);
    expect(() => dm.setDirtyRange(0, 100 * PS, DIRTY_CLIENTS_ALL | 16)).toThrow(DirtyClientError);
    expect(state(dm)).toEqual(before);
  });

  it('ranges outside RAM, a block or a snapshot', () => {
    const dm = make(100, false);
    dm.setDirtyRange(0, 100 * PS, 1 << DIRTY_MEMORY_MIGRATION);
    const before = state(dm);
    expect(() => dm.setDirtyRange(99 * PS, 2 * PS, DIRTY_CLIENTS_ALL)).toThrow(DirtyRangeError);
    expect(() => dm.setDirtyRange(-PS, PS, DIRTY_CLIENTS_ALL)).toThrow(DirtyRangeError);
    expect(() => dm.testAndClearDirty(0, 101 * PS, DIRTY_MEMORY_MIGRATION)).toThrow(DirtyRangeError);
    expect(() => dm.getDirty(Number.NaN, PS, DIRTY_MEMORY_VGA)).toThrow(DirtyRangeError);
    const block = { idstr: 'pc.ram', offset: 32 * PS, usedLength: 32 * PS };
    expect(() => dm.syncDirtyBitmap(block, new Uint32Array(1), 0, 33 * PS)).toThrow(DirtyRangeError);
    expect(() => dm.syncDirtyBitmap(block, new Uint32Array(1), 16 * PS, 17 * PS)).toThrow(DirtyRangeError);
    expect(() => dm.syncDirtyBitmap({ ...block, offset: 80 * PS }, new Uint32Array(1))).toThrow(DirtyRangeError);
    expect(() => dm.syncDirtyBitmap({ ...block, usedLength: 64 * PS }, new Uint32Array(1))).toThrow(DirtyBitmapSizeError);
    expect(() => dm.setDirtyLebitmap(new Uint32Array(4), 90 * PS, 20)).toThrow(DirtyRangeError);
    expect(state(dm)).toEqual(before);
    const snap = dm.snapshotAndClearDirty(10 * PS, 10 * PS, DIRTY_MEMORY_MIGRATION);
    expect(() => dm.snapshotGetDirty(snap, 5 * PS, PS)).not.toThrow(); // inside the word-aligned snapshot
    expect(() => dm.snapshotGetDirty(snap, 19 * PS, 2 * PS)).toThrow(DirtyRangeError);
    expect(dm.snapshotGetDirty(snap, 5 * PS, PS)).toBe(false); // outside the range that was taken
    expect(dm.snapshotGetDirty(snap, 19 * PS, PS)).toBe(true);
  });

  it('bad block size', () => {
    expect(() => new DirtyMemory({ blockPages: 33 })).toThrow(RangeError);
  });
});

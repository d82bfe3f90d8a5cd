import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DIRTY_MEMORY_MIGRATION, RamList, type RamBlock } from '@memvisor/memory-core';
import { PageRangeError, PostcopyUnavailableError } from '../errors.js';
import { RamBlockMigrationState } from './ramBlockMigrationState.js';

const TPS = 4096;
const MIG = 1 << DIRTY_MEMORY_MIGRATION;

function setup(pages: number, hostRatio = 1, postcopy = true, resizeable = false): { ram: RamList; block: RamBlock; st: RamBlockMigrationState } {
  const ram = new RamList();
  ram.alloc({ name: 'other', size: 3 * TPS }); // the block under test does not start at ram_addr 0
  const block = ram.alloc({
    name: 'pc.ram',
    size: pages * TPS,
    pageSize: hostRatio * TPS,
    ...(resizeable ? { resizeable: true, maxSize: 4 * pages * TPS } : {}),
  });
  const st = new RamBlockMigrationState(block, ram.dirtyMemory, { postcopy });
  // ram_init_bitmaps' first sync: takes the bits alloc set, bmap already has them all
  expect(st.sync()).toBe(0);
  return { ram, block, st };
}

function bits(map: Uint32Array | null, n: number): boolean[] {
  const out: boolean[] = [];
  for (let p = 0; p < n; p++) out.push(map !== null && ((map[p >>> 5]! >>> (p & 31)) & 1) === 1);
  return out;
}

function dirtyPage(ram: RamList, block: RamBlock, page: number): void {
  ram.dirtyMemory.setDirtyRange(block.offset + page * TPS, TPS, MIG);
}

describe('RamBlockMigrationState (upstream f3f491fcd6)', () => {
  it('setup: every page dirty; with postcopy every page unsent, without it no unsent map', () => {
    const { st } = setup(70);
    expect(st.pages).toBe(70);
    expect(st.dirtyPages).toBe(70);
    expect(st.unsentPages).toBe(70);
    expect(bits(st.bmap, 70).every(Boolean)).toBe(true);
    expect(st.bmap[2]! >>> 6).toBe(0); // no bits past the end
    expect(setup(70, 1, false).st.unsentmap).toBeNull();
  });

  it('a sent page leaves both maps; dirtied again and synced it is dirty but stays sent (f3f491fcd6)', () => {
    const { ram, block, st } = setup(64);
    st.markSent(5);
    st.markSent(6);
    expect([st.isDirty(5), st.isUnsent(5), st.dirtyPages, st.unsentPages]).toEqual([false, false, 62, 62]);
    dirtyPage(ram, block, 5);
    expect(st.sync()).toBe(1);
    expect([st.isDirty(5), st.isUnsent(5), st.dirtyPages, st.unsentPages]).toEqual([true, false, 63, 62]);
    expect(st.isDirty(6)).toBe(false);
  });

  it('findDirty walks the dirty pages in order and returns `pages` when there is none', () => {
    const { st } = setup(40, 1, false);
    for (let p = 0; p < 40; p++) if (p !== 3 && p !== 33) st.markSent(p);
    expect(st.findDirty()).toBe(3);
    expect(st.findDirty(4)).toBe(33);
    expect(st.findDirty(34)).toBe(40);
    expect(st.findDirty(40)).toBe(40);
  });

  it('host page = target page: the discard list is the runs of pages dirty or never sent', () => {
    const { ram, block, st } = setup(16);
    for (let p = 0; p < 16; p++) if (p < 4 || p >= 10) st.markSent(p);
    dirtyPage(ram, block, 1);
    dirtyPage(ram, block, 2);
    dirtyPage(ram, block, 15);
    const d = st.postcopyDiscard();
    expect(d.block).toBe('pc.ram');
    expect(d.redirtied).toBe(0);
    expect(d.ranges).toEqual([
      { start: 1 * TPS, length: 2 * TPS },
      { start: 4 * TPS, length: 6 * TPS },
      { start: 15 * TPS, length: TPS },
    ]);
  });

  it('host page > target page: a partly dirty or partly unsent host page is discarded and resent whole', () => {
    const { ram, block, st } = setup(16, 4);
    for (let p = 0; p < 16; p++) st.markSent(p);
    dirtyPage(ram, block, 5); // host page 1 partly dirty
    const d = st.postcopyDiscard();
    expect(d.ranges).toEqual([{ start: 4 * TPS, length: 4 * TPS }]);
    expect(d.redirtied).toBe(3);
    expect(st.dirtyPages).toBe(4);
    expect(bits(st.bmap, 16).map(Number).join('')).toBe('0000111100000000');
    expect(bits(st.unsentmap, 16).map(Number).join('')).toBe('0000111100000000');

    const fresh = setup(16, 4).st;
    for (let p = 0; p < 16; p++) if (p !== 14) fresh.markSent(p); // host page 3 partly unsent
    const d2 = fresh.postcopyDiscard();
    expect(d2.ranges).toEqual([{ start: 12 * TPS, length: 4 * TPS }]);
    expect(d2.redirtied).toBe(3);
  });

  const oracleCase = (hostRatio: number) =>
    fc.record({
      pages: fc.integer({ min: 1, max: 90 }),
      ops: fc.array(
        fc.tuple(fc.constantFrom('send', 'send', 'send', 'touch', 'sync'), fc.nat()),
        { maxLength: 200 },
      ),
    }).map((r) => ({ ...r, hostRatio }));

  for (const hostRatio of [1, 2, 4, 8]) {
    it(`postcopyDiscard agrees with a boolean-array oracle, host page = ${hostRatio} target pages (property, f3f491fcd6)`, () => {
      fc.assert(
        fc.property(oracleCase(hostRatio), ({ pages, ops }) => {
          const { ram, block, st } = setup(pages, hostRatio);
          const dirty = new Array<boolean>(pages).fill(true);
          const unsent = new Array<boolean>(pages).fill(true);
          const pending = new Array<boolean>(pages).fill(false);
          for (const [op, n] of ops) {
            const p = n % pages;
            if (op === 'send') {
              st.markSent(p);
              dirty[p] = false;
              unsent[p] = false;
            } else if (op === 'touch') {
              dirtyPage(ram, block, p);
              pending[p] = true;
            } else {
              const newly = pending.filter((x, i) => x && !dirty[i]).length;
              expect(st.sync()).toBe(newly);
              for (let i = 0; i < pages; i++) {
                if (pending[i]) {
                  dirty[i] = true;
                  pending[i] = false;
                }
              }
            }
            expect(st.dirtyPages).toBe(dirty.filter(Boolean).length);
          }
          expect(bits(st.unsentmap, pages)).toEqual(unsent);
          // the switch: last sync, then whole host pages
          for (let i = 0; i < pages; i++) if (pending[i]) dirty[i] = true;
          const discard: boolean[] = [];
          let redirtied = 0;
          for (let h = 0; h < pages; h += hostRatio) {
            const idx = [...Array(Math.min(hostRatio, pages - h)).keys()].map((k) => h + k);
            const any = idx.some((i) => dirty[i] || unsent[i]);
            for (const i of idx) {
              discard[i] = any;
              if (any && !dirty[i]) redirtied++;
            }
          }
          const ranges: { start: number; length: number }[] = [];
          for (let i = 0; i < pages; i++) {
            if (!discard[i]) continue;
            const last = ranges[ranges.length - 1];
            if (last !== undefined && last.start + last.length === i * TPS) last.length += TPS;
            else ranges.push({ start: i * TPS, length: TPS });
          }
          const d = st.postcopyDiscard();
          expect(d.ranges).toEqual(ranges);
          expect(d.redirtied).toBe(redirtied);
          for (const r of d.ranges) expect(r.start % (hostRatio * TPS)).toBe(0);
          expect(bits(st.bmap, pages)).toEqual(discard);
          expect(bits(st.unsentmap, pages)).toEqual(discard);
          expect(st.dirtyPages).toBe(discard.filter(Boolean).length);
        }),
        { numRuns: 150 },
      );
    });
  }

  it('a page outside the block throws PageRangeError and changes nothing', () => {
    const { st } = setup(40);
    st.markSent(7);
    const before = [Array.from(st.bmap), Array.from(st.unsentmap!), st.dirtyPages];
    for (const bad of [40, -1, 2.5, Number.NaN, 1e9]) {
      expect(() => st.markSent(bad)).toThrow(PageRangeError);
      expect(() => st.isDirty(bad)).toThrow(PageRangeError);
    }
    expect(() => st.findDirty(41)).toThrow(PageRangeError);
    expect(() => st.markSent(40)).toThrow(/page 40 is outside RAM block "pc.ram", which has 40 target pages/);
    expect([Array.from(st.bmap), Array.from(st.unsentmap!), st.dirtyPages]).toEqual(before);
  });

  it('without postcopy the switch throws PostcopyUnavailableError and changes nothing', () => {
    const { ram, block, st } = setup(8, 1, false);
    st.markSent(1);
    dirtyPage(ram, block, 1);
    expect(() => st.postcopyDiscard()).toThrow(PostcopyUnavailableError);
    expect(() => st.postcopyDiscard()).toThrow(/postcopy was not enabled/);
    expect(st.isDirty(1)).toBe(false); // not synced by the failed call
    expect(ram.dirtyMemory.getDirty(block.offset + TPS, TPS, DIRTY_MEMORY_MIGRATION)).toBe(true);
  });

  it('a resize during precopy drops the unsent map; new pages start dirty; postcopy then refuses (f3f491fcd6)', () => {
    const { ram, block, st } = setup(8, 1, true, true);
    for (let p = 0; p < 8; p++) st.markSent(p);
    ram.resize(block, 12 * TPS);
    // the switch refuses before its sync: nothing changes
    expect(() => st.postcopyDiscard()).toThrow(/resized during precopy/);
    expect(st.pages).toBe(8);
    st.sync();
    expect(st.pages).toBe(12);
    expect(st.unsentmap).toBeNull();
    expect(st.unsentPages).toBeNull();
    for (let p = 8; p < 12; p++) expect(st.isDirty(p)).toBe(true);
    // qemu_ram_resize also marks the whole block dirty, so the old pages come back too
    expect(st.dirtyPages).toBe(12);
    expect(() => st.postcopyDiscard()).toThrow(PostcopyUnavailableError);
    expect(() => st.postcopyDiscard()).toThrow(/dropped its unsent map/);
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DIRTY_MEMORY_CODE, DIRTY_MEMORY_MIGRATION, DIRTY_MEMORY_VGA } from '../topology/types.js';
import { RamList } from './ramList.js';
import type { RamBlock } from './ramBlock.js';
import { PageSizes } from './pageSize.js';
import { PageSizeError, RamAllocationError, RamBlockExistsError, RamBlockNotFoundError, RamBlockResizeError } from './errors.js';

const KiB = 1024;
const MiB = 1024 * KiB;
/** QEMU aligns block offsets to 64 target pages. */
const ALIGN = 64 * 4096;

function layout(list: RamList): [string, number, number][] {
  return list.blocks.map((b) => [b.idstr, b.offset, b.maxLength]);
}

describe('RamList placement (find_ram_offset)', () => {
  it('the first block goes at 0, the next ones after it on a 64-page boundary', () => {
    const list = new RamList();
    const a = list.alloc({ name: 'a', size: 12 * KiB });
    const b = list.alloc({ name: 'b', size: 1 * MiB });
    expect(a.offset).toBe(0);
    expect(b.offset).toBe(ALIGN);
  });

  it('a freed range is reused by the smallest gap after a block that fits', () => {
    const list = new RamList();
    const a = list.alloc({ name: 'a', size: MiB });
    const b = list.alloc({ name: 'b', size: MiB });
    const c = list.alloc({ name: 'c', size: MiB });
    expect([a.offset, b.offset, c.offset]).toEqual([0, MiB, 2 * MiB]);
    list.free(b);
    const d = list.alloc({ name: 'd', size: 512 * KiB });
    expect(d.offset).toBe(MiB); // gap of 1 MiB after a beats the open space after c
    const e = list.alloc({ name: 'e', size: 768 * KiB });
    expect(e.offset).toBe(3 * MiB); // the 512 KiB left after d is too small
    list.free(a);
    // QEMU only looks for gaps after blocks: the hole at 0 stays unused.
    const f = list.alloc({ name: 'f', size: 256 * KiB });
    expect(f.offset).toBe(MiB + 512 * KiB);
  });

  it('random allocs and frees never overlap, stay aligned, and always pick the smallest fitting gap', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.record({ alloc: fc.integer({ min: 1, max: 40 }) }), fc.record({ free: fc.nat({ max: 20 }) })), { maxLength: 40 }),
        (ops) => {
          const list = new RamList();
          let n = 0;
          for (const o of ops) {
            if ('free' in o) {
              const victim = list.blocks[o.free % Math.max(1, list.blocks.length)];
              if (victim) list.free(victim);
              continue;
            }
            const size = o.alloc * 64 * KiB;
            const before = list.blocks.map((b) => ({ s: b.offset, e: b.offset + b.maxLength }));
            const blk = list.alloc({ name: `b${n++}`, size });
            // The oracle: every candidate gap (after a block, aligned), smallest that fits.
            let want = before.length === 0 ? 0 : -1;
            let best = Infinity;
            for (const x of before) {
              const cand = Math.ceil(x.e / ALIGN) * ALIGN;
              const next = Math.min(Number.MAX_SAFE_INTEGER + 1, ...before.filter((y) => y.s >= cand).map((y) => y.s));
              if (next - cand >= blk.maxLength && next - cand < best) {
                best = next - cand;
                want = cand;
              }
            }
            expect(blk.offset).toBe(want);
            expect(blk.offset % ALIGN).toBe(0);
            for (const x of before) expect(blk.offset + blk.maxLength <= x.s || x.e <= blk.offset).toBe(true);
          }
        },
      ),
    );
  });

  it('keeps blocks sorted from the largest to the smallest; equal sizes in creation order', () => {
    const list = new RamList();
    list.alloc({ name: 'small', size: 64 * KiB });
    list.alloc({ name: 'big', size: 2 * MiB });
    list.alloc({ name: 'mid1', size: MiB });
    list.alloc({ name: 'mid2', size: MiB });
    list.alloc({ name: 'max', size: 64 * KiB, maxSize: 4 * MiB, resizeable: true });
    expect(list.blocks.map((b) => b.idstr)).toEqual(['max', 'big', 'mid1', 'mid2', 'small']);
  });

  it('publishes a new frozen blocks array on every change and bumps the version', () => {
    const list = new RamList();
    const v0 = list.version;
    const a = list.alloc({ name: 'a', size: MiB });
    const snapshot = list.blocks;
    list.alloc({ name: 'b', size: MiB });
    expect(snapshot.map((b) => b.idstr)).toEqual(['a']);
    expect(Object.isFrozen(list.blocks)).toBe(true);
    list.free(a);
    expect(list.version).toBe(v0 + 3);
  });
});

describe('RamBlock ids and lookups', () => {
  it('idstr is owner path + "/" + name, or the name alone', () => {
    const list = new RamList();
    expect(list.alloc({ name: 'vga.vram', owner: '/machine/unattached/device[3]', size: MiB }).idstr).toBe('/machine/unattached/device[3]/vga.vram');
    expect(list.alloc({ name: 'riscv_virt_board.ram', size: MiB }).idstr).toBe('riscv_virt_board.ram');
  });

  it('a duplicate id string is a typed error and changes nothing', () => {
    const list = new RamList();
    list.alloc({ name: 'pc.ram', size: MiB });
    const before = layout(list);
    const v = list.version;
    expect(() => list.alloc({ name: 'pc.ram', size: 2 * MiB })).toThrow(RamBlockExistsError);
    expect(layout(list)).toEqual(before);
    expect(list.version).toBe(v);
    expect(list.dirtyMemory.numPages).toBe(MiB / 4096);
  });

  // upstream e3dd74934f: find a RAMBlock by its name
  it('findByName finds a block by id string, and not after it is freed', () => {
    const list = new RamList();
    const a = list.alloc({ name: 'mrom', owner: 'riscv_virt_board', size: 64 * KiB });
    expect(list.findByName('riscv_virt_board/mrom')).toBe(a);
    expect(list.findByName('mrom')).toBeNull();
    list.free(a);
    expect(list.findByName('riscv_virt_board/mrom')).toBeNull();
  });

  // upstream 422148d3e5: host pointer -> (RAMBlock, offset, ram_addr)
  it('fromHost maps a buffer offset back to block, offset and ram_addr', () => {
    const list = new RamList();
    const a = list.alloc({ name: 'a', size: MiB });
    const b = list.alloc({ name: 'b', size: MiB });
    expect(list.fromHost(b.buffer, 5000)).toEqual({ block: b, offset: 5000, ramAddr: b.offset + 5000 });
    expect(list.fromHost(b.buffer, 5000, true)).toEqual({ block: b, offset: 4096, ramAddr: b.offset + 4096 });
    expect(list.fromHost(a.buffer, 0)?.block).toBe(a);
    expect(list.fromHost(a.buffer, MiB)).toBeNull();
    expect(list.fromHost(new SharedArrayBuffer(16), 0)).toBeNull();
    // Caller-supplied memory with the block in the middle of the buffer.
    const shared = new SharedArrayBuffer(3 * MiB);
    const c = list.alloc({ name: 'c', size: MiB, host: shared, hostOffset: MiB });
    expect(list.fromHost(shared, MiB + 10)).toEqual({ block: c, offset: 10, ramAddr: c.offset + 10 });
    expect(list.fromHost(shared, 10)).toBeNull();
    expect(c.host.byteOffset).toBe(MiB);
  });

  it('findByRamAddr finds the block holding a ram_addr', () => {
    const list = new RamList();
    const a = list.alloc({ name: 'a', size: MiB });
    const b = list.alloc({ name: 'b', size: 64 * KiB, maxSize: MiB, resizeable: true });
    expect(list.findByRamAddr(b.offset + MiB - 1)).toBe(b); // up to max length
    expect(list.findByRamAddr(a.offset)).toBe(a);
    expect(list.findByRamAddr(b.offset + MiB)).toBeNull();
  });
});

describe('RamList free (one path for every kind)', () => {
  // upstream a29ac16632, 794e8f301a: one free path for allocated and preallocated blocks
  it('frees allocated and caller-supplied blocks the same way and reuses their range', () => {
    const list = new RamList();
    const first = list.alloc({ name: 'first', size: MiB });
    const own = list.alloc({ name: 'own', size: MiB });
    const pre = list.alloc({ name: 'pre', size: MiB, host: new SharedArrayBuffer(MiB) });
    list.alloc({ name: 'last', size: MiB });
    expect(pre.preallocated).toBe(true);
    expect(own.preallocated).toBe(false);
    const ownAt = own.offset;
    list.free(own);
    list.free(pre);
    expect(own.isFreed && pre.isFreed).toBe(true);
    expect(list.blocks.map((b) => b.idstr)).toEqual(['first', 'last']);
    expect(list.fromHost(pre.buffer, 0)).toBeNull();
    // Readers that still hold a freed block keep valid memory.
    pre.host[0] = 7;
    expect(pre.host[0]).toBe(7);
    expect(list.alloc({ name: 'again', size: 2 * MiB }).offset).toBe(ownAt);
    expect(first.isFreed).toBe(false);
  });

  it('freeing a block twice, or a block of another list, is a typed error', () => {
    const list = new RamList();
    const a = list.alloc({ name: 'a', size: MiB });
    list.free(a);
    expect(() => list.free(a)).toThrow(RamBlockNotFoundError);
    const other = new RamList().alloc({ name: 'a', size: MiB });
    list.alloc({ name: 'a', size: MiB });
    expect(() => list.free(other)).toThrow(RamBlockNotFoundError);
  });
});

describe('RamList dirty bitmaps and resize', () => {
  it('a new block is dirty for every client, and the bitmaps cover its max length', () => {
    const list = new RamList({ tcg: true });
    const b = list.alloc({ name: 'rom', size: 64 * KiB, maxSize: MiB, resizeable: true });
    const dm = list.dirtyMemory;
    expect(dm.numPages).toBe(MiB / 4096);
    for (const c of [DIRTY_MEMORY_VGA, DIRTY_MEMORY_CODE, DIRTY_MEMORY_MIGRATION]) {
      expect(dm.allDirty(b.offset, b.usedLength, c)).toBe(true);
      expect(dm.getDirty(b.offset + b.usedLength, MiB - b.usedLength, c)).toBe(false);
    }
  });

  // upstream aaf0301917: resizeable ROM blocks; the dirty bitmaps follow the used length
  it('resize grows the used length up to max, re-marks the block dirty and calls back', () => {
    const calls: [string, number, number][] = [];
    const list = new RamList();
    const rom = list.alloc({
      name: 'fw.rom',
      owner: '/rom@etc',
      size: 100 * KiB,
      maxSize: MiB,
      resizeable: true,
      resized: (id, size, host) => calls.push([id, size, host.byteLength]),
    });
    const dm = list.dirtyMemory;
    expect(rom.usedLength).toBe(100 * KiB);
    dm.testAndClearDirty(rom.offset, rom.usedLength, DIRTY_MEMORY_MIGRATION);
    list.resize(rom, 300 * KiB + 1); // rounded up to a host page
    expect(rom.usedLength).toBe(304 * KiB);
    expect(dm.allDirty(rom.offset, rom.usedLength, DIRTY_MEMORY_MIGRATION)).toBe(true);
    expect(dm.getDirty(rom.offset + rom.usedLength, MiB - rom.usedLength, DIRTY_MEMORY_VGA)).toBe(false);
    expect(calls).toEqual([['/rom@etc/fw.rom', 304 * KiB, MiB]]);
    list.resize(rom, 304 * KiB); // same size: nothing happens
    expect(calls.length).toBe(1);
    list.resize(rom, 8 * KiB);
    expect(rom.usedLength).toBe(8 * KiB);
    expect(dm.getDirty(rom.offset + 8 * KiB, 296 * KiB, DIRTY_MEMORY_VGA)).toBe(false);
    expect(dm.allDirty(rom.offset, 8 * KiB, DIRTY_MEMORY_VGA)).toBe(true);
  });

  it('resize beyond max, or of a fixed block, is a typed error and changes nothing', () => {
    const list = new RamList();
    const rom = list.alloc({ name: 'rom', size: 64 * KiB, maxSize: 128 * KiB, resizeable: true, resized: () => expect.fail('no callback') });
    const ram = list.alloc({ name: 'ram', size: MiB });
    const dm = list.dirtyMemory;
    dm.testAndClearDirty(0, dm.numPages * 4096, DIRTY_MEMORY_VGA);
    const err = (() => {
      try {
        list.resize(rom, 129 * KiB);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(RamBlockResizeError);
    expect((err as RamBlockResizeError).reason).toBe('too-large');
    expect(() => list.resize(ram, 2 * MiB)).toThrow(RamBlockResizeError);
    expect(() => list.resize(rom, 0)).toThrow(RamBlockResizeError);
    expect(rom.usedLength).toBe(64 * KiB);
    expect(ram.usedLength).toBe(MiB);
    expect(dm.getDirty(0, dm.numPages * 4096, DIRTY_MEMORY_VGA)).toBe(false);
  });

  it('bad sizes are typed errors', () => {
    const list = new RamList();
    expect(() => list.alloc({ name: 'z', size: 0 })).toThrow(RamAllocationError);
    expect(() => list.alloc({ name: 'z', size: MiB, maxSize: 2 * MiB })).toThrow(RamAllocationError);
    expect(() => list.alloc({ name: 'z', size: 2 * MiB, maxSize: MiB, resizeable: true })).toThrow(RamAllocationError);
    expect(() => list.alloc({ name: 'z', size: MiB, host: new SharedArrayBuffer(MiB - 1) })).toThrow(RamAllocationError);
    expect(() => list.alloc({ name: 'z', size: MiB, host: new SharedArrayBuffer(MiB), resizeable: true, maxSize: MiB })).toThrow(RamAllocationError);
    expect(() => list.alloc({ name: 'z', size: MiB, pageSize: 3000 })).toThrow(PageSizeError);
    expect(list.blocks.length).toBe(0);
  });
});

describe('page sizes', () => {
  // upstream 4e51361d79: host page alignment distinct from target page alignment
  it('target, host and real host page sizes are distinct and configurable', () => {
    const p = new PageSizes({ targetPageBits: 12, realHostPageSize: 16384 });
    expect(p.targetPageSize).toBe(4096);
    expect(p.realHostPageSize).toBe(16384);
    expect(p.hostPageSize).toBe(16384);
    expect(p.targetPageAlign(5000)).toBe(8192);
    expect(p.realHostPageAlign(5000)).toBe(16384);
    expect(p.realHostPageMask).toBe(0xffff_ffff_ffff_c000n);
    expect(p.targetPageMask).toBe(0xffff_ffff_ffff_f000n);
    expect(p.hostToTargetRatio).toBe(4);
    // qemu_host_page_size is at least the target page size; the real one is untouched.
    const q = new PageSizes({ targetPageBits: 13, realHostPageSize: 4096 });
    expect(q.hostPageSize).toBe(8192);
    expect(q.realHostPageSize).toBe(4096);
    expect(q.hostPageAlign(1)).toBe(8192);
    expect(q.realHostPageAlign(1)).toBe(4096);
    expect(q.hostPageMask).toBe(0xffff_ffff_ffff_e000n);
    // A configured host page size larger than the real one.
    expect(new PageSizes({ hostPageSize: 65536 }).hostPageSize).toBe(65536);
    expect(() => new PageSizes({ realHostPageSize: 5000 })).toThrow(PageSizeError);
    expect(() => new PageSizes({ targetPageBits: 40 })).toThrow(PageSizeError);
  });

  it('RAM blocks round to qemu_host_page_size; bitmaps count target pages', () => {
    const list = new RamList({ targetPageBits: 12, realHostPageSize: 4096, hostPageSize: 65536 });
    const b: RamBlock = list.alloc({ name: 'a', size: 1 });
    expect(b.usedLength).toBe(65536);
    expect(b.pageSize).toBe(4096);
    expect(list.dirtyMemory.numPages).toBe(16);
  });
});

import { describe, expect, it } from 'vitest';
import { DirtyMemory } from '../dirty/dirtyMemory.js';
import { DIRTY_MEMORY_CODE, DIRTY_MEMORY_MIGRATION, DIRTY_MEMORY_VGA } from '../topology/types.js';
import { MEMTX_OK } from './attrs.js';
import { MemoryRegionCache } from './cache.js';
import { DataPlane } from './DataPlane.js';
import { flatRange, flatView, HandRegionSource } from './internal/handTopology.js';
import { RecordingSink } from './internal/recordingSink.js';
import { addressSpaceMap, addressSpaceUnmap } from './map.js';

const VGA = 1 << DIRTY_MEMORY_VGA;
const CODE = 1 << DIRTY_MEMORY_CODE;
const MIG = 1 << DIRTY_MEMORY_MIGRATION;
const PAGE = 4096;

/** RAM 'fb' (VGA+MIGRATION) at 0x10000, RAM 'ram' at 0x20000 with `ramMask`, RAM 'quiet' (no logging) at 0x40000. */
function setup(ramMask: number, sink: RecordingSink | DirtyMemory = new RecordingSink()) {
  const src = new HandRegionSource();
  src.addRam('fb', 0x4000);
  src.addRam('ram', 0x10000);
  src.addRam('quiet', 0x2000);
  const plane = new DataPlane(src, { dirty: sink });
  const as = plane.createAddressSpace('memory');
  plane.publish(
    as,
    flatView([
      flatRange('fb', 0x10000, 0x4000, { dirtyLogMask: VGA | MIG }),
      flatRange('ram', 0x20000, 0x10000, { dirtyLogMask: ramMask }),
      flatRange('quiet', 0x40000, 0x2000),
    ]),
  );
  return { src, plane, as, sink };
}

describe('dirty marking on RAM writes', () => {
  it('no logging client: no call at all, on every path', () => {
    const { as, plane, sink } = setup(0);
    const rec = sink as RecordingSink;
    as.stb(0x40000, 1);
    as.stwLe(0x40002, 1);
    as.stlBe(0x40004, 1);
    as.stqLe(0x40008, 1n);
    as.write(0x40010, new Uint8Array(100));
    as.write(0x20000, new Uint8Array(100));
    const cache = new MemoryRegionCache();
    cache.init(as, 0x40000, 0x100, true);
    cache.stlLe(0, 5);
    cache.write(8, new Uint8Array(4));
    const m = addressSpaceMap(as, 0x40100, 64, true)!;
    addressSpaceUnmap(m, true, 64);
    expect(plane.dirty).toBe(sink);
    expect(rec.calls).toEqual([]);
  });

  it('byte and wide stores report exactly their bytes with the range mask (ram_addr space)', () => {
    const { src, as, sink } = setup(MIG);
    const rec = sink as RecordingSink;
    const base = src.ramAddrOf('ram');
    as.stb(0x20001, 1);
    as.stwLe(0x20010, 1);
    as.stlLe(0x21000, 1);
    as.stqBe(0x22000, 1n);
    as.stlLe(0x10004, 1);
    expect(rec.calls).toEqual([
      [base + 1, 1, MIG],
      [base + 0x10, 2, MIG],
      [base + 0x1000, 4, MIG],
      [base + 0x2000, 8, MIG],
      [src.ramAddrOf('fb') + 4, 4, VGA | MIG],
    ]);
  });

  it('a buffer write across two logged regions and a quiet one marks each logged piece with its own mask', () => {
    const { src, as, sink } = setup(MIG);
    const rec = sink as RecordingSink;
    // fb ends at 0x14000 (hole until 0x20000): write 16 bytes ending fb, then one in ram
    as.write(0x13ff8, new Uint8Array(8));
    as.write(0x2fff0, new Uint8Array(32));
    expect(rec.calls).toEqual([
      [src.ramAddrOf('fb') + 0x3ff8, 8, VGA | MIG],
      [src.ramAddrOf('ram') + 0xfff0, 16, MIG],
    ]);
  });

  it('cached stores and map/unmap mark what was written', () => {
    const { src, as, sink } = setup(VGA);
    const rec = sink as RecordingSink;
    const base = src.ramAddrOf('ram');
    const cache = new MemoryRegionCache();
    expect(cache.init(as, 0x20100, 0x100, true)).toBe(0x100);
    cache.stwBe(2, 0xabcd);
    cache.write(0x10, new Uint8Array(3));
    cache.invalidate(0x20, 4);
    const m = addressSpaceMap(as, 0x23000, 0x2000, true)!;
    expect(m.bounced).toBe(false);
    m.bytes.fill(7, 0, 0x1800);
    addressSpaceUnmap(m, true, 0x1800);
    const r = addressSpaceMap(as, 0x23000, 0x100, false)!;
    addressSpaceUnmap(r, false, 0x100);
    expect(rec.calls).toEqual([
      [base + 0x102, 2, VGA],
      [base + 0x110, 3, VGA],
      [base + 0x120, 4, VGA],
      [base + 0x3000, 0x1800, VGA],
    ]);
  });

  it("over the RAM dirty bitmaps: exactly the written pages, for exactly the logging clients", () => {
    const dm = new DirtyMemory({ tcg: true });
    const { src, as } = setup(MIG | VGA, dm);
    dm.extend(0x20);
    const ram = src.ramAddrOf('ram');
    const fb = src.ramAddrOf('fb');
    as.stb(0x20000 + 3 * PAGE + 5, 1);
    as.write(0x20000 + 5 * PAGE - 2, new Uint8Array(4)); // pages 4 and 5
    const cache = new MemoryRegionCache();
    cache.init(as, 0x20000 + 9 * PAGE, PAGE, true);
    cache.stlLe(0, 1);
    const m = addressSpaceMap(as, 0x20000 + 12 * PAGE, PAGE, true)!;
    addressSpaceUnmap(m, true, 1);
    as.stlLe(0x10000 + PAGE, 1); // fb page 1
    const dirtyPages = (client: number) => {
      const out: number[] = [];
      for (let p = 0; p < 0x20; p++) if (dm.getDirty(p * PAGE, 1, client)) out.push(p);
      return out;
    };
    const rp = ram / PAGE;
    const fp = fb / PAGE;
    expect(dirtyPages(DIRTY_MEMORY_MIGRATION)).toEqual([fp + 1, rp + 3, rp + 4, rp + 5, rp + 9, rp + 12]);
    expect(dirtyPages(DIRTY_MEMORY_VGA)).toEqual([fp + 1, rp + 3, rp + 4, rp + 5, rp + 9, rp + 12]);
    expect(dirtyPages(DIRTY_MEMORY_CODE)).toEqual([]);
  });

  it('CODE in the mask calls the invalidation hook instead of setting CODE; clean filtering skips already-dirty pages', () => {
    const dm = new DirtyMemory({ tcg: true });
    const { src, as, plane } = setup(CODE | MIG, dm);
    dm.extend(0x20);
    const hook: [number, number][] = [];
    plane.setCodeInvalidateHook((a, l) => hook.push([a, l]));
    const ram = src.ramAddrOf('ram');
    as.stlLe(0x20010, 1);
    expect(hook).toEqual([[ram + 0x10, 4]]);
    expect(dm.getDirty(ram, 1, DIRTY_MEMORY_MIGRATION)).toBe(true);
    expect(dm.getDirty(ram, 1, DIRTY_MEMORY_CODE)).toBe(false);
    // The TCG side marks the page as holding no code (tlb_unprotect_code): later stores skip the hook.
    dm.setDirtyFlag(ram, DIRTY_MEMORY_CODE);
    as.stlLe(0x20020, 1);
    expect(hook).toHaveLength(1);
  });

  it('without a hook, CODE is set like any other client (no translated code exists)', () => {
    const rec = new RecordingSink();
    const { as, src } = setup(CODE, rec);
    as.stb(0x20000, 1);
    expect(rec.calls).toEqual([[src.ramAddrOf('ram'), 1, CODE]]);
  });

  it('writes dropped by ROM or readonly ranges mark nothing', () => {
    const src = new HandRegionSource();
    src.addRam('rom', 0x1000, 'rom');
    src.addRam('ram', 0x1000);
    const rec = new RecordingSink();
    const plane = new DataPlane(src, { dirty: rec });
    const as = plane.createAddressSpace('m');
    plane.publish(
      as,
      flatView([
        flatRange('rom', 0, 0x1000, { readonly: true, dirtyLogMask: MIG }),
        flatRange('ram', 0x1000, 0x1000, { readonly: true, dirtyLogMask: MIG }),
      ]),
    );
    as.stlLe(0x10, 1);
    as.write(0x1000, new Uint8Array(8));
    const m = addressSpaceMap(as, 0x1000, 16, true)!;
    expect(m.bounced).toBe(true);
    addressSpaceUnmap(m, true, 16);
    expect(as.result).toBe(MEMTX_OK);
    expect(rec.calls).toEqual([]);
  });
});

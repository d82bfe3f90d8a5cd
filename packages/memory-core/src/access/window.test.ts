/**
 * The edges of the uint32 access window in front of the ld/st family and the
 * buffer accesses (see AddressSpaceAccess): the last bytes below 2^32, a range
 * ending at or crossing 2^32, ranges above 4 GiB (the second level), addresses
 * 4 GiB away from a cached range, up to 2^53, and `result` after failures.
 */
import { describe, expect, it } from 'vitest';
import type { AddressSpaceAccess } from './AddressSpaceAccess.js';
import { MEMTX_DECODE_ERROR, MEMTX_ERROR, MEMTX_OK } from './attrs.js';
import { DataPlane } from './DataPlane.js';
import { Section, UNASSIGNED_REGION } from './dispatch.js';
import { DIRTY_MEMORY_CODE } from '../topology/types.js';
import { flatRange, flatView, HandRegionSource } from './internal/handTopology.js';
import { RecordingSink } from './internal/recordingSink.js';
import { RegionHandle } from './region.js';

const G4 = 2 ** 32;
const SIZES = [1, 2, 4, 8] as const;
type Size = (typeof SIZES)[number];

function ld(as: AddressSpaceAccess, addr: number, size: Size, be: boolean): bigint {
  if (size === 1) return BigInt(as.ldub(addr));
  if (size === 2) return BigInt(be ? as.lduwBe(addr) : as.lduwLe(addr));
  if (size === 4) return BigInt(be ? as.ldlBe(addr) : as.ldlLe(addr));
  return be ? as.ldqBe(addr) : as.ldqLe(addr);
}

function st(as: AddressSpaceAccess, addr: number, size: Size, be: boolean, v: bigint): void {
  const n = Number(BigInt.asUintN(32, v));
  if (size === 1) as.stb(addr, n);
  else if (size === 2) (be ? as.stwBe : as.stwLe).call(as, addr, n);
  else if (size === 4) (be ? as.stlBe : as.stlLe).call(as, addr, n);
  else (be ? as.stqBe : as.stqLe).call(as, addr, v);
}

/** The value of `size` bytes at `bytes[off]`. */
function expected(bytes: Uint8Array, off: number, size: Size, be: boolean): bigint {
  let v = 0n;
  for (let k = 0; k < size; k++) v |= BigInt(bytes[off + k]!) << BigInt(8 * (be ? size - 1 - k : k));
  return v;
}

const VALUE = 0x8877665544332211n;

/** RAM ranges of `size` bytes at each of `starts` (regions ram0, ram1...), filled with i & 0xff, dirty-logged for client 0. */
function machine(starts: number[], size = 0x1000) {
  const src = new HandRegionSource();
  const sink = new RecordingSink();
  const plane = new DataPlane(src, { dirty: sink });
  const rams = starts.map((_, i) => {
    const ram = src.addRam(`ram${i}`, size);
    for (let k = 0; k < size; k++) ram[k] = k & 0xff;
    return ram;
  });
  const as = plane.createAddressSpace('memory');
  plane.publish(as, flatView(starts.map((s, i) => flatRange(`ram${i}`, s, size, { dirtyLogMask: 1 }))));
  return { src, plane, as, rams, sink };
}

describe('uint32 access window', () => {
  it('a range ending at 2^32: every size loads and stores up to the last byte; one byte further is a decode error', () => {
    const { as, rams, src, sink } = machine([G4 - 0x1000]);
    const ram = rams[0]!;
    for (const size of SIZES) {
      for (const be of [false, true]) {
        const last = G4 - size; // 0xFFFFFFFC for 4 bytes
        expect(ld(as, last, size, be)).toBe(expected(ram, 0x1000 - size, size, be));
        expect(as.result).toBe(MEMTX_OK);
        st(as, last, size, be, VALUE);
        expect(as.result).toBe(MEMTX_OK);
        expect(ld(as, last, size, be)).toBe(BigInt.asUintN(size * 8, VALUE));
        // Runs past the end of RAM: the whole access goes to the RAM region's (unassigned) ops.
        const before = ram.slice();
        expect(ld(as, last + 1, size, be)).toBe(0n);
        expect(as.result).toBe(MEMTX_DECODE_ERROR);
        st(as, last + 1, size, be, VALUE);
        expect(as.result).toBe(MEMTX_DECODE_ERROR);
        expect(ram).toEqual(before);
      }
    }
    as.stlLe(0xffff_fffc, 0xcafef00d);
    expect(as.ldlLe(0xffff_fffc)).toBe(0xcafef00d);
    expect([...ram.subarray(0xffc)]).toEqual([0x0d, 0xf0, 0xfe, 0xca]);
    expect(as.ldub(G4)).toBe(0);
    expect(as.result).toBe(MEMTX_DECODE_ERROR);
    // Dirty pages are those of the stores' own bytes.
    const lastPage = src.ramAddrOf('ram0') + 0xfff;
    for (const [ramAddr, length, mask] of sink.calls) {
      expect(mask).toBe(1);
      expect(ramAddr + length - 1).toBe(lastPage);
    }
  });

  it('every size hits exactly up to the end of a window range and not one byte further (also through read/write)', () => {
    const { as, rams } = machine([0x8000_0000, 0x8000_1000 + 0x100]);
    const ram = rams[0]!;
    const end = 0x8000_1000;
    for (const size of SIZES) {
      expect(as.ldub(0x8000_0000)).toBe(0); // fill the window for this range
      expect(ld(as, end - size, size, false)).toBe(expected(ram, 0x1000 - size, size, false));
      expect(as.result).toBe(MEMTX_OK);
      expect(ld(as, end - size + 1, size, false)).toBe(0n);
      expect(as.result).toBe(MEMTX_DECODE_ERROR);
      expect(as.ldub(0x8000_0000)).toBe(0);
      st(as, end - size + 1, size, false, VALUE);
      expect(as.result).toBe(MEMTX_DECODE_ERROR);
    }
    const buf = new Uint8Array(4);
    expect(as.read(end - 4, buf)).toBe(MEMTX_OK);
    expect([...buf]).toEqual([0xfc, 0xfd, 0xfe, 0xff]);
    // One byte further crosses into the hole after the range.
    expect(as.read(end - 3, buf)).toBe(MEMTX_DECODE_ERROR);
    expect(as.write(end - 4, Uint8Array.of(1, 2, 3, 4))).toBe(MEMTX_OK);
    expect(as.write(end - 3, Uint8Array.of(1, 2, 3, 4))).toBe(MEMTX_DECODE_ERROR);
    expect([...ram.subarray(0xffc)]).toEqual([1, 1, 2, 3]);
  });

  it('a range crossing 2^32: both sides work, an access straddling 2^32 too, and addresses 4 GiB below never hit', () => {
    const { as, rams } = machine([G4 - 0x800], 0x1000);
    const ram = rams[0]!;
    expect(as.ldlLe(G4 - 0x10)).toBe(Number(expected(ram, 0x7f0, 4, false)));
    // The window stops at 2^32; an address just above is a small uint32 but must not wrap into it.
    for (const low of [0, 0x10, 0x7f0, 0x7fc]) {
      expect(as.ldlLe(low)).toBe(0);
      expect(as.result).toBe(MEMTX_DECODE_ERROR);
      expect(as.ldlLe(G4 - 0x10)).toBe(Number(expected(ram, 0x7f0, 4, false))); // refill
      as.stlLe(low, 0xdeadbeef);
      expect(as.result).toBe(MEMTX_DECODE_ERROR);
    }
    expect(as.ldlLe(G4 + 0x10)).toBe(Number(expected(ram, 0x810, 4, false)));
    expect(as.result).toBe(MEMTX_OK);
    expect(as.ldlLe(G4 - 2)).toBe(Number(expected(ram, 0x7fe, 4, false)));
    expect(as.ldqBe(G4 - 4)).toBe(expected(ram, 0x7fc, 8, true));
    as.stlBe(G4 - 2, 0x01020304);
    expect([...ram.subarray(0x7fe, 0x802)]).toEqual([1, 2, 3, 4]);
    expect(as.ldlLe(G4 + 0x7fc)).toBe(Number(expected(ram, 0xffc, 4, false)));
    expect(as.ldlLe(G4 + 0x7fd)).toBe(0);
    expect(as.result).toBe(MEMTX_DECODE_ERROR);
    const buf = new Uint8Array(8);
    expect(as.read(G4 - 4, buf)).toBe(MEMTX_OK);
    expect([...buf]).toEqual([0xfc, 0xfd, 1, 2, 3, 4, 0x02, 0x03]);
  });

  it('ranges above 4 GiB (up to 2^53) go through the high caches, exactly (values, results, dirty bytes)', () => {
    const starts = [G4, G4 + 2 ** 31, 2 ** 40, 2 ** 53 - 0x1000];
    const { as, rams, src, sink } = machine([0x1000, ...starts]);
    starts.forEach((base, i) => {
      const ram = rams[i + 1]!;
      const ramAddr = src.ramAddrOf(`ram${i + 1}`);
      for (const size of SIZES) {
        for (const be of [false, true]) {
          expect(ld(as, base + 0x10, size, be)).toBe(expected(ram, 0x10, size, be));
          expect(ld(as, base + 0x1000 - size, size, be)).toBe(expected(ram, 0x1000 - size, size, be));
          expect(as.result).toBe(MEMTX_OK);
          // Each store, through the lookup or the high store cache, marks its own bytes dirty.
          for (const off of [0x20, 0x800]) {
            sink.calls.length = 0;
            st(as, base + off, size, be, VALUE);
            expect(sink.calls).toEqual([[ramAddr + off, size, 1]]);
          }
          st(as, base + 0x20, size, be, VALUE);
          expect(as.result).toBe(MEMTX_OK);
          expect(ld(as, base + 0x20, size, be)).toBe(BigInt.asUintN(size * 8, VALUE));
          expect(ld(as, base + 0x1000 - size + 1, size, be)).toBe(0n);
          expect(as.result).toBe(MEMTX_DECODE_ERROR);
        }
      }
      // The same low 32 bits in the low RAM at 0x1000 (when they fall there), and back.
      const low = (base + 0x1010) % G4;
      expect(as.ldub(base + 0x1010 - 0x1000)).toBe(0x10);
      const lowHit = low >= 0x1000 && low < 0x2000;
      expect(as.ldub(low)).toBe(lowHit ? low & 0xff : 0);
      expect(as.ldub(base + 0x11)).toBe(0x11);
    });
    // Low RAM through the window and high RAM through the second level, alternating.
    for (let i = 0; i < 8; i++) {
      expect(as.ldlLe(0x1000 + 4 * i)).toBe(Number(expected(rams[0]!, 4 * i, 4, false)));
      expect(as.ldlLe(2 ** 40 + 0x100 + 4 * i)).toBe(Number(expected(rams[3]!, 0x100 + 4 * i, 4, false)));
    }
    // At 2^53 the sum addr + size rounds (2^53 + 1 is 2^53): the range tests subtract instead.
    for (const size of SIZES) {
      for (let k = 1; k < size; k++) {
        expect(ld(as, 2 ** 53 - k, size, false)).toBe(0n);
        expect(as.result).toBe(MEMTX_DECODE_ERROR);
        expect(ld(as, 2 ** 53 - 0x100, size, false)).toBe(expected(rams[4]!, 0xf00, size, false)); // refill
        st(as, 2 ** 53 - k, size, false, VALUE);
        expect(as.result).toBe(MEMTX_DECODE_ERROR);
      }
    }
    expect(as.read(2 ** 53 - 1, new Uint8Array(2))).toBe(MEMTX_DECODE_ERROR);
    expect(as.ldub(2 ** 53)).toBe(0);
    expect(as.result).toBe(MEMTX_DECODE_ERROR);
    expect(as.ldub(2 ** 53 - 1)).toBe(0xff);
    expect(as.result).toBe(MEMTX_OK);
  });

  it('addresses 4 GiB (and multiples) away from a cached range, and negative ones, never hit the window', () => {
    const { as } = machine([0x8000_0000]);
    expect(as.ldlLe(0x8000_0010)).toBe(0x13121110);
    as.stlLe(0x8000_0020, 0x11111111);
    for (const far of [G4, 2 * G4, 2 ** 52, -G4]) {
      for (const size of SIZES) {
        expect(ld(as, 0x8000_0010 + far, size, false)).toBe(0n);
        expect(as.result).toBe(MEMTX_DECODE_ERROR);
        expect(ld(as, 0x8000_0010, size, false)).toBe(expected(Uint8Array.from({ length: 32 }, (_, k) => k), 0x10, size, false));
        st(as, 0x8000_0020 + far, size, false, 0n);
        expect(as.result).toBe(MEMTX_DECODE_ERROR);
        expect(as.ldlLe(0x8000_0020)).toBe(0x11111111);
      }
      const buf = new Uint8Array(4);
      expect(as.read(0x8000_0010 + far, buf)).toBe(MEMTX_DECODE_ERROR);
      expect(as.write(0x8000_0010 + far, buf)).toBe(MEMTX_DECODE_ERROR);
    }
    expect(as.ldlLe(-4)).toBe(0);
    expect(as.result).toBe(MEMTX_DECODE_ERROR);
  });

  it('result is MEMTX_OK after every successful access, whatever failed before (the window does not store it)', () => {
    const src = new HandRegionSource();
    const ram = src.addRam('ram', 0x1000);
    src.addIo('dev');
    const plane = new DataPlane(src);
    plane.registerOps('dev', { endianness: 'little', readWithAttrs: () => MEMTX_ERROR, writeWithAttrs: () => MEMTX_ERROR });
    const as = plane.createAddressSpace('memory');
    plane.publish(as, flatView([flatRange('ram', 0x8000_0000, 0x1000), flatRange('dev', 0x1000, 0x100)]));
    ram[4] = 7;
    const failures: (() => void)[] = [
      () => as.ldlLe(0x10), // hole
      () => as.stlLe(0x10, 1),
      () => as.ldlLe(0x1000), // device error
      () => as.stb(0x1000, 1),
      () => as.read(0x0ff0, new Uint8Array(32)),
      () => as.write(0x0ff0, new Uint8Array(32)),
      () => as.ldlLe(0x8000_0ffe), // past the end of RAM
      () => {
        as.result = MEMTX_ERROR; // set from outside
      },
    ];
    const successes: (() => void)[] = [
      () => expect(as.ldub(0x8000_0004)).toBe(7),
      () => as.stlLe(0x8000_0008, 1),
      () => expect(as.lduwBe(0x8000_0004)).toBe(0x0700),
      () => as.stqLe(0x8000_0010, 5n),
      () => expect(as.read(0x8000_0004, new Uint8Array(1))).toBe(MEMTX_OK),
      () => expect(as.write(0x8000_0004, Uint8Array.of(7))).toBe(MEMTX_OK),
    ];
    for (const fail of failures) {
      for (const ok of successes) {
        // Fill both windows first, so the success can be a window hit.
        as.ldub(0x8000_0000);
        as.stb(0x8000_0020, 0);
        expect(as.result).toBe(MEMTX_OK);
        fail();
        expect(as.result).not.toBe(MEMTX_OK);
        ok();
        expect(as.result).toBe(MEMTX_OK);
        ok(); // and again, now through the refilled window
        expect(as.result).toBe(MEMTX_OK);
      }
    }
  });

  it('result is MEMTX_OK after a store to CODE-logged RAM whose invalidation hook made a failing access of its own', () => {
    const src = new HandRegionSource();
    src.addRam('ram', 0x1000);
    const plane = new DataPlane(src);
    const as = plane.createAddressSpace('memory');
    plane.publish(as, flatView([flatRange('ram', 0x8000_0000, 0x1000, { dirtyLogMask: 1 << DIRTY_MEMORY_CODE })]));
    const hooked: number[] = [];
    let fail = false;
    plane.setCodeInvalidateHook((ramAddr) => {
      hooked.push(ramAddr);
      if (fail) as.ldub(0x10); // a hole: the hook's own access fails
    });
    for (const store of [
      () => as.stb(0x8000_0010, 1),
      () => as.stlLe(0x8000_0010, 1),
      () => as.stqBe(0x8000_0010, 1n),
      () => expect(as.write(0x8000_0010, new Uint8Array(3))).toBe(MEMTX_OK),
    ]) {
      fail = true;
      store(); // through the lookup (the window is empty)
      expect(as.result).toBe(MEMTX_OK);
      fail = false;
      as.stb(0x8000_0000, 0); // fill the store window
      fail = true;
      store(); // through the window
      expect(as.result).toBe(MEMTX_OK);
    }
    expect(hooked.length).toBe(12);
  });

  it('a section knows its window: clipped at 2^32 and at its host memory, none at or above 2^32 or without RAM', () => {
    const h = new RegionHandle('ram');
    h.bytes = new Uint8Array(0x3000);
    h.view = new DataView(h.bytes.buffer);
    h.ramBacked = true;
    h.kind = 'ram';
    const fr = flatRange('ram', 0, 0);
    const win = (start: number, end: number, offset = 0) => new Section(start, end, offset, h, fr).windowLength;
    expect(win(0x1000, 0x2000)).toBe(0x1000);
    expect(win(G4 - 0x1000, G4 + 0x1000)).toBe(0x1000);
    expect(win(G4, G4 + 0x1000)).toBe(0);
    expect(win(0x1000, 0x5000)).toBe(0x3000); // host memory is 0x3000 bytes
    expect(win(0x1000, 0x5000, 0x2800)).toBe(0x800);
    expect(win(0x1000, 0x2000, 0x4000)).toBe(0);
    const s = new Section(0x1000, 0x2000, 0x100, h, fr);
    expect(s.rangeBytes.byteOffset).toBe(0x100);
    expect(s.rangeView.byteLength).toBe(0x1000);
    expect(new Section(0x1000, 0x2000, 0, UNASSIGNED_REGION, fr).windowLength).toBe(0);
  });
});

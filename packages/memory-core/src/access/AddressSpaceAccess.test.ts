import { describe, expect, it } from 'vitest';
import { MEMTX_DECODE_ERROR, MEMTX_OK } from './attrs.js';
import { DataPlane } from './DataPlane.js';
import { DATA_PLANE_ADDRESS_LIMIT, UNASSIGNED_SECTION } from './dispatch.js';
import { flatRange, flatView, HandRegionSource } from './internal/handTopology.js';

function machine() {
  const src = new HandRegionSource();
  const ram = src.addRam('ram', 0x2000);
  const rom = src.addRam('rom', 0x1000, 'rom');
  const flash = src.addRam('flash', 0x1000, 'romDevice');
  src.addIo('uart');
  src.addIo('reserved', 'reservation');
  const plane = new DataPlane(src);
  const flashWrites: [number, number, number][] = [];
  plane.registerOps('flash', {
    endianness: 'little',
    read: () => 0xee,
    write: (o, v, s) => {
      flashWrites.push([o, v, s]);
    },
  });
  plane.registerOps('uart', { endianness: 'little', read: (o) => 0x40 + o, write: () => undefined });
  const as = plane.createAddressSpace('memory');
  const view = (romd: boolean) =>
    flatView([
      flatRange('rom', 0x1000, 0x1000, { readonly: true }),
      flatRange('flash', 0x2000, 0x1000, { romdMode: romd }),
      flatRange('uart', 0x3000, 0x100),
      flatRange('reserved', 0x3100, 0x100),
      flatRange('ram', 0x8000, 0x2000),
      // a readonly alias of the second half of RAM
      flatRange('ram', 0xa000, 0x1000, { offsetInRegion: 0x1000, readonly: true }),
    ]);
  plane.publish(as, view(true));
  return { src, plane, as, ram, rom, flash, flashWrites, view };
}

describe('address space data path', () => {
  it('RAM: little- and big-endian loads and stores of every size hit the same bytes', () => {
    const { as, ram } = machine();
    as.stlLe(0x8010, 0x11223344);
    expect([...ram.subarray(0x10, 0x14)]).toEqual([0x44, 0x33, 0x22, 0x11]);
    expect(as.ldlBe(0x8010)).toBe(0x44332211);
    expect(as.lduwLe(0x8012)).toBe(0x1122);
    expect(as.lduwBe(0x8012)).toBe(0x2211);
    expect(as.ldub(0x8013)).toBe(0x11);
    as.stqBe(0x8020, 0x0102030405060708n);
    expect(as.ldqLe(0x8020)).toBe(0x0807060504030201n);
    as.stwBe(0x8030, 0xabcd);
    as.stb(0x8032, 0x1ff);
    expect([...ram.subarray(0x30, 0x33)]).toEqual([0xab, 0xcd, 0xff]);
    expect(as.result).toBe(MEMTX_OK);
  });

  it('buffer read/write across RAM and an alias of the same RAM', () => {
    const { as } = machine();
    const buf = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
    expect(as.write(0x9ff8, buf)).toBe(MEMTX_OK);
    const back = new Uint8Array(16);
    expect(as.read(0x9ff8, back)).toBe(MEMTX_OK);
    // the second half landed on the readonly alias and was dropped
    expect([...back]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0, 0, 0, 0]);
    // the alias at 0xa000 shows RAM offset 0x1000, which is also at 0x9000
    expect(as.ldub(0x9000)).toBe(0);
    as.stb(0x9000, 0x77);
    expect(as.ldub(0xa000)).toBe(0x77);
  });

  it('ROM: reads come from its memory, writes are dropped with MEMTX_OK', () => {
    const { as, rom } = machine();
    rom[4] = 0x5a;
    expect(as.ldub(0x1004)).toBe(0x5a);
    as.stb(0x1004, 1);
    expect(as.result).toBe(MEMTX_OK);
    expect(as.write(0x1000, new Uint8Array([9, 9, 9, 9, 9, 9]))).toBe(MEMTX_OK);
    expect(rom[4]).toBe(0x5a);
    expect(rom[0]).toBe(0);
  });

  it('readonly alias of RAM: writes are dropped, the RAM is unchanged', () => {
    const { as, ram } = machine();
    as.stlLe(0xa000, 0xffffffff);
    expect(as.result).toBe(MEMTX_OK);
    expect(ram[0x1000]).toBe(0);
    expect(as.write(0xa000, new Uint8Array(8).fill(1))).toBe(MEMTX_OK);
    expect(ram[0x1000]).toBe(0);
  });

  it('ROM device: reads from RAM in romd mode, from its ops otherwise; writes always go to its ops', () => {
    const { plane, as, flash, flashWrites, view } = machine();
    flash[8] = 0x12;
    expect(as.ldub(0x2008)).toBe(0x12);
    as.stb(0x2008, 0x34);
    expect(flash[8]).toBe(0x12);
    expect(flashWrites).toEqual([[8, 0x34, 1]]);
    plane.publish(as, view(false));
    expect(as.ldub(0x2008)).toBe(0xee);
  });

  it('unassigned addresses and reservations: decode error, reads give 0 (QEMU unassigned_mem_read)', () => {
    const { as } = machine();
    expect(as.ldlLe(0x5000)).toBe(0);
    expect(as.result).toBe(MEMTX_DECODE_ERROR);
    as.stlLe(0x5000, 1);
    expect(as.result).toBe(MEMTX_DECODE_ERROR);
    expect(as.ldub(0x3100)).toBe(0);
    expect(as.result).toBe(MEMTX_DECODE_ERROR);
    const buf = new Uint8Array(4).fill(0xaa);
    expect(as.read(0x7ffe, buf)).toBe(MEMTX_DECODE_ERROR);
    expect([...buf]).toEqual([0, 0, 0, 0]);
  });

  it('a buffer read that is partly unassigned reads the RAM part and reports the decode error', () => {
    const { as, ram } = machine();
    ram[0] = 1;
    ram[1] = 2;
    const buf = new Uint8Array(4).fill(0xaa);
    expect(as.read(0x7ffe, buf)).toBe(MEMTX_DECODE_ERROR);
    const buf2 = new Uint8Array(4).fill(0xaa);
    expect(as.read(0x7ffc, buf2)).toBe(MEMTX_DECODE_ERROR);
    expect([...buf2]).toEqual([0, 0, 0, 0]);
    const buf3 = new Uint8Array(6);
    expect(as.read(0x7ffc, buf3)).toBe(MEMTX_DECODE_ERROR);
    expect([...buf3]).toEqual([0, 0, 0, 0, 1, 2]);
  });

  it('an ld/st crossing the end of a RAM range goes to the MMIO path and gets a decode error, as in QEMU', () => {
    const { as, ram } = machine();
    ram[0x1fff] = 0x11;
    // 0x9ffe..0xa001 crosses from RAM into the alias: QEMU dispatches the whole access to the RAM region
    expect(as.ldlLe(0x9ffe)).toBe(0);
    expect(as.result).toBe(MEMTX_DECODE_ERROR);
    as.ldlLe(0xaffe);
    expect(as.result).toBe(MEMTX_DECODE_ERROR);
    as.stlLe(0xaffe, 1);
    expect(as.result).toBe(MEMTX_DECODE_ERROR);
  });

  it('MMIO ld through a little-endian device returns its register', () => {
    const { as } = machine();
    expect(as.ldub(0x3005)).toBe(0x45);
    expect(as.result).toBe(MEMTX_OK);
  });

  it('translate: RAM length clamps at the end of the range, MMIO length does not', () => {
    const { as } = machine();
    const t = as.translate(0x9ff0, 0x100, false);
    expect(t.offsetInRegion).toBe(0x1ff0);
    expect(t.length).toBe(0x10);
    expect(t.section.region.id).toBe('ram');
    const m = as.translate(0x30f0, 0x100, true);
    expect(m.length).toBe(0x100);
    expect(m.offsetInRegion).toBe(0xf0);
    const hole = as.translate(0x6000, 4, false);
    expect(hole.section).toBe(UNASSIGNED_SECTION);
    expect(hole.offsetInRegion).toBe(0x6000);
  });

  it('publish swaps the whole dispatch; an address space sharing the FlatView shares the dispatch', () => {
    const { plane, as, view } = machine();
    const other = plane.createAddressSpace('other');
    const v = view(true);
    plane.publish(as, v);
    plane.publish(other, v);
    expect(other.dispatch).toBe(as.dispatch);
    const before = as.dispatch;
    plane.publish(as, flatView([]));
    expect(as.dispatch).not.toBe(before);
    expect(before.lookup(0x8000).region.id).toBe('ram');
    expect(as.ldub(0x8000)).toBe(0);
    expect(as.result).toBe(MEMTX_DECODE_ERROR);
  });

  it('ranges beyond 2^53 are clipped on the data plane', () => {
    const src = new HandRegionSource();
    src.addIo('big');
    const plane = new DataPlane(src);
    plane.registerOps('big', { endianness: 'little', read: () => 1 });
    const as = plane.createAddressSpace('m');
    const huge = {
      ...flatRange('big', 0, 0),
      start: 2n ** 53n - 16n,
      size: 2n ** 60n,
    };
    const beyond = { ...flatRange('big', 0, 0), start: 2n ** 54n, size: 16n };
    plane.publish(as, flatView([huge, beyond]));
    expect(as.dispatch.sections).toHaveLength(1);
    expect(as.dispatch.ends[0]).toBe(DATA_PLANE_ADDRESS_LIMIT);
    expect(as.ldub(DATA_PLANE_ADDRESS_LIMIT - 1)).toBe(1);
  });
});

describe('access_valid and set', () => {
  it('accessValid: RAM always, MMIO by the device rules, holes never', () => {
    const { plane, as } = machine();
    plane.registerOps('uart', { endianness: 'little', valid: { maxAccessSize: 1 }, read: () => 0, write: () => undefined });
    expect(as.accessValid(0x8000, 0x100, true)).toBe(true);
    expect(as.accessValid(0x3000, 8, false)).toBe(true);
    expect(as.accessValid(0x5000, 1, false)).toBe(false);
    plane.registerOps('uart', { endianness: 'little', valid: { minAccessSize: 4, maxAccessSize: 4 }, read: () => 0 });
    expect(as.accessValid(0x3000, 4, false)).toBe(true);
    expect(as.accessValid(0x3000, 2, false)).toBe(false);
  });

  it('set fills RAM and reports holes', () => {
    const { as, ram } = machine();
    expect(as.set(0x8100, 0xab, 1000)).toBe(MEMTX_OK);
    expect(ram.subarray(0x100, 0x100 + 1000).every((b) => b === 0xab)).toBe(true);
    expect(ram[0x100 + 1000]).toBe(0);
    expect(as.set(0x7ff0, 1, 0x20)).toBe(MEMTX_DECODE_ERROR);
    expect(ram[0xf]).toBe(1);
  });
});

describe("readonlyWrites: 'physmem' (QEMU 7.2 address_space_write rules)", () => {
  it('ROM writes are refused with a decode error; a readonly alias of RAM is written through', () => {
    const src = new HandRegionSource();
    const ram = src.addRam('ram', 0x1000);
    const rom = src.addRam('rom', 0x1000, 'rom');
    const plane = new DataPlane(src, { readonlyWrites: 'physmem' });
    const as = plane.createAddressSpace('m');
    plane.publish(
      as,
      flatView([flatRange('rom', 0, 0x1000, { readonly: true }), flatRange('ram', 0x1000, 0x1000, { readonly: true })]),
    );
    as.stlLe(0x10, 1);
    expect(as.result).toBe(MEMTX_DECODE_ERROR);
    expect(as.write(0x20, new Uint8Array([1, 2]))).toBe(MEMTX_DECODE_ERROR);
    expect(rom[0x10]).toBe(0);
    expect(rom[0x20]).toBe(0);
    expect(as.ldub(0x10)).toBe(0);
    as.stlLe(0x1010, 0x04030201);
    expect(as.result).toBe(MEMTX_OK);
    expect([...ram.subarray(0x10, 0x14)]).toEqual([1, 2, 3, 4]);
    expect(plane.readonlyWrites).toBe('physmem');
  });

  it('a RAM region that is itself readonly refuses writes like ROM', () => {
    const src = new HandRegionSource();
    src.addRam('ram', 0x1000);
    const plane = new DataPlane(
      {
        region: (id) => ({ ...src.region(id)!, readonly: true }),
        ram: (id) => src.ram(id),
      },
      { readonlyWrites: 'physmem' },
    );
    const as = plane.createAddressSpace('m');
    plane.publish(as, flatView([flatRange('ram', 0, 0x1000, { readonly: true })]));
    as.stb(0, 1);
    expect(as.result).toBe(MEMTX_DECODE_ERROR);
  });
});

describe('publication is atomic per access', () => {
  it('an access that started on the old dispatch finishes on it, even if a device callback publishes a new one', () => {
    const src = new HandRegionSource();
    const ram = src.addRam('ram', 0x100);
    src.addIo('dev');
    const plane = new DataPlane(src);
    const as = plane.createAddressSpace('m');
    const old = flatView([flatRange('dev', 0, 0x10), flatRange('ram', 0x10, 0x100)]);
    plane.registerOps('dev', {
      endianness: 'little',
      valid: { maxAccessSize: 1 },
      read: () => {
        plane.publish(as, flatView([])); // hot-unplug everything mid-access
        return 0x99;
      },
    });
    plane.publish(as, old);
    ram[0] = 0x42;
    const buf = new Uint8Array(2);
    expect(as.read(0x0f, buf)).toBe(MEMTX_OK);
    expect([...buf]).toEqual([0x99, 0x42]);
    // the next access sees the new, empty topology
    expect(as.ldub(0x10)).toBe(0);
    expect(as.result).toBe(MEMTX_DECODE_ERROR);
  });
});

/**
 * The tcg devices' QEMU 7.2 access rules through memory-core's data path (the
 * path a hart's MMIO takes): which sizes and alignments each region accepts,
 * how accepted ones reach the registers, and the register models themselves.
 * The guest program tools/guests/src/mmiosize.c checks the same against real
 * QEMU, with the softmmu's splitting of misaligned accesses on top.
 */
import { describe, expect, it } from 'vitest';
import { MEMTX_DECODE_ERROR, MEMTX_OK, muldiv64 } from '@memvisor/memory-core';
import type { AddressSpaceAccess } from '@memvisor/memory-core';
import { Clint, NS_PER_INSN, TIMEBASE_FREQ } from '../src/devices/clint.js';
import { hasRegionOps } from '../src/devices/regionOps.js';
import { SifiveTest } from '../src/devices/sifiveTest.js';
import { Uart16550 } from '../src/devices/uart16550.js';
import { VirtBoard } from '../src/virt/virtBoard.js';

const UART = 0x10000000;
const TEST = 0x100000;
const SWI = 0x2000000;
const MTIMECMP = 0x2004000;
const MTIME = 0x200bff8;

function board() {
  const out: number[] = [];
  const exits: number[] = [];
  const uart = new Uart16550((b) => out.push(b));
  const test = new SifiveTest((s) => exits.push(s));
  const clint = new Clint();
  let instret = 0;
  clint.cpu = { instretNow: () => instret, kick: () => {} };
  const b = new VirtBoard({ ramSize: 1 << 20, framebuffer: false, devices: { serial: uart, test, clint } });
  return {
    as: b.cpuMemory,
    uart,
    clint,
    out,
    exits,
    setInstret: (n: number) => {
      instret = n;
    },
  };
}

type Size = 1 | 2 | 4 | 8;

function load(as: AddressSpaceAccess, addr: number, size: Size): bigint {
  const v = size === 1 ? as.ldub(addr) : size === 2 ? as.lduwLe(addr) : size === 4 ? as.ldlLe(addr) : as.ldqLe(addr);
  return BigInt(v);
}

function store(as: AddressSpaceAccess, addr: number, size: Size, v: bigint): void {
  if (size === 8) as.stqLe(addr, v);
  else if (size === 4) as.stlLe(addr, Number(v & 0xffffffffn));
  else if (size === 2) as.stwLe(addr, Number(v & 0xffffn));
  else as.stb(addr, Number(v & 0xffn));
}

/** QEMU's declared ops per region: valid min/max, aligned only (unaligned false everywhere). */
const RULES = [
  { name: 'serial', base: UART, min: 1, max: 8, offsets: [0, 1, 2, 3, 4, 5, 6, 7] },
  { name: 'riscv.sifive.test', base: TEST, min: 2, max: 4, offsets: [0, 1, 2, 3, 4, 6, 8] },
  { name: 'riscv.aclint.swi', base: SWI, min: 4, max: 4, offsets: [0, 1, 2, 4, 8] },
  { name: 'riscv.aclint.mtimer', base: MTIMECMP, min: 4, max: 8, offsets: [0, 1, 2, 4, 8, 0x7ff0] },
] as const;

describe("device access sizes are QEMU 7.2's MemoryRegionOps", () => {
  it('the tcg devices declare their ops', () => {
    const { uart, clint } = board();
    expect(hasRegionOps(uart)).toBe(true);
    expect(hasRegionOps(clint)).toBe(true);
    expect(hasRegionOps(new SifiveTest(() => {}))).toBe(true);
    expect(() => clint.regionOps(0x100)).toThrow(RangeError);
  });

  for (const r of RULES) {
    it(`${r.name}: sizes ${r.min}..${r.max}, aligned, are accepted; everything else is a decode error`, () => {
      const { as } = board();
      for (const size of [1, 2, 4, 8] as const) {
        for (const off of r.offsets) {
          const want = off % size === 0 && size >= r.min && size <= r.max ? MEMTX_OK : MEMTX_DECODE_ERROR;
          load(as, r.base + off, size);
          expect([r.name, size, off, as.result]).toEqual([r.name, size, off, want]);
          // Stores of 0 leave the finisher alone (not an exit code) and the timers where they are.
          if (r.base !== MTIMECMP || off !== 0) {
            store(as, r.base + off, size, 0n);
            expect([r.name, 'store', size, off, as.result]).toEqual([r.name, 'store', size, off, want]);
          }
        }
      }
    });
  }

  it('serial: any aligned access is one call on one register (a word at +4 is MCR alone, not MCR..SCR)', () => {
    const { as, uart, out } = board();
    expect(as.ldlLe(UART + 4)).toBe(0x08);
    expect(as.lduwLe(UART + 6)).toBe(0xb0);
    as.stlLe(UART + 0, 0x44434241);
    as.stqLe(UART + 0, 0x4847464544434242n);
    expect(String.fromCharCode(...out)).toBe('AB');
    // DLAB: the divisor latch through an 8-byte store and load.
    as.stb(UART + 3, 0x80);
    expect(as.ldqLe(UART)).toBe(0x0cn);
    as.stqLe(UART, 0xffffffffffffff01n);
    expect(uart.divider).toBe(0x01);
    as.stb(UART + 3, 0);
    expect(as.result).toBe(MEMTX_OK);
  });

  it('riscv.sifive.test: a 2-byte store of the pass code exits; a byte store or an 8-byte one is refused and does not', () => {
    const { as, exits } = board();
    as.stb(TEST, 0x55);
    as.stqLe(TEST, 0x5555n);
    expect(exits).toEqual([]);
    as.stwLe(TEST + 2, 0x5555);
    expect(exits).toEqual([]);
    as.stwLe(TEST, 0x5555);
    as.stlLe(TEST, (7 << 16) | 0x3333);
    expect(exits).toEqual([0, 7]);
  });

  it('riscv.aclint.swi: msip bit 0 at +0, other offsets read 0 and ignore writes', () => {
    const { as, clint } = board();
    as.stlLe(SWI, 0xffffffff);
    expect(clint.msip).toBe(1);
    expect(as.ldlLe(SWI)).toBe(1);
    as.stlLe(SWI + 4, 0);
    expect(clint.msip).toBe(1);
    expect(as.ldlLe(SWI + 4)).toBe(0);
    as.stlLe(SWI, 2);
    expect(clint.msip).toBe(0);
  });

  it('riscv.aclint.mtimer: 8-byte accesses reach the whole 64-bit mtimecmp and mtime in one call', () => {
    const { as, clint, setInstret } = board();
    as.stqLe(MTIMECMP, 0x1122334455667788n);
    expect([clint.cmpHi, clint.cmpLo]).toEqual([0x11223344, 0x55667788]);
    expect(as.ldqLe(MTIMECMP)).toBe(0x1122334455667788n);
    expect(as.ldlLe(MTIMECMP + 4)).toBe(0x11223344);
    as.stlLe(MTIMECMP + 4, 0);
    expect(as.ldqLe(MTIMECMP)).toBe(0x55667788n);
    setInstret(12345);
    expect(as.ldqLe(MTIME)).toBe(1234n);
    as.stqLe(MTIME, 0x0000000100000005n);
    expect(as.ldqLe(MTIME)).toBe(0x100000005n);
    expect(as.ldlLe(MTIME + 4)).toBe(1);
    setInstret(12345 + 30);
    expect(as.ldlLe(MTIME)).toBe(8);
    // A 32-bit write of the low half keeps the high half (QEMU's time_delta update).
    as.stlLe(MTIME, 0xfffffff0);
    expect(as.ldqLe(MTIME)).toBe(0x1fffffff0n);
  });
});

describe('the NS16550A register model is QEMU 7.2 serial.c', () => {
  it('reset values: IIR no interrupt, MCR OUT2, LSR THRE|TEMT, MSR DCD|DSR|CTS, divisor 12', () => {
    const u = new Uart16550(() => {});
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((o) => u.read(o, 1))).toEqual([0, 0, 0x01, 0, 0x08, 0x60, 0xb0, 0]);
    u.write(3, 1, 0x80);
    expect([u.read(0, 1), u.read(1, 1)]).toEqual([0x0c, 0]);
  });

  it('FCR FIFO enable shows in IIR; THRI is set by a transmit or IER.THRI turning on, cleared by reading IIR', () => {
    const u = new Uart16550(() => {});
    u.write(2, 1, 0x01);
    expect(u.read(2, 1)).toBe(0xc1);
    u.write(1, 1, 0xf2);
    expect(u.read(1, 1)).toBe(0x02);
    expect(u.read(2, 1)).toBe(0xc2);
    expect(u.read(2, 1)).toBe(0xc1);
    // Only THRI turning on re-arms the cause (serial.c: `changed & UART_IER_THRI`).
    u.write(1, 1, 0x0a);
    expect(u.read(2, 1)).toBe(0xc1);
    u.write(1, 1, 0);
    u.write(1, 1, 0x02);
    expect(u.read(2, 1)).toBe(0xc2);
    u.write(0, 1, 0x41);
    expect(u.read(2, 1)).toBe(0xc2);
    u.write(2, 1, 0);
    expect(u.read(2, 1)).toBe(0x01);
  });

  it('loopback: transmitted bytes are received, not sent; MSR mirrors the MCR outputs', () => {
    const sent: number[] = [];
    const u = new Uart16550((b) => sent.push(b));
    u.write(4, 1, 0x1f);
    expect(u.read(6, 1)).toBe(0xf0);
    u.write(0, 1, 0x5a);
    expect(sent).toEqual([]);
    expect(u.read(5, 1) & 1).toBe(1);
    expect(u.read(0, 1)).toBe(0x5a);
    expect(u.read(5, 1) & 1).toBe(0);
    u.write(0, 1, 1);
    u.write(0, 1, 2);
    expect(u.read(5, 1)).toBe(0x63); // data ready and overrun
    expect(u.read(5, 1)).toBe(0x61); // overrun is reported once
    u.write(4, 1, 0x08);
    u.write(0, 1, 0x41);
    expect(sent).toEqual([0x41]);
  });
});

describe('mtime is the virtual clock in timebase ticks through muldiv64 (upstream 49caffe0cc)', () => {
  it("equals QEMU's muldiv64(ns, timebase_freq, NANOSECONDS_PER_SECOND) where the product overflows 2^53", () => {
    const c = new Clint();
    for (const n of [0, 9, 10, 123_456_789, 2 ** 40 + 7, 2 ** 49 - 3]) {
      c.cpu = { instretNow: () => n, kick: () => {} };
      const want = muldiv64(BigInt(n) * BigInt(NS_PER_INSN), TIMEBASE_FREQ, 1_000_000_000);
      expect(BigInt(c.mtime())).toBe(want);
      // 100 MIPS and 10 MHz: one tick per 10 instructions.
      expect(c.mtime()).toBe(Math.floor(n / 10));
    }
  });
});

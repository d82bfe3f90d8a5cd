import { describe, expect, it } from 'vitest';
import { MemorySystem, MemorySystemDataPlane, RamList, RegionDirtyLog } from '@memvisor/memory-core';
import { Uart16550 } from '../src/devices/uart16550.js';
import { SifiveTest } from '../src/devices/sifiveTest.js';
import { Clint } from '../src/devices/clint.js';
import { MemoryCoreBus } from '../src/virt/memoryCoreBus.js';
import { VirtBoard } from '../src/virt/virtBoard.js';

function board() {
  const out: number[] = [];
  const exits: number[] = [];
  const clint = new Clint();
  const b = new VirtBoard({
    ramSize: 1 << 20,
    devices: { serial: new Uart16550((c) => out.push(c)), test: new SifiveTest((s) => exits.push(s)), clint },
  });
  return { b, out, exits, clint };
}

describe('MemoryCoreBus: the GuestBus over a memory-core address space', () => {
  it('ram is the RAM block itself: bytes stored by the CPU are what the data path reads', () => {
    const { b } = board();
    const bus = b.bus;
    expect(bus.ramBase).toBe(0x80000000);
    expect(bus.ramSize).toBe(1 << 20);
    expect(bus.ram.buffer).toBe(b.ramBlock.buffer);
    new DataView(bus.ram.buffer, bus.ram.byteOffset).setUint32(0x40, 0x12345678, true);
    expect(b.memory.ldlLe(0x80000040)).toBe(0x12345678);
  });

  it('ioRead / ioWrite reach the tcg devices: UART bytes, LSR, finisher exit, CLINT registers', () => {
    const { b, out, exits, clint } = board();
    const bus = b.bus;
    for (const c of 'ok') expect(bus.ioWrite(0x10000000, 1, c.charCodeAt(0))).toBe(true);
    expect(String.fromCharCode(...out)).toBe('ok');
    expect(bus.ioRead(0x10000005, 1)).toBe(0x60);
    expect(bus.ioWrite(0x2004000, 4, 0x100)).toBe(true);
    expect(bus.ioWrite(0x2004004, 4, 0)).toBe(true);
    expect(clint.mtimecmp()).toBe(0x100);
    expect(bus.ioRead(0x2004000, 4)).toBe(0x100);
    expect(bus.ioWrite(0x2000000, 4, 1)).toBe(true);
    expect(clint.msip).toBe(1);
    expect(bus.ioWrite(0x100000, 4, (3 << 16) | 0x3333)).toBe(true);
    expect(exits).toEqual([3]);
  });

  it('a hole is NaN on read and false on write, as GuestBus documents (the CPU raises an access fault)', () => {
    const { b } = board();
    expect(b.bus.ioRead(0x0, 4)).toBeNaN();
    expect(b.bus.ioRead(0x200c000, 2)).toBeNaN();
    expect(b.bus.ioWrite(0x30000000, 1, 0)).toBe(false);
    // Above 4 GiB (Sv32 physical addresses have 34 bits).
    expect(b.bus.ioRead(0x3_0000_0000, 4)).toBeNaN();
  });

  it('reads the mask ROM and discards stores to it, like a CPU access on QEMU', () => {
    const { b } = board();
    b.writeRom(0x1000, new Uint8Array([0x73, 0x25, 0x40, 0xf1]));
    expect(b.bus.ioRead(0x1000, 4)).toBe(0xf1402573);
    expect(b.bus.ioRead(0x1002, 2)).toBe(0xf140);
    expect(b.bus.ioWrite(0x1000, 4, 0)).toBe(true);
    expect(b.bus.ioRead(0x1000, 4)).toBe(0xf1402573);
  });

  it('works over any memory-core topology, and refuses a RAM block of partial pages', () => {
    const system = new MemorySystem();
    const root = system.createContainer({ name: 'system', size: 1n << 64n });
    const ram = system.createRam({ name: 'ram', size: 0x2000n });
    const ramList = new RamList();
    const block = new RegionDirtyLog(system, ramList).allocRam(ram);
    system.addSubregion(root, ram, 0x1000n);
    system.createAddressSpace('memory', root);
    const as = new MemorySystemDataPlane(system, ramList).addressSpace('memory');
    const bus = new MemoryCoreBus(as, block, 0x1000);
    expect(bus.ioWrite(0x1ffe, 2, 0xbeef)).toBe(true);
    expect(bus.ram[0xffe]).toBe(0xef);
    expect(() => new MemoryCoreBus(as, { host: new Uint8Array(100), usedLength: 100 }, 0)).toThrow(RangeError);
  });
});

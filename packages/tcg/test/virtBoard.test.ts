import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  DIRTY_MEMORY_CODE,
  DIRTY_MEMORY_MIGRATION,
  DIRTY_MEMORY_VGA,
  MEMTX_DECODE_ERROR,
  MEMTX_OK,
} from '@memvisor/memory-core';
import type { MmioDevice } from '../src/bus.js';
import { VirtBoard } from '../src/virt/virtBoard.js';
import { VIRT_BOARD_MEMMAP } from '../src/virt/virtMemmap.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '../../../tools/qemu-fixtures/7.2/riscv32-virt');
const fixture = (name: string): string => readFileSync(join(fixtures, name), 'utf8');

/** Blank-line separated sections of `info mtree` output. */
function sections(text: string): string[][] {
  return text
    .trimEnd()
    .split(/\n\n/)
    .map((s) => s.split('\n'));
}

/** The region name at the end of an `info mtree` line (after `): `). */
function lineName(line: string): string | null {
  const m = /\): (.*)$/.exec(line);
  return m === null ? null : (m[1] as string);
}

const IMPLEMENTED = new Set<string>([
  'system',
  VIRT_BOARD_MEMMAP.mrom.name,
  VIRT_BOARD_MEMMAP.test.name,
  VIRT_BOARD_MEMMAP.aclintSwi.name,
  VIRT_BOARD_MEMMAP.aclintMtimer.name,
  VIRT_BOARD_MEMMAP.uart0.name,
  VIRT_BOARD_MEMMAP.dram.name,
]);

class Recorder implements MmioDevice {
  readonly calls: string[] = [];
  constructor(
    readonly name: string,
    private readonly value = 0,
  ) {}
  read(offset: number, size: number): number {
    this.calls.push(`r ${offset.toString(16)} ${size}`);
    return this.value;
  }
  write(offset: number, size: number, value: number): void {
    this.calls.push(`w ${offset.toString(16)} ${size} ${value.toString(16)}`);
  }
}

function recordingBoard() {
  const serial = new Recorder('serial', 0x60);
  const test = new Recorder('riscv.sifive.test');
  const clint = new Recorder('clint', 0x1234);
  const board = new VirtBoard({ ramSize: 1 << 20, devices: { serial, test, clint } });
  return { board, serial, test, clint };
}

describe('the virt board as a memory-core topology', () => {
  it("info mtree: the regions memvisor implements are QEMU's lines, with QEMU's names, addresses and nesting", () => {
    const board = new VirtBoard();
    const ours = sections(board.printTree());
    const theirs = sections(fixture('mtree.txt'));
    const mainOf = (secs: string[][]) => secs.find((s) => s[0] === 'address-space: cpu-memory-0')!;
    const fbLine =
      '    0000000008000000-000000000804afff (prio 0, ram): memvisor.framebuffer';
    const ourMain = mainOf(ours);
    expect(ourMain).toContain(fbLine);
    const wanted = mainOf(theirs).filter((l) => l.startsWith('address-space: ') || IMPLEMENTED.has(lineName(l) ?? ''));
    expect(ourMain.filter((l) => l !== fbLine)).toEqual(wanted);
    expect(wanted).toHaveLength(2 + IMPLEMENTED.size);
    // The I/O address space is QEMU's, line for line.
    const io = (secs: string[][]) => secs.find((s) => s[0] === 'address-space: I/O');
    expect(io(ours)).toEqual(io(theirs));
  });

  it('info mtree -f: FlatView #0 lists the implemented ranges as QEMU does, shared by "memory" and "cpu-memory-0"', () => {
    const board = new VirtBoard({ framebuffer: false });
    const ours = sections(board.printFlat());
    const theirs = sections(fixture('mtree-f.txt'));
    const wanted = (theirs[0] as string[]).filter(
      (l) => !l.startsWith('  ') || IMPLEMENTED.has(lineName(l) ?? ''),
    );
    expect(ours[0]).toEqual(wanted);
    expect(ours[0]!.slice(0, 4)).toEqual([
      'FlatView #0',
      ' AS "memory", root: system',
      ' AS "cpu-memory-0", root: system',
      ' Root memory region: system',
    ]);
    expect(ours[1]).toEqual(theirs[1]);
  });

  it('the framebuffer lies where no QEMU virt region is', () => {
    const board = new VirtBoard();
    const fb = VIRT_BOARD_MEMMAP.framebuffer;
    const size = board.framebufferBlock!.usedLength;
    for (const line of fixture('mtree-f.txt').split('\n')) {
      const m = /^ {2}([0-9a-f]{16})-([0-9a-f]{16}) /.exec(line);
      if (m === null) continue;
      const lo = parseInt(m[1]!, 16);
      const hi = parseInt(m[2]!, 16);
      expect(hi < fb.base || lo >= fb.base + size, line).toBe(true);
    }
    expect(board.framebufferBase).toBe(0x8000000);
    expect(size).toBe(0x4b000);
  });

  it("RAM blocks are named as QEMU names them (idstr = region name, no owner), main RAM at ram_addr 0", () => {
    const board = new VirtBoard({ ramSize: 1 << 24 });
    const names = board.ramList.blocks.map((b) => b.idstr).sort();
    expect(names).toEqual(['memvisor.framebuffer', 'riscv_virt_board.mrom', 'riscv_virt_board.ram']);
    expect(board.ramList.findByName('riscv_virt_board.ram')).toBe(board.ramBlock);
    expect(board.ramBlock.offset).toBe(0);
    expect(board.ramBlock.usedLength).toBe(1 << 24);
    expect(board.mromBlock.usedLength).toBe(0xf000);
    expect(board.bus.ram.buffer).toBe(board.ramBlock.buffer);
  });

  it('RAM-backed regions carry the CODE bit, the framebuffer also VGA; devices log nothing', () => {
    // upstream 677e7805cf: with TCG the CODE bit is in the RAM regions' dirty-log mask.
    const board = new VirtBoard();
    const r = board.regions;
    expect(board.system.getDirtyLogMask(r.ram)).toBe(1 << DIRTY_MEMORY_CODE);
    expect(board.system.getDirtyLogMask(r.mrom)).toBe(1 << DIRTY_MEMORY_CODE);
    expect(board.system.getDirtyLogMask(r.framebuffer!)).toBe((1 << DIRTY_MEMORY_CODE) | (1 << DIRTY_MEMORY_VGA));
    expect(board.system.getDirtyLogMask(r.serial)).toBe(0);
    board.system.globalDirtyLogStart();
    expect(board.system.isLogging(r.ram, DIRTY_MEMORY_MIGRATION)).toBe(true);
  });

  it('a RAM buffer from another thread becomes the RAM block', () => {
    const sab = new SharedArrayBuffer(1 << 20);
    const board = new VirtBoard({ ramSize: 1 << 20, ramBuffer: sab, framebuffer: false });
    board.cpuMemory.stlLe(0x80000010, 0xcafef00d);
    expect(new DataView(sab).getUint32(0x10, true)).toBe(0xcafef00d);
  });

  it('refuses a RAM size that is not whole pages', () => {
    expect(() => new VirtBoard({ ramSize: 1000 })).toThrow(RangeError);
  });
});

describe('MMIO through the data path reaches the tcg devices', () => {
  it('serial, finisher, ACLINT swi and mtimer get their offsets; values come back', () => {
    const { board, serial, test, clint } = recordingBoard();
    const as = board.cpuMemory;
    as.stb(0x10000000, 0x41);
    expect(as.result).toBe(MEMTX_OK);
    expect(as.ldub(0x10000005)).toBe(0x60);
    expect(serial.calls).toEqual(['w 0 1 41', 'r 5 1']);
    as.stlLe(0x100000, 0x5555);
    expect(test.calls).toEqual(['w 0 4 5555']);
    as.stlLe(0x2000000, 1);
    expect(as.ldlLe(0x200bff8)).toBe(0x1234);
    as.stlLe(0x2004000, 7);
    expect(clint.calls).toEqual(['w 0 4 1', 'r bff8 4', 'w 4000 4 7']);
  });

  it('QEMU leaves 0x200c000 and serial+8 unassigned: decode errors, the devices see nothing', () => {
    const { board, serial, clint } = recordingBoard();
    const as = board.cpuMemory;
    expect(as.ldlLe(0x200c000)).toBe(0);
    expect(as.result).toBe(MEMTX_DECODE_ERROR);
    as.stb(0x10000008, 1);
    expect(as.result).toBe(MEMTX_DECODE_ERROR);
    expect(serial.calls).toEqual([]);
    expect(clint.calls).toEqual([]);
  });

  it('device regions are dispatched without the big lock (globalLocking false)', () => {
    const { board } = recordingBoard();
    for (const id of [board.regions.serial, board.regions.test, board.regions.aclintSwi, board.regions.aclintMtimer]) {
      expect(board.data.plane.handle(id).globalLocking).toBe(false);
    }
  });

  it('the mask ROM is loaded like QEMU loads ROMs, reads back, and ignores guest stores', () => {
    const { board } = recordingBoard();
    board.writeRom(0x1000, new Uint8Array([0x97, 0x02, 0x00, 0x00]));
    const as = board.cpuMemory;
    expect(as.ldlLe(0x1000)).toBe(0x00000297);
    as.stlLe(0x1000, 0xffffffff);
    expect(as.result).toBe(MEMTX_OK);
    expect(as.ldlLe(0x1000)).toBe(0x00000297);
    expect(board.mromBlock.host[0]).toBe(0x97);
  });
});

describe('VGA dirty logging on the framebuffer', () => {
  it('data-path stores to the framebuffer set VGA bits page by page; main RAM logs no VGA', () => {
    const board = new VirtBoard({ ramSize: 1 << 20 });
    const fb = board.regions.framebuffer!;
    const size = board.framebufferBlock!.usedLength;
    // A display takes (and clears) the bits it has seen.
    board.dirtyLog.snapshotAndClearDirty(fb, 0, size, DIRTY_MEMORY_VGA);
    expect(board.dirtyLog.getDirty(fb, 0, size, DIRTY_MEMORY_VGA)).toBe(false);

    board.cpuMemory.stlLe(board.framebufferBase + 0x1004, 0x00ff00ff);
    expect(board.bus.ioWrite(board.framebufferBase + 0x3000, 1, 0x7f)).toBe(true);
    const snap = board.dirtyLog.snapshotAndClearDirty(fb, 0, size, DIRTY_MEMORY_VGA);
    const dirtyPages: number[] = [];
    for (let off = 0; off < size; off += 4096) {
      if (board.dirtyLog.snapshotGetDirty(fb, snap, off, 4096)) dirtyPages.push(off / 4096);
    }
    expect(dirtyPages).toEqual([1, 3]);
    expect(board.framebufferBlock!.host[0x3000]).toBe(0x7f);

    const dm = board.ramList.dirtyMemory;
    dm.testAndClearDirty(board.ramBlock.offset, 4096, DIRTY_MEMORY_VGA);
    board.cpuMemory.stlLe(0x80000000, 1);
    expect(dm.getDirty(board.ramBlock.offset, 4096, DIRTY_MEMORY_VGA)).toBe(false);
  });
});
